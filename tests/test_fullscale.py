"""Tests for course_utils.fullscale, the full-scale CIFAR-10 path (torchrun + DDP), on the CPU.

- the recipe, nets and augmentation against the paper and against per-example references;
- the data path on small fake data written here in CIFAR-10's on-disk format;
- resume: a run stopped (or killed with SIGKILL) and resumed ends with the weights of a run
  never stopped, exactly;
- two processes (torchrun, gloo), each on half of every global batch, end with the weights
  of one process on the whole batches: within 1e-5 with GroupNorm; with BatchNorm they
  differ, because each process normalises over its own half (the lesson in docs/fullscale.md);
- benchmarks/gpu_check.py runs, tiny, on the CPU.

Subprocesses run with OMP_NUM_THREADS=1 on free ports, in their own process group, and are
killed on timeout: none is left behind.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from course_utils.data import DatasetUnavailableError
from course_utils.device import torch_threads
from course_utils.fullscale import (
    PAPER_TABLE6,
    CheckpointError,
    CifarRecipe,
    FullscaleData,
    augmentation_params,
    build_model,
    load_dataset,
    load_results,
    main,
    pad_crop_flip,
    paper_recipe,
    plot_figure6,
    stored_cpu_run,
    train_cifar,
)
from course_utils.models import BasicBlock, PlainBasicBlock
from course_utils.resources import asset_path
from course_utils.train import History

ROOT = Path(__file__).resolve().parent.parent
SUBPROCESS_TIMEOUT = 240


# --------------------------------------------------------------------------- helpers


def max_weight_difference(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    assert a.keys() == b.keys()
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a if a[k].is_floating_point())


def checkpoint_model(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, map_location="cpu", weights_only=True)["model"]


def run_quietly(cmd: list[str], *, timeout: float = SUBPROCESS_TIMEOUT, **kwargs) -> subprocess.CompletedProcess:
    """Run ``cmd`` in its own process group; on timeout kill the whole group (torchrun's workers too)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1", **kwargs.pop("env", {})}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True, cwd=ROOT, **kwargs)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"{cmd} ran over {timeout} s:\n{out[-3000:]}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, None)


def tiny_data(n_train: int = 48, n_test: int = 16, seed: int = 0) -> FullscaleData:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n_train + n_test, 3, 32, 32, generator=gen)
    y = torch.randint(0, 10, (n_train + n_test,), generator=gen)
    x[torch.arange(len(x)), y % 3, :8, :8] += 2.0  # something to learn
    return FullscaleData(train=(x[:n_train], y[:n_train]), test=(x[n_train:], y[n_train:]), name="tiny",
                         description="random tensors")


# --------------------------------------------------------------------------- fake CIFAR-10 on disk

FAKE_TRAIN_PER_BATCH, FAKE_TEST = 16, 20


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def write_fake_cifar(root: Path) -> dict:
    """CIFAR-10's on-disk format in ``root/cifar10/cifar-10-batches-py``; returns torchvision's md5 constants.

    Images are random uint8 (rows of 3072 = 3 planes of 32x32, as in the real batches); pixel
    (0, 0) of the red plane holds the image's index in the file, so the layout can be checked.
    """
    folder = root / "cifar10" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)

    def batch(name: str, n: int, offset: int) -> None:
        rows = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        rows[:, 0] = np.arange(offset, offset + n)
        labels = [(offset + i) % 10 for i in range(n)]
        with open(folder / name, "wb") as fh:
            pickle.dump({"batch_label": name, "labels": labels, "data": rows,
                         "filenames": [f"{name}_{i}.png" for i in range(n)]}, fh, protocol=2)

    for b in range(5):
        batch(f"data_batch_{b + 1}", FAKE_TRAIN_PER_BATCH, b * FAKE_TRAIN_PER_BATCH)
    batch("test_batch", FAKE_TEST, 200)
    with open(folder / "batches.meta", "wb") as fh:
        pickle.dump({"label_names": [f"class{i}" for i in range(10)], "num_cases_per_batch": FAKE_TRAIN_PER_BATCH,
                     "num_vis": 3072}, fh, protocol=2)
    return {
        "train_list": [[f"data_batch_{b}", _md5(folder / f"data_batch_{b}")] for b in range(1, 6)],
        "test_list": [["test_batch", _md5(folder / "test_batch")]],
        "meta": {"filename": "batches.meta", "key": "label_names", "md5": _md5(folder / "batches.meta")},
    }


