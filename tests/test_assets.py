"""The files in ``assets/``: the precomputed depth sweep matches a re-run, the SVG is well formed.

``assets/degradation_sweep.json`` is made by ``assets/precompute.py`` with
``experiments.run_degradation``; re-running one setting here must give the stored curves.
On the machine that made the file the numbers repeat exactly (one thread, CPU, same
seed); elsewhere other CPU kernels may change the last bits and training amplifies them,
so the comparison allows 0.03 of error per epoch.
"""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET

import pytest

from course_utils import data, experiments

ASSETS = experiments.ASSETS_DIR
TOLERANCE = 0.03


@pytest.fixture(scope="module")
def sweep() -> dict:
    return experiments.load_sweep()


def test_sweep_is_small_and_complete(sweep) -> None:
    assert experiments.SWEEP_PATH.stat().st_size < 100_000, "the stored sweep should stay a small file"
    meta = sweep["meta"]
    assert tuple(meta["num_blocks"]) == experiments.SWEEP_BLOCKS
    recipe = {k: list(v) if isinstance(v, tuple) else v for k, v in experiments.DEGRADATION_RECIPE.items()}
    assert meta["recipe"] == recipe, "the sweep was made with another recipe: run assets/precompute.py again"
    expected = {experiments.degradation_label(n, r) for n in experiments.SWEEP_BLOCKS for r in (False, True)}
    assert set(sweep["runs"]) == expected
    assert all(h.epochs == recipe["epochs"] for h in sweep["runs"].values())


def test_stored_sweep_shows_the_claim(sweep) -> None:
    final = {label: h.train_error[-1] for label, h in sweep["runs"].items()}
    assert final["plain, 66 layers"] >= final["plain, 6 layers"] + 0.10
    assert final["residual, 66 layers"] <= final["residual, 6 layers"] + 0.02


def test_one_stored_setting_repeats(sweep) -> None:
    meta = sweep["meta"]
    mnist = data.load_mnist1d(seed=meta["recipe"]["data_seed"])
    # The 10-layer residual net: a few seconds, and a net with shortcuts and several blocks.
    label = experiments.degradation_label(4, True)
    rerun = experiments.run_degradation(num_blocks=(4,), residual=(True,), seed=meta["seed"],
                                        epochs=meta["recipe"]["epochs"], data=mnist,
                                        threads=meta["threads"], device=meta["device"])[label]
    stored = sweep["runs"][label]
    for key in ("train_error", "val_error"):
        diff = max(abs(a - b) for a, b in zip(getattr(rerun, key), getattr(stored, key)))
        assert diff <= TOLERANCE, f"{label}: {key} differs from the stored sweep by up to {diff:.4f}"
    assert rerun.lr == pytest.approx(stored.lr, abs=1e-6)


def test_precompute_script_writes_the_same_format(tmp_path, monkeypatch) -> None:
    spec = importlib.util.spec_from_file_location("precompute", ASSETS / "precompute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tiny = data.load_mnist1d(n_train=128, seed=0)
    real = experiments.run_degradation

    def fast(*args, **kwargs):
        kwargs.update(epochs=1, data=tiny)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "run_degradation", fast)
    out = tmp_path / "sweep.json"
    module.precompute(out, blocks=(1,))
    stored = experiments.load_sweep(out)
    assert set(stored["runs"]) == {"plain, 4 layers", "residual, 4 layers"}
    assert stored["meta"]["num_blocks"] == [1] and stored["meta"]["threads"] == 1


def test_residual_block_svg_is_well_formed() -> None:
    root = ET.parse(ASSETS / "residual_block.svg").getroot()
    assert root.tag.endswith("svg")
    text = " ".join(t.text or "" for t in root.iter() if t.tag.endswith(("text", "title")))
    for needed in ("F(x) + x", "identity", "H(x)"):
        assert needed in text
