"""Tests for course_utils.data: embedded loaders, Legendre regression, cached downloads.

The download code is exercised on small fake data written here in the real
on-disk formats (CIFAR-10's pickled batches in a .tar.gz, Fashion-MNIST's
gzipped IDX files); no test touches the network.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
import random
import socket
import struct
import tarfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch
from numpy.polynomial import legendre as npleg

from testkit import deadline
from course_utils import data
from course_utils.data import (
    DatasetUnavailableError,
    Splits,
    evaluate_legendre,
    legendre_features,
    legendre_target,
    load,
    load_digits,
    load_mnist1d,
    load_torchvision,
    make_toy_2d,
    sample_lfd_regression,
)
from course_utils.data import embedded

ALTERNATIVES = ("load_mnist1d", "load_digits", "make_toy_2d")


# --------------------------------------------------------------------------- helpers


def sorted_rows(*xs: torch.Tensor) -> np.ndarray:
    """All rows of the given tensors, flattened and sorted: a multiset to compare."""
    rows = np.concatenate([x.reshape(len(x), -1).numpy() for x in xs])
    return rows[np.lexsort(rows.T[::-1])]


def assert_classification_splits(s: Splits, sizes: dict[str, int], input_shape: tuple[int, ...],
                                 num_classes: int) -> None:
    assert s.sizes() == sizes
    assert s.input_shape == input_shape
    assert s.num_classes == num_classes
    for x, y in (s.train, s.val, s.test):
        assert x.dtype == torch.float32 and y.dtype == torch.int64
        assert y.ndim == 1 and x.shape[0] == y.shape[0]
        assert int(y.min()) >= 0 and int(y.max()) < num_classes
        assert torch.isfinite(x).all()
    # Every class appears in training.
    assert torch.unique(s.train[1]).numel() == num_classes


def same(a: Splits, b: Splits) -> bool:
    return all(torch.equal(p[i], q[i]) for p, q in zip((a.train, a.val, a.test), (b.train, b.val, b.test))
               for i in range(2))


@pytest.fixture
def no_network(monkeypatch):
    """Make every attempt to open a connection or resolve a name fail at once."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


# --------------------------------------------------------------------------- Splits


def test_splits_repr_and_summary_show_shapes():
    s = make_toy_2d("moons", n=50, seed=0)
    assert "x(30, 2) float32" in repr(s) and "y(10,) int64" in repr(s)
    assert "moons: 2 classes" in s.summary()
    assert s.input_shape == (2,)


def test_splits_is_frozen_and_checks_its_fields():
    s = make_toy_2d("moons", n=50, seed=0)
    with pytest.raises(AttributeError):
        s.name = "other"  # frozen dataclass
    x, y = torch.zeros(5, 2), torch.zeros(5, dtype=torch.long)
    with pytest.raises(ValueError, match="'train'.*Got x of shape \\(5, 2\\) and y of shape \\(4,\\)"):
        Splits((x, y[:4]), (x, y), (x, y), 2, "bad")
    with pytest.raises(TypeError, match="'val'"):
        Splits((x, y), x, (x, y), 2, "bad")
    with pytest.raises(ValueError, match="'num_classes'.*Got 0"):
        Splits((x, y), (x, y), (x, y), 0, "bad")
    # The same rule as fit's data: a list (x, y) is a pair too; an empty part is refused.
    assert Splits((x, y), [x, y], (x, y), 2, "ok").sizes() == {"train": 5, "val": 5, "test": 5}
    with pytest.raises(ValueError, match="'test'.*0 examples"):
        Splits((x, y), (x, y), (x[:0], y[:0]), 2, "bad")
    with pytest.raises(ValueError, match="'val'.*Got labels in \\[7, 7\\]"):
        Splits((x, y), (x, y + 7), (x, y), 2, "bad")
    with pytest.raises(ValueError, match="'test'.*like train"):
        Splits((x, y), (x, y), (x[:, :1], y), 2, "bad")


# --------------------------------------------------------------------------- MNIST-1D


def test_mnist1d_shapes_dtypes_and_classes():
    s = load_mnist1d()
    assert_classification_splits(s, {"train": 3200, "val": 800, "test": 1000}, (40,), 10)
    assert s.name == "mnist1d"


def test_mnist1d_matches_the_package_reference_and_splits_are_a_partition():
    """train + val is exactly mnist1d's training set (no row lost or shared), test is its test set."""
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.seed = 0
    ref = make_dataset(args)
    s = load_mnist1d(seed=0)
    np.testing.assert_array_equal(sorted_rows(s.train[0], s.val[0]),
                                  sorted_rows(torch.tensor(ref["x"], dtype=torch.float32)))
    np.testing.assert_array_equal(s.test[0].numpy(), ref["x_test"].astype(np.float32))
    np.testing.assert_array_equal(s.test[1].numpy(), ref["y_test"])
    train_rows = {r.tobytes() for r in s.train[0].numpy()}
    assert not any(r.tobytes() in train_rows for r in s.val[0].numpy())
    # Labels travel with their inputs: look every val row up in the reference.
    lookup = {r.astype(np.float32).tobytes(): int(label) for r, label in zip(ref["x"], ref["y"])}
    assert [lookup[r.tobytes()] for r in s.val[0].numpy()] == s.val[1].tolist()