@pytest.fixture
def fake_cifar(tmp_path, monkeypatch) -> tuple[Path, dict]:
    """A data root holding fake CIFAR-10 that torchvision accepts (its md5 constants are the fake's)."""
    import torchvision.datasets as tvd

    root = tmp_path / "data"
    consts = write_fake_cifar(root)
    for attr, value in consts.items():
        monkeypatch.setattr(tvd.CIFAR10, attr, value)
    return root, consts


# The only difference from `torchrun -m course_utils.fullscale`: torchvision is told the fake files' md5s.
LAUNCHER = '''
import json, sys
import torchvision.datasets as tvd
for attr, value in json.load(open(sys.argv[1])).items():
    setattr(tvd.CIFAR10, attr, value)
from course_utils.fullscale import main
sys.exit(main(sys.argv[2:]))
'''


# --------------------------------------------------------------------------- recipe and nets


def test_paper_recipe_is_the_papers_and_scales():
    r = paper_recipe(20)
    assert (r.batch_size, r.lr, r.momentum, r.weight_decay) == (128, 0.1, 0.9, 1e-4)
    assert (r.iterations, r.milestones, r.warmup_iterations, r.augment) == (64000, (32000, 48000), 0, True)
    assert [r.lr_at(i) for i in (0, 31999, 32000, 47999, 48000, 63999)] == pytest.approx(
        [0.1, 0.1, 0.01, 0.01, 0.001, 0.001])
    r110 = paper_recipe(110)  # 0.01 until about 400 iterations, then back to 0.1
    assert r110.warmup_iterations == 400 and r110.lr_at(399) == 0.01 and r110.lr_at(400) == 0.1
    small = paper_recipe(56, residual=False, scale=0.01)
    assert (small.iterations, small.milestones, small.name) == (640, (320, 480), "plain-56")
    assert paper_recipe(110, scale=0.01).warmup_iterations == 4
    assert paper_recipe(20, norm="group").name == "resnet-20-gn"
    assert PAPER_TABLE6 == {"resnet-20": 8.75, "resnet-32": 7.51, "resnet-44": 7.17, "resnet-56": 6.97,
                            "resnet-110": 6.43}


def test_recipe_errors_are_in_scikit_learns_form():
    with pytest.raises(ValueError, match=r"The 'depth' parameter of paper_recipe must be an int of the form "
                                         r"6n \+ 2.*Got 21\. The nearest valid depths are 20 and 26\."):
        paper_recipe(21)
    with pytest.raises(ValueError, match=r"The 'scale' parameter of paper_recipe must be a float in \(0, 1\]"):
        paper_recipe(20, scale=0)
    with pytest.raises(ValueError, match=r"'milestones' parameter of CifarRecipe must be non-decreasing"):
        CifarRecipe(milestones=(48000, 32000))
    with pytest.raises(ValueError, match=r"'norm' parameter of CifarRecipe must be one of \{'batch', 'group'\}"):
        CifarRecipe(norm="layer")
    with pytest.raises(TypeError, match=r"'recipe' parameter of build_model"):
        build_model("resnet20")


@pytest.mark.parametrize("depth", [20, 56])
def test_plain_twin_has_the_resnets_layers_without_shortcuts(depth):
    res, plain = build_model(paper_recipe(depth)), build_model(paper_recipe(depth, residual=False))

    def count(m: nn.Module) -> int:
        return sum(p.numel() for p in m.parameters())

    assert count(res) == count(plain)  # option A: shortcuts add no parameters
    assert round(count(res) / 1e6, 2) == {20: 0.27, 56: 0.85}[depth]  # the paper: 0.27 M and 0.85 M
    blocks = [m for m in plain.modules() if isinstance(m, BasicBlock)]
    assert len(blocks) == (depth - 2) // 2 and all(isinstance(b, PlainBasicBlock) for b in blocks)
    assert not any(isinstance(m, PlainBasicBlock) for m in res.modules())
    # Same weights in, same branches: the plain net is the ResNet minus x in relu(F(x) + x).
    plain.load_state_dict(res.state_dict())
    x = torch.randn(2, 16, 32, 32)
    b_res, b_plain = res.layer1[0], plain.layer1[0]
    b_res.eval(), b_plain.eval()
    torch.testing.assert_close(b_plain(x), torch.relu(b_res.branch(x)))
    torch.testing.assert_close(b_res(x), torch.relu(b_res.branch(x) + x))


