"""Make the course's stored sweeps again: ``python assets/precompute.py <topic> [<topic> ...]``.

A notebook's slider shows runs that take too long to train live. Each topic's experiment
module declares its stored sweeps (``<TOPIC>_SWEEPS``: file, recipe, run function); this script
trains them with the same run function and recipe the notebook and the claim test use, and
writes one JSON file per sweep here, in ``assets/`` (atomically: a crash leaves the old file).
A sweep file records its full recipe, and the notebook refuses a file whose recipe differs
from the current one ("stale asset"), so after editing a recipe, run this script for its topic.
``tests/test_assets.py`` re-trains one setting of each sweep and checks it matches.

Usage, from the repository root::

    .venv/bin/python assets/precompute.py residual          # both sweeps of notebook 01 (~4 min)
    .venv/bin/python assets/precompute.py residual --only depth --out-dir /tmp/sweeps
    .venv/bin/python assets/precompute.py --list
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course_utils.experiments import TOPICS, make_sweep, save_sweep

#: Where the sweeps are written: this folder, the source of the package's assets.
HERE = Path(__file__).resolve().parent


def _held_out_error(h) -> str:
    """The run's last test error when it recorded one (``test_acc``), else its validation error."""
    if "test_acc" in h.series_names():
        return f"test error {h.test_error[-1]:.3f}"
    return f"validation error {h.val_error[-1]:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topics", nargs="*", metavar="topic", help=f"one or more of {sorted(TOPICS)}")
    parser.add_argument("--only", metavar="name", help="make only this sweep of the topic")
    parser.add_argument("--out-dir", type=Path, default=HERE, help="where to write the JSON files")
    parser.add_argument("--list", action="store_true", help="list the topics and their sweeps")
    args = parser.parse_args(argv)
    if args.list or not args.topics:
        for topic, specs in TOPICS.items():
            for spec in specs.values():
                print(f"{topic:>10} {spec.name:>8}  {spec.file}: {spec.description}")
        return 0 if args.list else 2
    unknown = [t for t in args.topics if t not in TOPICS]
    if unknown:
        parser.error(f"unknown topic(s) {unknown}; the topics are {sorted(TOPICS)}")
    for topic in args.topics:
        specs = TOPICS[topic]
        if args.only is not None and args.only not in specs:
            parser.error(f"topic {topic!r} has no sweep {args.only!r}; it has {sorted(specs)}")
        for spec in specs.values():
            if args.only is not None and spec.name != args.only:
                continue
            print(f"{topic}/{spec.name}: {spec.description}", flush=True)
            sweep = make_sweep(spec)
            out = save_sweep(sweep, args.out_dir / spec.file)
            print(f"  wrote {out} ({out.stat().st_size / 1024:.1f} kB) in {sweep.made_with['seconds']} s")
            for label, h in sweep.runs.items():
                print(f"  {label:>24}: final training error {h.train_error[-1]:.3f}, "
                      + _held_out_error(h))
    return 0


if __name__ == "__main__":
    sys.exit(main())