def test_mnist1d_same_seed_same_tensors_other_seed_different():
    a, b, c = load_mnist1d(seed=0), load_mnist1d(seed=0), load_mnist1d(seed=1)
    assert same(a, b)
    assert not torch.equal(a.train[0], c.train[0])
    assert not torch.equal(a.test[0], c.test[0])  # the seed also drives the generation


def test_mnist1d_n_train_is_a_stratified_subset_and_val_test_unchanged():
    full, small = load_mnist1d(seed=0), load_mnist1d(n_train=100, seed=0)
    assert small.sizes() == {"train": 100, "val": 800, "test": 1000}
    assert torch.equal(small.val[0], full.val[0]) and torch.equal(small.test[0], full.test[0])
    full_rows = {r.tobytes() for r in full.train[0].numpy()}
    assert all(r.tobytes() in full_rows for r in small.train[0].numpy())
    counts = torch.bincount(small.train[1], minlength=10)
    assert int(counts.max() - counts.min()) <= 2, counts


def test_mnist1d_val_fraction_sets_the_split_size():
    assert load_mnist1d(val_fraction=0.5, seed=0).sizes() == {"train": 2000, "val": 2000, "test": 1000}


def test_mnist1d_cache_cannot_be_corrupted_by_callers():
    first = load_mnist1d(seed=0)
    kept = [t.clone() for t in (*first.train, *first.test)]
    for t in (*first.train, *first.val, *first.test):
        t.add_(7)  # a caller normalising in place
    again = load_mnist1d(seed=0)
    for before, now in zip(kept, (*again.train, *again.test)):
        assert torch.equal(before, now)


def test_mnist1d_generates_offline_and_leaves_global_rngs_alone(no_network, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))  # an empty disk cache
    embedded._mnist1d_arrays.cache_clear()  # force a real generation under the network block
    random.seed(123)
    np.random.seed(123)
    py_state, np_state = random.getstate(), np.random.get_state()
    s = load_mnist1d(seed=0)
    assert embedded._mnist1d_arrays.cache_info().misses == 1
    assert s.sizes()["train"] == 3200
    assert no_network == []  # nothing even tried to connect
    assert random.getstate() == py_state
    after = np.random.get_state()
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1]) and after[2:] == np_state[2:]


# --------------------------------------------------------------------------- MNIST-1D disk cache


