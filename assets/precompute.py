"""Precompute the depth slider's results for notebook 01 (run once; commit the JSON).

The slider of notebook 01 shows the training curves of the degradation
experiment for 2, 4, 8, 16 and 32 blocks (6 to 66 layers), with shortcuts off
and on. Training them takes about 1.5 minutes on one CPU thread, too long for
a live notebook, so this script trains them with the same function the
notebook and the claim test call, :func:`course_utils.experiments.run_degradation`,
and stores the histories in ``assets/degradation_sweep.json`` (about 10 kB).
``tests/test_assets.py`` re-trains one setting and checks it matches.

Usage, from the repository root::

    .venv/bin/python assets/precompute.py            # writes assets/degradation_sweep.json
    .venv/bin/python assets/precompute.py --out /tmp/sweep.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import torch

from course_utils.experiments import DEGRADATION_RECIPE, SWEEP_BLOCKS, SWEEP_PATH, run_degradation

#: The seed of the stored sweep.
SEED = 0


def precompute(out: Path, blocks: tuple[int, ...] = SWEEP_BLOCKS, seed: int = SEED) -> dict:
    """Train every (shortcuts, depth) setting of the sweep and write the JSON file ``out``."""
    start = time.perf_counter()
    histories = run_degradation(num_blocks=blocks, residual=(False, True), seed=seed,
                                epochs=DEGRADATION_RECIPE["epochs"], threads=1, device="cpu")
    seconds = time.perf_counter() - start
    stored = {
        "meta": {
            "description": "Depth sweep of the degradation experiment (notebook 01), made by "
                           "assets/precompute.py with course_utils.experiments.run_degradation.",
            "num_blocks": list(blocks),
            "residual": [False, True],
            "seed": seed,
            "recipe": {k: list(v) if isinstance(v, tuple) else v for k, v in DEGRADATION_RECIPE.items()},
            "threads": 1,
            "device": "cpu",
            "torch": torch.__version__,
            "python": platform.python_version(),
            "seconds": round(seconds, 1),
        },
        "runs": {label: _rounded(h.to_dict()) for label, h in histories.items()},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(stored, indent=1) + "\n")
    tmp.replace(out)
    return stored


def _rounded(history: dict) -> dict:
    # Six decimals are far below the run-to-run noise and keep the file small.
    return {k: [None if v is None else round(v, 6) for v in val] if isinstance(val, list) else val
            for k, val in history.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SWEEP_PATH, help="where to write the JSON file")
    args = parser.parse_args(argv)
    stored = precompute(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.1f} kB) in {stored['meta']['seconds']} s")
    for label, run in stored["runs"].items():
        print(f"  {label:>20}: final training error {1 - run['train_acc'][-1]:.3f}, "
              f"test error {1 - run['val_acc'][-1]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