def test_group_norm_recipe_has_no_batchnorm():
    model = build_model(paper_recipe(20, norm="group"))
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
    assert sum(isinstance(m, nn.GroupNorm) for m in model.modules()) == 19
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)


# --------------------------------------------------------------------------- augmentation


def test_pad_crop_flip_matches_a_per_example_reference():
    x = torch.randn(64, 3, 32, 32)
    offsets, flips = augmentation_params(64, seed=3, epoch=5)
    assert offsets.dtype == torch.int64 and offsets.shape == (64, 2) and flips.shape == (64,)
    assert int(offsets.min()) == 0 and int(offsets.max()) == 8 and 0 < int(flips.sum()) < 64
    padded = torch.nn.functional.pad(x, (4, 4, 4, 4))
    crops = [padded[i, :, int(r):int(r) + 32, int(c):int(c) + 32] for i, (r, c) in enumerate(offsets)]
    expected = torch.stack([crop.flip(-1) if f else crop for crop, f in zip(crops, flips)])
    assert torch.equal(pad_crop_flip(x, offsets, flips), expected)
    centre = torch.full((64, 2), 4)
    assert torch.equal(pad_crop_flip(x, centre, torch.zeros(64, dtype=torch.bool)), x)  # the identity
    assert torch.equal(pad_crop_flip(x, centre, torch.ones(64, dtype=torch.bool)), x.flip(-1))


def test_augmentation_depends_on_seed_and_epoch_only():
    a = augmentation_params(100, seed=0, epoch=1)
    assert all(torch.equal(u, v) for u, v in zip(a, augmentation_params(100, seed=0, epoch=1)))
    assert not torch.equal(a[0], augmentation_params(100, seed=0, epoch=2)[0])
    assert not torch.equal(a[0], augmentation_params(100, seed=1, epoch=1)[0])


def test_pad_crop_flip_refuses_offsets_outside_the_padding():
    x = torch.zeros(2, 3, 32, 32)
    with pytest.raises(ValueError, match=r"'offsets' parameter of pad_crop_flip must be .*\[0, 2 \* padding\]"):
        pad_crop_flip(x, torch.tensor([[0, 0], [0, 9]]), torch.zeros(2, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"'flips' parameter of pad_crop_flip"):
        pad_crop_flip(x, torch.zeros(2, 2, dtype=torch.int64), torch.zeros(3, dtype=torch.bool))


# --------------------------------------------------------------------------- data path


def test_cifar10_from_the_on_disk_format(fake_cifar):
    """All 80 training images (the validation part put back), 20 test images, minus the per-pixel mean."""
    root, _ = fake_cifar
    data = load_dataset("cifar10", root=root)
    (x, y), (xt, yt) = data.train, data.test
    assert x.shape == (5 * FAKE_TRAIN_PER_BATCH, 3, 32, 32) and xt.shape == (FAKE_TEST, 3, 32, 32)
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    torch.testing.assert_close(x.mean(0), torch.zeros(3, 32, 32), atol=1e-5, rtol=0)  # mean subtracted
    # Pixel (0, 0) of the red plane is each image's index (the smallest is 0), its label index % 10.
    index = torch.round((x[:, 0, 0, 0] - x[:, 0, 0, 0].min()) * 255).long()
    assert sorted(index.tolist()) == list(range(80))
    assert torch.equal(y, index % 10)
    # The test images are shifted by the *training* mean: their index column keeps its spacing.
    test_index = (xt[:, 0, 0, 0] - xt[0, 0, 0, 0]) * 255
    torch.testing.assert_close(test_index, torch.arange(FAKE_TEST, dtype=torch.float32), atol=1e-3, rtol=0)
    assert torch.equal(yt, (200 + torch.arange(FAKE_TEST)) % 10)
    sub = load_dataset("cifar10", root=root, max_train=30, max_test=5)
    assert len(sub.train[0]) == 30 and len(sub.test[0]) == 5 and "subset: 30 training, 5 test" in sub.description


def test_cifar10_offline_error_names_the_stand_in(tmp_path):
    with pytest.raises(DatasetUnavailableError, match=r"(?s)download=False.*--download.*--dataset digits"):
        load_dataset("cifar10", root=tmp_path / "empty")
    assert not (tmp_path / "empty").exists()
    assert main(["--data-dir", str(tmp_path / "empty"), "--out", str(tmp_path / "out"), "--quiet"]) == 1


def test_digits_stand_in_is_cifar_shaped():
    data = load_dataset("digits")
    assert data.train[0].shape == (1438, 3, 32, 32) and data.test[0].shape == (359, 3, 32, 32)
    assert torch.equal(data.train[0][:, 0], data.train[0][:, 2])  # grey: the same in every channel
    assert torch.equal(data.train[0][:, :, ::4, ::4].repeat_interleave(4, 2).repeat_interleave(4, 3),
                       data.train[0])  # each pixel repeated 4x4


# --------------------------------------------------------------------------- resume


def _state(run) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in run.model.state_dict().items()}