@pytest.fixture
def mnist1d_cache(tmp_path, monkeypatch):
    """An empty disk cache under tmp_path (via $COURSE_DATA_DIR) and an empty in-memory cache."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "cache"))
    embedded._mnist1d_arrays.cache_clear()
    yield tmp_path / "cache" / "mnist1d"
    embedded._mnist1d_arrays.cache_clear()


@pytest.fixture
def generations(monkeypatch):
    """Count calls of the MNIST-1D generator and serve small fake data (100 / 20 signals) fast."""
    calls = []

    def fake(seed):
        calls.append(seed)
        rng = np.random.default_rng(seed)
        return (rng.standard_normal((100, 40)).astype(np.float32), np.arange(100, dtype=np.int64) % 10,
                rng.standard_normal((20, 40)).astype(np.float32), np.arange(20, dtype=np.int64) % 10)

    monkeypatch.setattr(embedded, "_generate_mnist1d", fake)
    return calls


def _reload(seed: int = 0) -> Splits:
    embedded._mnist1d_arrays.cache_clear()  # what a new Python session sees: only the disk
    return load_mnist1d(seed=seed)


def test_mnist1d_disk_cache_serves_exactly_the_generated_arrays(mnist1d_cache, monkeypatch):
    generated = []
    real = embedded._generate_mnist1d
    monkeypatch.setattr(embedded, "_generate_mnist1d", lambda seed: generated.append(real(seed)) or generated[-1])
    first = load_mnist1d(seed=0)
    assert len(generated) == 1
    monkeypatch.setattr(embedded, "_generate_mnist1d", lambda seed: pytest.fail("a cache hit must not generate"))
    cached = embedded._mnist1d_arrays.__wrapped__(0)  # straight from the disk
    for fresh, stored in zip(generated[0], cached):
        assert fresh.dtype == stored.dtype and fresh.shape == stored.shape
        assert fresh.tobytes() == stored.tobytes()
        assert not stored.flags.writeable
    assert same(_reload(0), first)


def test_mnist1d_cache_lives_under_the_env_folder_keyed_by_seed_and_versions(mnist1d_cache, generations,
                                                                              monkeypatch):
    load_mnist1d(seed=0)
    load_mnist1d(seed=1)
    files = sorted(p.name for p in mnist1d_cache.iterdir())
    assert len(files) == 2 and all(f.endswith(".npz") and not f.startswith(".") for f in files), files
    assert files[0].startswith("mnist1d-seed0-") and files[1].startswith("mnist1d-seed1-")
    assert generations == [0, 1]
    _reload(0), _reload(1)
    assert generations == [0, 1], "a second load must come from the disk"
    real_version = embedded.importlib.metadata.version
    monkeypatch.setattr(embedded.importlib.metadata, "version",
                        lambda name: "99.0" if name == "mnist1d" else real_version(name))
    _reload(0)
    assert generations == [0, 1, 0], "another mnist1d version must not reuse the old file"


def _corrupt(path: Path, how: str) -> None:
    if how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "garbage":
        path.write_bytes(b"not an npz file at all")
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "checksum":  # a well-formed file whose content was changed after it was written
        with np.load(path) as f:
            arrays = {k: f[k] for k in f.files}
        arrays["x"] = arrays["x"] + 1
        with open(path, "wb") as out:
            np.savez(out, **arrays)
    else:  # a member is missing
        with np.load(path) as f:
            arrays = {k: f[k] for k in f.files if k != "y_test"}
        with open(path, "wb") as out:
            np.savez(out, **arrays)


@pytest.mark.parametrize("how", ["truncated", "garbage", "empty", "checksum", "missing_member"])
def test_mnist1d_corrupt_cache_file_is_regenerated_with_a_warning(mnist1d_cache, generations, how):
    first = load_mnist1d(seed=0)
    (path,) = mnist1d_cache.iterdir()
    _corrupt(path, how)
    with pytest.warns(RuntimeWarning, match="cached MNIST-1D file .* cannot be used"):
        again = _reload(0)
    assert same(again, first) and generations == [0, 0]
    assert [p.name for p in mnist1d_cache.iterdir()] == [path.name]  # replaced, nothing left over
    assert same(_reload(0), first) and generations == [0, 0]  # the new file is good


def test_mnist1d_unwritable_cache_folder_falls_back_to_generating(tmp_path, monkeypatch, generations):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("COURSE_DATA_DIR", str(blocker / "nested"))
    embedded._mnist1d_arrays.cache_clear()
    with pytest.warns(RuntimeWarning, match="Could not cache MNIST-1D"):
        s = load_mnist1d(seed=0)
    embedded._mnist1d_arrays.cache_clear()
    assert s.sizes()["test"] == 20 and generations == [0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]


def test_mnist1d_failed_write_leaves_no_temporary_file_or_new_folder(tmp_path, monkeypatch, generations):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "new" / "cache"))
    embedded._mnist1d_arrays.cache_clear()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(embedded.np, "savez", disk_full)
    with pytest.warns(RuntimeWarning, match="No space left"):
        s = load_mnist1d(seed=0)
    embedded._mnist1d_arrays.cache_clear()
    assert s.sizes()["train"] > 0
    assert list(tmp_path.iterdir()) == [], "the folders this load made must be gone again"


def test_mnist1d_successful_write_leaves_only_the_cache_file(mnist1d_cache, generations):
    load_mnist1d(seed=3)
    assert [p.suffix for p in mnist1d_cache.iterdir()] == [".npz"]
    assert list(mnist1d_cache.parent.iterdir()) == [mnist1d_cache]


# --------------------------------------------------------------------------- digits


@pytest.mark.parametrize("flatten, shape", [(True, (64,)), (False, (1, 8, 8))], ids=["flat", "image"])
def test_digits_shapes_range_and_partition(flatten, shape):
    from sklearn.datasets import load_digits as sk_digits

    s = load_digits(flatten=flatten)
    assert_classification_splits(s, {"train": 1079, "val": 359, "test": 359}, shape, 10)
    for x, _ in (s.train, s.val, s.test):
        assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    assert float(s.train[0].max()) == 1.0  # scaled by 16, not left in 0..16
    xs, ys = sk_digits(return_X_y=True)
    ref = torch.tensor(xs / 16.0, dtype=torch.float32)
    np.testing.assert_array_equal(sorted_rows(s.train[0], s.val[0], s.test[0]), sorted_rows(ref))
    # Stratified: each class's share of the test set is within one example of its share overall.
    expected = np.bincount(ys) * 359 / len(ys)
    assert np.all(np.abs(np.bincount(s.test[1].numpy(), minlength=10) - expected) <= 1)


def test_digits_fractions_and_seeds():
    s = load_digits(val_fraction=0.1, test_fraction=0.3, seed=2)
    assert s.sizes() == {"train": 1078, "val": 180, "test": 539}
    assert same(load_digits(seed=4), load_digits(seed=4))
    assert not torch.equal(load_digits(seed=4).train[0], load_digits(seed=5).train[0])


# --------------------------------------------------------------------------- toy 2-D


@pytest.mark.parametrize("name, classes", [("moons", 2), ("circles", 2), ("blobs", 3), ("spirals", 2)])
def test_toy_2d_shapes_balance_and_seeds(name, classes):
    s = make_toy_2d(name, n=400, seed=0)
    assert_classification_splits(s, {"train": 240, "val": 80, "test": 80}, (2,), classes)
    assert s.name == name
    all_y = torch.cat([s.train[1], s.val[1], s.test[1]])
    counts = torch.bincount(all_y)
    assert int(counts.max() - counts.min()) <= 1
    rows = [{r.tobytes() for r in x.numpy()} for x in (s.train[0], s.val[0], s.test[0])]
    assert sum(map(len, rows)) == 400 and len(set.union(*rows)) == 400  # disjoint
    assert same(s, make_toy_2d(name, n=400, seed=0))
    assert not torch.equal(s.train[0], make_toy_2d(name, n=400, seed=1).train[0])


def test_toy_2d_moons_are_sklearns_points():
    from sklearn.datasets import make_moons

    s = make_toy_2d("moons", n=100, noise=0.1, seed=7)
    ref, _ = make_moons(n_samples=100, noise=0.1, random_state=7)
    np.testing.assert_array_equal(sorted_rows(s.train[0], s.val[0], s.test[0]),
                                  sorted_rows(torch.tensor(ref, dtype=torch.float32)))


def test_toy_2d_noise_controls_difficulty():
    """A 5-NN classifier separates clean spirals and blobs; heavy noise makes it much worse."""
    from sklearn.neighbors import KNeighborsClassifier

    def accuracy(name: str, noise: float) -> float:
        s = make_toy_2d(name, n=600, noise=noise, seed=0)
        clf = KNeighborsClassifier(5).fit(s.train[0].numpy(), s.train[1].numpy())
        return clf.score(s.test[0].numpy(), s.test[1].numpy())

    for name in ("spirals", "blobs", "moons"):
        clean, noisy = accuracy(name, 0.05), accuracy(name, 1.0)
        assert clean >= 0.95, (name, clean)
        assert noisy <= clean - 0.15, (name, clean, noisy)


# --------------------------------------------------------------------------- Learning From Data


@pytest.mark.parametrize("degree", [0, 1, 2, 10, 25])
def test_legendre_features_match_numpy_legvander(degree):
    x = np.linspace(-1.0, 1.0, 201)
    got = legendre_features(torch.from_numpy(x), degree)
    assert got.shape == (201, degree + 1) and got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), npleg.legvander(x, degree), rtol=0, atol=1e-12)
    # numpy input and any leading shape work too.
    np.testing.assert_allclose(legendre_features(x.reshape(3, 67), degree).numpy(),
                               npleg.legvander(x.reshape(3, 67), degree), atol=1e-12)


def test_evaluate_legendre_matches_numpy_legval():
    coefs = np.array([0.5, -1.0, 2.0, 0.0, 0.25])
    x = np.linspace(-1.0, 1.0, 50)
    np.testing.assert_allclose(evaluate_legendre(coefs, x).numpy(), npleg.legval(x, coefs), atol=1e-12)
    f = legendre_target(torch.from_numpy(coefs))
    np.testing.assert_allclose(f(torch.from_numpy(x)).numpy(), npleg.legval(x, coefs), atol=1e-12)
    assert evaluate_legendre(torch.ones(3, dtype=torch.float64), torch.zeros(4)).dtype == torch.float64


@pytest.mark.parametrize("q_f", [0, 2, 10, 20])
def test_lfd_target_has_unit_power(q_f):
    """E_x[f^2] = 1 for x ~ U[-1, 1]: exactly by quadrature, and within 2% by Monte Carlo."""
    nodes, weights = npleg.leggauss(q_f + 2)  # exact for polynomials of order 2 q_f
    for seed in range(5):
        _, _, coefs = sample_lfd_regression(10, q_f=q_f, sigma2=0.0, seed=seed, dtype=torch.float64)
        assert coefs.shape == (q_f + 1,)
        f_nodes = evaluate_legendre(coefs, nodes).numpy()
        assert abs(0.5 * np.sum(weights * f_nodes**2) - 1.0) < 1e-10
    u = torch.rand(200_000, generator=torch.Generator().manual_seed(q_f), dtype=torch.float64) * 2 - 1
    assert abs(float((evaluate_legendre(coefs, u) ** 2).mean()) - 1.0) < 0.02


def test_lfd_noise_has_the_requested_variance():
    x, y, coefs = sample_lfd_regression(200_000, q_f=10, sigma2=0.5, seed=3, dtype=torch.float64)
    assert x.shape == y.shape == (200_000,)
    assert float(x.min()) >= -1.0 and float(x.max()) <= 1.0
    assert abs(float(x.mean())) < 0.01 and abs(float((x**2).mean()) - 1 / 3) < 0.01  # uniform on [-1, 1]
    residual = y - evaluate_legendre(coefs, x)
    assert abs(float(residual.mean())) < 0.01
    assert abs(float(residual.var()) / 0.5 - 1.0) < 0.02


def test_lfd_noiseless_reproducible_and_dtype():
    x, y, coefs = sample_lfd_regression(50, q_f=5, sigma2=0.0, seed=1)
    assert x.dtype == y.dtype == coefs.dtype == torch.float32
    torch.testing.assert_close(y, evaluate_legendre(coefs, x), atol=1e-5, rtol=1e-5)
    x2, y2, c2 = sample_lfd_regression(50, q_f=5, sigma2=0.0, seed=1)
    assert torch.equal(x, x2) and torch.equal(y, y2) and torch.equal(coefs, c2)
    assert not torch.equal(coefs, sample_lfd_regression(50, q_f=5, sigma2=0.0, seed=2)[2])
    # One seed, one target, whatever n is (the coefficients are drawn first).
    assert torch.equal(coefs, sample_lfd_regression(7, q_f=5, sigma2=0.3, seed=1)[2])


def test_lfd_features_fit_recovers_the_target():
    """The design matrix is usable: a 10th-order least-squares fit of noiseless data is exact."""
    x, y, coefs = sample_lfd_regression(40, q_f=10, sigma2=0.0, seed=0, dtype=torch.float64)
    w = torch.linalg.lstsq(legendre_features(x, 10), y.unsqueeze(1)).solution.squeeze(1)
    torch.testing.assert_close(w, coefs, atol=1e-8, rtol=1e-8)


# --------------------------------------------------------------------------- fake CIFAR-10 / Fashion-MNIST

CIFAR_TRAIN_PER_BATCH, CIFAR_TEST = 6, 10
CIFAR_NAMES = [f"class{i}" for i in range(10)]


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _cifar_image(label: int) -> np.ndarray:
    """(3, 32, 32) uint8: channel c is 20*label + c, and row 0 of channel 0 is 255 (shows H/W order)."""
    img = np.empty((3, 32, 32), dtype=np.uint8)
    for c in range(3):
        img[c] = 20 * label + c
    img[0, 0, :] = 255
    return img


def build_fake_cifar(where: Path) -> tuple[Path, dict]:
    """Write cifar-10-python.tar.gz in CIFAR-10's format; return it and its md5 constants."""
    folder = where / "build" / "cifar-10-batches-py"
    folder.mkdir(parents=True)

    def batch(name: str, labels: list[int], title: str) -> None:
        rows = np.stack([_cifar_image(lab).reshape(3072) for lab in labels])
        entry = {"batch_label": title, "labels": labels, "data": rows,
                 "filenames": [f"{name}_{i}.png" for i in range(len(labels))]}
        with open(folder / name, "wb") as fh:
            pickle.dump(entry, fh, protocol=2)

    train_list = []
    for b in range(1, 6):
        labels = [(b * CIFAR_TRAIN_PER_BATCH + i) % 10 for i in range(CIFAR_TRAIN_PER_BATCH)]
        batch(f"data_batch_{b}", labels, f"training batch {b} of 5")
        train_list.append([f"data_batch_{b}", _md5(folder / f"data_batch_{b}")])
    batch("test_batch", [i % 10 for i in range(CIFAR_TEST)], "testing batch 1 of 1")
    with open(folder / "batches.meta", "wb") as fh:
        pickle.dump({"label_names": CIFAR_NAMES, "num_cases_per_batch": CIFAR_TRAIN_PER_BATCH,
                     "num_vis": 3072}, fh, protocol=2)
    tarball = where / "cifar-10-python.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    consts = {
        "tgz_md5": _md5(tarball),
        "train_list": train_list,
        "test_list": [["test_batch", _md5(folder / "test_batch")]],
        "meta": {"filename": "batches.meta", "key": "label_names", "md5": _md5(folder / "batches.meta")},
    }
    return tarball, consts


class FakeServer:
    """Stands in for torchvision's ``download_url``: serves local files by name, counts calls."""

    def __init__(self, files: dict[str, Path]):
        self.files = files
        self.calls: list[str] = []
        self.fail_midway = False

    def download_url(self, url, root, filename=None, md5=None, max_redirect_hops=3):
        filename = filename or url.rsplit("/", 1)[-1]
        self.calls.append(filename)
        dest = Path(root) / filename
        dest.parent.mkdir(parents=True, exist_ok=True)
        payload = self.files[filename].read_bytes()
        if self.fail_midway:
            dest.write_bytes(payload[: len(payload) // 2])
            raise urllib.error.URLError("connection reset by peer (test)")
        dest.write_bytes(payload)
        if md5 is not None and _md5(dest) != md5:
            raise RuntimeError("File not found or corrupted.")


@pytest.fixture
def fake_cifar(tmp_path, monkeypatch):
    import torchvision.datasets as tvd
    import torchvision.datasets.utils as tvu

    tarball, consts = build_fake_cifar(tmp_path / "server")
    for attr, value in consts.items():
        monkeypatch.setattr(tvd.CIFAR10, attr, value)
    server = FakeServer({"cifar-10-python.tar.gz": tarball})
    # download_and_extract_archive looks download_url up in this module at call time.
    monkeypatch.setattr(tvu, "download_url", server.download_url)
    return server


def _idx(array: np.ndarray) -> bytes:
    """IDX format (big-endian), as in the MNIST family's files."""
    header = struct.pack(">I", 0x0800 + array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def fake_fashion(tmp_path, monkeypatch):
    import torchvision.datasets as tvd
    import torchvision.datasets.utils as tvu

    server_dir = tmp_path / "server"
    server_dir.mkdir()
    files, resources = {}, []
    for prefix, n in (("train", 30), ("t10k", 10)):
        labels = np.arange(n) % 10
        images = np.repeat((10 * labels)[:, None, None], 28, axis=1).repeat(28, axis=2)
        images[:, 0, :] = 255
        for kind, arr in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
            name = f"{prefix}-{kind}.gz"
            (server_dir / name).write_bytes(gzip.compress(_idx(arr)))
            files[name] = server_dir / name
            resources.append((name, _md5(server_dir / name)))
    monkeypatch.setattr(tvd.FashionMNIST, "resources", resources)
    server = FakeServer(files)
    monkeypatch.setattr(tvu, "download_url", server.download_url)
    return server


def _files_under(root: Path) -> list[Path]:
    return sorted(root.rglob("*")) if root.exists() else []


def test_cifar10_download_shapes_labels_and_cache(fake_cifar, tmp_path):
    root = tmp_path / "cache"
    s = load_torchvision("cifar10", root=root, val_fraction=0.2, seed=0)
    assert fake_cifar.calls == ["cifar-10-python.tar.gz"]
    assert_classification_splits(s, {"train": 24, "val": 6, "test": 10}, (3, 32, 32), 10)
    assert s.classes == tuple(CIFAR_NAMES) and s.name == "cifar10"
    for x, y in (s.train, s.val, s.test):
        # Each image carries its label in its pixels: labels stayed with their images,
        # channels are first and rows are rows (row 0 of channel 0 is white).
        for c in range(3):
            expected = (20 * y + c).float() / 255
            torch.testing.assert_close(x[:, c, 1:, :].mean(dim=(1, 2)), expected)
        assert torch.all(x[:, 0, 0, :] == 1.0) and torch.all(x[:, 0, 1:, 0] < 1.0)
    assert sorted(torch.cat([s.train[1], s.val[1]]).tolist()) == sorted(
        [(b * 6 + i) % 10 for b in range(1, 6) for i in range(6)])
    # Only the extracted data set is kept: no archive, no temporary folder.
    assert [p.name for p in root.iterdir()] == ["cifar10"]
    assert not (root / "cifar10" / "cifar-10-python.tar.gz").exists()

    again = load_torchvision("cifar10", root=root, val_fraction=0.2, seed=0)
    offline = load_torchvision("cifar10", root=root, val_fraction=0.2, seed=0, download=False)
    assert fake_cifar.calls == ["cifar-10-python.tar.gz"]  # served from the cache
    assert same(s, again) and same(s, offline)
    assert not torch.equal(s.train[1], load_torchvision("cifar10", root=root, val_fraction=0.2, seed=1).train[1])


def test_cifar10_max_train_normalize_and_env_cache_dir(fake_cifar, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "env-cache"))
    assert data.default_data_dir() == tmp_path / "env-cache"
    assert not (tmp_path / "env-cache").exists()  # asking for the folder creates nothing
    s = load_torchvision("cifar10", val_fraction=0.2, max_train=10, normalize=True)
    assert (tmp_path / "env-cache" / "cifar10" / "cifar-10-batches-py").is_dir()
    assert s.sizes() == {"train": 10, "val": 6, "test": 10}
    x = s.train[0]
    torch.testing.assert_close(x.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(x.std(dim=(0, 2, 3)), torch.ones(3), atol=1e-5, rtol=0)
    assert float(s.test[0].max()) > 1.0  # the test set got the training statistics, not [0, 1]
    # max_train above what is left is a cap, not an error.
    assert load_torchvision("cifar10", val_fraction=0.2, max_train=1000).sizes()["train"] == 24


def test_cifar10_download_failing_midway_leaves_nothing(fake_cifar, tmp_path):
    fake_cifar.fail_midway = True
    root = tmp_path / "cache"
    with pytest.raises(DatasetUnavailableError) as info:
        load_torchvision("cifar10", root=root)
    assert fake_cifar.calls == ["cifar-10-python.tar.gz"]  # it did start writing
    assert _files_under(root) == []
    message = str(info.value)
    for name in ALTERNATIVES:
        assert name in message
    assert str(root / "cifar10") in message and "cifar-10-batches-py" in message
    assert isinstance(info.value, RuntimeError)
    # The same in a cache folder that already exists and holds other data sets.
    (root / "other").mkdir(parents=True)
    (root / "other" / "keep.txt").write_text("x")
    with pytest.raises(DatasetUnavailableError):
        load_torchvision("cifar10", root=root)
    assert _files_under(root) == [root / "other", root / "other" / "keep.txt"]


def test_cifar10_offline_raises_the_clear_error(no_network, tmp_path):
    root = tmp_path / "cache"
    with pytest.raises(DatasetUnavailableError) as info:
        load_torchvision("cifar10", root=root)  # torchvision's real download code
    assert no_network, "the download should have tried the network"
    message = str(info.value)
    assert all(name in message for name in ALTERNATIVES) and str(root / "cifar10") in message
    assert _files_under(root) == []


def test_cifar10_not_cached_and_download_off(tmp_path):
    root = tmp_path / "cache"
    with pytest.raises(DatasetUnavailableError, match="download=False") as info:
        load_torchvision("cifar10", root=root, download=False)
    assert all(name in str(info.value) for name in ALTERNATIVES)
    assert not root.exists()


def test_cifar10_corrupted_copy_is_reported_not_used(fake_cifar, tmp_path):
    root = tmp_path / "cache"
    load_torchvision("cifar10", root=root)
    batch = root / "cifar10" / "cifar-10-batches-py" / "data_batch_3"
    batch.write_bytes(batch.read_bytes()[:100])  # truncated by a full disk, say
    with pytest.raises(DatasetUnavailableError, match="incomplete or corrupted"):
        load_torchvision("cifar10", root=root)
    assert fake_cifar.calls == ["cifar-10-python.tar.gz"]  # reported, not silently re-downloaded


def test_cifar10_manual_copy_is_used_without_download(fake_cifar, tmp_path):
    root = tmp_path / "cache"
    with tarfile.open(fake_cifar.files["cifar-10-python.tar.gz"]) as tar:
        # extraction filters exist from Python 3.11.4 (and 3.10.12); Debian 12's 3.11.2 lacks them
        tar.extractall(root / "cifar10", **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    s = load_torchvision("cifar10", root=root, download=False)
    assert fake_cifar.calls == [] and s.sizes()["test"] == CIFAR_TEST


def test_fashion_mnist_download_shapes_and_labels(fake_fashion, tmp_path):
    root = tmp_path / "cache"
    s = load_torchvision("fashion_mnist", root=root, val_fraction=0.2)
    assert len(fake_fashion.calls) == 4
    assert_classification_splits(s, {"train": 24, "val": 6, "test": 10}, (1, 28, 28), 10)
    assert s.classes[0] == "T-shirt/top"
    for x, y in (s.train, s.val, s.test):
        torch.testing.assert_close(x[:, 0, 1:, :].mean(dim=(1, 2)), (10 * y).float() / 255)
        assert torch.all(x[:, 0, 0, :] == 1.0)
    load_torchvision("fashion_mnist", root=root, val_fraction=0.2)
    assert len(fake_fashion.calls) == 4
    assert [p.name for p in root.iterdir()] == ["fashion_mnist"]


def test_fashion_mnist_failing_download_leaves_nothing(fake_fashion, tmp_path):
    fake_fashion.fail_midway = True
    root = tmp_path / "cache"
    with pytest.raises(DatasetUnavailableError, match="Fashion-MNIST") as info:
        load_torchvision("fashion_mnist", root=root)
    assert str(root / "fashion_mnist" / "FashionMNIST" / "raw") in str(info.value)
    assert _files_under(root) == []


# --------------------------------------------------------------------------- dispatcher


def test_load_dispatches_by_name():
    assert same(load("moons", n=60, seed=3), make_toy_2d("moons", n=60, seed=3))
    assert same(load("digits", seed=1), load_digits(seed=1))
    assert load("mnist1d", n_train=50).sizes()["train"] == 50
    assert set(data.DATASET_NAMES) == {"mnist1d", "digits", "moons", "circles", "blobs", "spirals",
                                       "cifar10", "fashion_mnist"}


def test_load_passes_the_cache_options_through(fake_cifar, tmp_path):
    s = load("cifar10", root=tmp_path / "c", val_fraction=0.2)
    assert s.sizes() == {"train": 24, "val": 6, "test": 10}


# --------------------------------------------------------------------------- bad input

BAD_INPUT = [
    # (id, call, exception, parameter, bad value as shown)
    ("mnist1d-n_train-negative", lambda: load_mnist1d(n_train=-5), ValueError, "n_train", "-5"),
    ("mnist1d-n_train-too-big", lambda: load_mnist1d(n_train=5000), ValueError, "n_train", "5000"),
    ("mnist1d-n_train-float", lambda: load_mnist1d(n_train=10.5), TypeError, "n_train", "10.5"),
    ("mnist1d-val_fraction-1", lambda: load_mnist1d(val_fraction=1.0), ValueError, "val_fraction", "1.0"),
    ("mnist1d-val_fraction-0", lambda: load_mnist1d(val_fraction=0), ValueError, "val_fraction", "0"),
    ("mnist1d-val_fraction-str", lambda: load_mnist1d(val_fraction="0.2"), TypeError, "val_fraction", "'0.2'"),
    ("mnist1d-seed-negative", lambda: load_mnist1d(seed=-1), ValueError, "seed", "-1"),
    ("mnist1d-seed-float", lambda: load_mnist1d(seed=1.0), TypeError, "seed", "1.0"),
    ("mnist1d-seed-too-big", lambda: load_mnist1d(seed=2**32), ValueError, "seed", str(2**32)),
    ("digits-test_fraction", lambda: load_digits(test_fraction=1.5), ValueError, "test_fraction", "1.5"),
    ("digits-fractions-sum", lambda: load_digits(val_fraction=0.5, test_fraction=0.5), ValueError,
     "test_fraction", "0.5"),
    ("digits-flatten-int", lambda: load_digits(flatten=1), TypeError, "flatten", "1"),
    ("toy-unknown-name", lambda: make_toy_2d("swirls"), ValueError, "name", "'swirls'"),
    ("toy-name-int", lambda: make_toy_2d(3), TypeError, "name", "3"),
    ("toy-n-negative", lambda: make_toy_2d("moons", n=-1), ValueError, "n", "-1"),
    ("toy-n-too-small", lambda: make_toy_2d("moons", n=3), ValueError, "n", "3"),
    ("toy-noise-negative", lambda: make_toy_2d("blobs", noise=-0.1), ValueError, "noise", "-0.1"),
    ("toy-noise-nan", lambda: make_toy_2d("blobs", noise=float("nan")), ValueError, "noise", "nan"),
    ("lfd-n-negative", lambda: sample_lfd_regression(-10, q_f=2, sigma2=0.1, seed=0), ValueError, "n", "-10"),
    ("lfd-q_f-negative", lambda: sample_lfd_regression(10, q_f=-1, sigma2=0.1, seed=0), ValueError, "q_f", "-1"),
    ("lfd-q_f-float", lambda: sample_lfd_regression(10, q_f=2.0, sigma2=0.1, seed=0), TypeError, "q_f", "2.0"),
    ("lfd-sigma2-negative", lambda: sample_lfd_regression(10, q_f=2, sigma2=-0.5, seed=0), ValueError,
     "sigma2", "-0.5"),
    ("lfd-sigma2-str", lambda: sample_lfd_regression(10, q_f=2, sigma2="0.1", seed=0), TypeError,
     "sigma2", "'0.1'"),
    ("lfd-seed-none", lambda: sample_lfd_regression(10, q_f=2, sigma2=0.1, seed=None), TypeError, "seed", "None"),
    ("lfd-dtype", lambda: sample_lfd_regression(10, q_f=2, sigma2=0.1, seed=0, dtype=torch.int64), ValueError,
     "dtype", "torch.int64"),
    ("features-degree-negative", lambda: legendre_features(torch.zeros(3), -1), ValueError, "degree", "-1"),
    ("features-x-list", lambda: legendre_features([0.1, 0.2], 2), TypeError, "x", "[0.1, 0.2]"),
    ("evaluate-coefs-2d", lambda: evaluate_legendre(torch.zeros(2, 2), torch.zeros(3)), ValueError,
     "coefs", "(2, 2)"),
    ("evaluate-coefs-empty", lambda: legendre_target(np.zeros(0)), ValueError, "coefs", "(0,)"),
    ("vision-unknown-name", lambda: load_torchvision("imagenet"), ValueError, "name", "'imagenet'"),
    ("vision-val_fraction", lambda: load_torchvision("cifar10", val_fraction=0.0), ValueError,
     "val_fraction", "0.0"),
    ("vision-root-int", lambda: load_torchvision("cifar10", root=5), TypeError, "root", "5"),
    ("vision-download-str", lambda: load_torchvision("cifar10", download="yes"), TypeError, "download", "'yes'"),
    ("vision-max_train-zero", lambda: load_torchvision("cifar10", max_train=0), ValueError, "max_train", "0"),
    ("vision-normalize-none", lambda: load_torchvision("cifar10", normalize=None), TypeError, "normalize", "None"),
    ("load-unknown-name", lambda: load("mnist"), ValueError, "name", "'mnist'"),
]


@pytest.mark.parametrize("call, exc, param, shown", [case[1:] for case in BAD_INPUT],
                         ids=[case[0] for case in BAD_INPUT])
def test_bad_input_is_refused_with_a_clear_message(call, exc, param, shown, tmp_path, monkeypatch):
    # Any accidental download in these cases would land in a scratch folder.
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    assert f"'{param}'" in message, message
    assert shown in message, message
    # Nothing downloaded. (n_train=5000 is refused once MNIST-1D's size is known: the
    # generated data may be cached by then, which is the cache doing its job.)
    assert [f for f in _files_under(tmp_path) if f.relative_to(tmp_path).parts[0] != "mnist1d"] == []


def test_unknown_names_list_the_known_ones():
    with pytest.raises(ValueError) as info:
        load("mnist")
    assert all(repr(name) in str(info.value) for name in data.DATASET_NAMES)
    with pytest.raises(ValueError) as info:
        load_torchvision("imagenet")
    assert "'cifar10'" in str(info.value) and "'fashion_mnist'" in str(info.value)
    assert "load_mnist1d" in str(info.value)
    with pytest.raises(ValueError) as info:
        make_toy_2d("swirls")
    assert all(repr(name) in str(info.value) for name in ("moons", "circles", "blobs", "spirals"))


# --------------------------------------------------------------------------- sizes beyond the caps (issue 19)


def test_legendre_features_refuses_a_huge_degree_at_once() -> None:
    with deadline(10, "legendre_features"):
        with pytest.raises(ValueError, match=r"The 'degree' parameter of legendre_features must be an int of at most "
                                             r"1,000 \(course_utils._limits.MAX_DEGREE\). Got 1000000000"):
            legendre_features(torch.rand(3), 10**9)
        with pytest.raises(ValueError, match=r"The 'degree' parameter of legendre_features must be small enough for a "
                                             r"result of at most 100,000,000 numbers"):
            legendre_features(np.zeros((10**7,)), 999)


def test_sample_lfd_regression_refuses_a_sample_too_large_to_allocate() -> None:
    with pytest.raises(ValueError, match=r"The 'n' parameter of sample_lfd_regression must be small enough for "
                                         r"Legendre features of at most 100,000,000 numbers.*Got 1000000000000 "
                                         r"with q_f=3"):
        sample_lfd_regression(10**12, q_f=3, sigma2=0.1, seed=0)
    with pytest.raises(ValueError, match=r"The 'coefs' parameter of evaluate_legendre must be coefficients of a "
                                         r"polynomial of degree at most 1,000"):
        evaluate_legendre(torch.ones(1002), torch.rand(3))