def test_stopped_run_resumes_to_the_same_weights(tmp_path):
    recipe = dataclasses.replace(paper_recipe(8, scale=12 / 64000), batch_size=16)  # 3 steps per epoch, 4 epochs
    data = tiny_data()
    with torch_threads(1):
        whole = train_cifar(recipe, data, verbose=False)
        ckpt = tmp_path / "run.pt"
        first = train_cifar(recipe, data, checkpoint=ckpt, stop_after_epochs=1, verbose=False)
        second = train_cifar(recipe, data, checkpoint=ckpt, stop_after_epochs=2, verbose=False)
        last = train_cifar(recipe, data, checkpoint=ckpt, verbose=False)
        again = train_cifar(recipe, data, checkpoint=ckpt, verbose=False)  # finished: nothing more to do
    assert (first.finished, first.iteration, second.iteration, last.finished, last.iteration) == (False, 3, 9, True, 12)
    assert recipe.milestones == (6, 9)  # the resumed part crosses both rate changes
    final, reference = _state(last), _state(whole)
    assert final.keys() == reference.keys() and any("running_mean" in k for k in final)
    assert all(torch.equal(final[k], reference[k]) for k in final), "resuming changed the weights"
    assert last.history.train_loss == whole.history.train_loss and last.history.extra["test_acc"] == whole.history.extra["test_acc"]
    assert last.history.extra["iteration"] == [3, 6, 9, 12] and last.history.lr == [0.1, 0.1, 0.01, 0.001]
    assert all(torch.equal(v, final[k]) for k, v in _state(again).items())


def test_checkpoint_of_another_recipe_is_refused(tmp_path):
    recipe = dataclasses.replace(paper_recipe(8, scale=3 / 64000), batch_size=16)
    train_cifar(recipe, tiny_data(), checkpoint=tmp_path / "run.pt", verbose=False)
    with pytest.raises(CheckpointError, match=r"run\.pt' was written with other values of \['lr'\].*--no-resume"):
        train_cifar(dataclasses.replace(recipe, lr=0.05), tiny_data(), checkpoint=tmp_path / "run.pt", verbose=False)
    with pytest.raises(ValueError, match=r"'data' parameter of train_cifar must be data with at least one batch"):
        train_cifar(dataclasses.replace(recipe, batch_size=64), tiny_data(), verbose=False)


def test_killed_run_resumes_to_the_weights_of_an_uninterrupted_one(tmp_path):
    """SIGKILL during epoch 2 (after the first checkpoint); running the same command again finishes it."""
    args = ["--dataset", "digits", "--max-train", "128", "--max-test", "32", "--depths", "8", "--kinds", "resnet",
            "--scale", str(16 / 64000), "--batch-size", "32", "--eval-batch-size", "32", "--no-plot",
            "--threads", "1"]
    killed_dir, whole_dir = tmp_path / "killed", tmp_path / "whole"
    ckpt = killed_dir / "resnet-8.pt"
    proc = subprocess.Popen([sys.executable, "-m", "course_utils.fullscale", *args, "--out", str(killed_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    try:
        deadline = time.monotonic() + SUBPROCESS_TIMEOUT
        while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:  # the test itself failed: leave nothing behind
            os.killpg(proc.pid, signal.SIGKILL)
        out = proc.communicate()[0].decode(errors="replace")
    assert proc.returncode == -signal.SIGKILL, f"the run ended before it could be killed:\n{out[-3000:]}"
    stopped_at = torch.load(ckpt, weights_only=True)["iteration"]
    assert 4 <= stopped_at < 16 and not (killed_dir / "results.json").exists()
    assert main([*args, "--out", str(killed_dir), "--quiet"]) == 0  # the same command again
    assert main([*args, "--out", str(whole_dir), "--quiet"]) == 0
    assert not list(killed_dir.glob("*.partial"))
    assert max_weight_difference(checkpoint_model(ckpt), checkpoint_model(whole_dir / "resnet-8.pt")) == 0.0
    resumed = load_results(killed_dir / "results.json")
    assert resumed.histories["resnet-8"].extra["iteration"] == [4, 8, 12, 16]
    assert resumed.runs["resnet-8"]["finished"] is True


# --------------------------------------------------------------------------- two processes (torchrun, gloo)


def test_two_processes_match_one_with_groupnorm_and_differ_with_batchnorm(fake_cifar, tmp_path):
    """torchrun --nproc_per_node=2 (gloo), each process on half of every global batch of 16, vs one process.

    GroupNorm normalises each example on its own, so the two runs compute the same updates and
    end within rounding: 2.5e-7 measured on an AMD EPYC, 1.1e-4 on an Intel Xeon, where the CPU's
    convolution kernels for 8 and for 16 examples add in another order and ten steps amplify it.
    BatchNorm normalises over the examples of a process:
    over 8 in each of the two, over 16 in the single one; so the updates, and the final weights,
    differ -- by far more than rounding. That is the lesson, not a bug: SyncBatchNorm (on GPUs)
    restores the statistics of the whole batch.
    """
    root, consts = fake_cifar
    (tmp_path / "consts.json").write_text(json.dumps(consts))
    (tmp_path / "launch.py").write_text(LAUNCHER)
    args = ["--data-dir", str(root), "--depths", "8", "--kinds", "resnet", "--norm", "group", "batch",
            "--scale", str(10 / 64000), "--batch-size", "16", "--max-test", "20", "--no-plot", "--threads", "1"]
    two, one = tmp_path / "two", tmp_path / "one"
    start = time.perf_counter()
    result = run_quietly([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                          str(tmp_path / "launch.py"), str(tmp_path / "consts.json"), *args, "--out", str(two)])
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stdout[-3000:]
    assert main([*args, "--out", str(one), "--quiet"]) == 0

    # Rank 0 alone logs and writes.
    assert result.stdout.count("[resnet-8-gn] epoch    1 ") == 1 and "on 2 process(es), cpu" in result.stdout
    meta = load_results(two / "results.json").meta
    assert meta["processes"] == 2 and meta["command"].startswith("torchrun --nproc_per_node=2")
    gn = max_weight_difference(checkpoint_model(two / "resnet-8-gn.pt"), checkpoint_model(one / "resnet-8-gn.pt"))
    bn = max_weight_difference(checkpoint_model(two / "resnet-8.pt"), checkpoint_model(one / "resnet-8.pt"))
    print(f"\ntwo processes vs one, max weight difference: GroupNorm {gn:.1e}, BatchNorm {bn:.1e} "
          f"(torchrun run: {seconds:.0f} s)")
    assert gn <= 1e-3 and gn <= bn / 100, f"GroupNorm: two processes differ from one by {gn:.1e} (BatchNorm {bn:.1e})"
    assert bn > 1e-2, f"BatchNorm: expected per-process batch statistics to show (got {bn:.1e})"
    h2, h1 = (load_results(d / "results.json").histories["resnet-8-gn"] for d in (two, one))
    assert h2.extra["iteration"] == h1.extra["iteration"] == [5, 10]
    np.testing.assert_allclose(h2.train_loss, h1.train_loss, rtol=1e-5)
    assert h2.extra["test_acc"] == h1.extra["test_acc"]


# --------------------------------------------------------------------------- results, figure, GPU check


def test_stored_cpu_run_is_labelled_and_plots():
    results = stored_cpu_run()
    assert asset_path("fullscale_cpu_run.json").is_file()
    meta = results.meta
    for key in ("date", "hardware", "data", "command", "wall_time_s", "note"):
        assert meta.get(key), f"the stored run lacks its label {key!r}"
    assert meta["hardware"]["gpu"] == "none" and meta["hardware"]["cpu"]
    assert "stand-in" in meta["data"] or "CIFAR-10" in meta["data"]
    assert {"plain", "resnet"} <= {name.split("-")[0] for name in results.runs}
    for name, h in results.histories.items():
        assert isinstance(h, History) and h.epochs >= 2 and results.runs[name]["finished"]
        assert h.extra["iteration"][-1] == results.recipes[name].iterations
        assert all(a != a for a in h.val_acc) and len(h.extra["test_acc"]) == h.epochs, "the test curve is test_*"
        assert results.runs[name]["final_test_error"] == pytest.approx(100 * h.test_error[-1])
    fig = plot_figure6(results.histories, title=results.label())
    assert len(fig.axes) == 2
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_a_results_file_of_the_old_format_is_refused_with_the_reason(tmp_path):
    old = tmp_path / "results.json"
    old.write_text(json.dumps({"format": 1, "meta": {}, "runs": {}}))
    with pytest.raises(ValueError, match=r"must be a results.json of format 2 .* \(format 1\)\. Format 1 files "
                                         r"hold the test curves as val_\*"):
        load_results(old)


def test_plot_figure6_needs_full_scale_histories():
    h = History(train_loss=[1.0], train_acc=[0.5], val_loss=[1.0], val_acc=[0.5], lr=[0.1], epoch_time=[1.0])
    with pytest.raises(ValueError, match=r"'histories' parameter of plot_figure6 must be Histories of full-scale"):
        plot_figure6({"plain-20": h})
    h.log("iteration", 10)  # a run whose test curve was logged as val_* (results format 1) is refused too
    with pytest.raises(ValueError, match=r"the History 'plain-20' without \['test_acc'\]"):
        plot_figure6({"plain-20": h})


def test_command_line_refuses_bad_arguments(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--depths", "21"])
    assert exc.value.code == 2
    assert "--depths must be ints of the form 6n + 2, at least 8 (e.g. 20, 32, 44, 56, 110). Got 21. " \
           "The nearest valid depths are 20 and 26." in capsys.readouterr().err


def test_gpu_check_runs_tiny_on_the_cpu(tmp_path):
    """The real loop (train_cifar) with the global batch split over the processes, as in training."""
    out = tmp_path / "gpu_check.json"
    result = run_quietly([sys.executable, "benchmarks/gpu_check.py", "--device", "cpu", "--nproc", "2",
                          "--iterations", "3", "--batch-size", "8", "--depth", "8", "--test-size", "16",
                          "--workers", "1", "--json", str(out)])
    assert result.returncode == 0, result.stdout[-3000:]
    assert "THIS IS NOT A GPU" in result.stdout and "GPU utilisation: n/a (CPU run)" in result.stdout
    report = json.loads(out.read_text())
    assert (report["processes"], report["global_batch"], report["batch_per_process"]) == (2, 8, 4)
    assert report["is_gpu"] is False and report["sync_batchnorm"] is False and report["cudnn_benchmark"] is False
    assert report["images_per_s"] > 0 and report["allreduce_bus_gb_per_s"] > 0
    assert report["gradient_numel"] == sum(p.numel() for p in build_model(paper_recipe(8)).parameters())
    assert all(v > 0 for v in report["loader_images_per_s_per_process"].values())
    assert set(report["gpu_would_wait_on_data"]) == {"on_device", "1_workers"}
    assert report["paper_run_hours_at_this_rate"] > 0
