"""``python -m course_utils.fullscale``: the paper's CIFAR-10 runs, on one process or under torchrun.

One command trains every requested net in turn and writes, into ``--out``:

- ``<name>.pt``: the run's checkpoint after every epoch and on SIGTERM (a killed run resumes from it);
- ``<name>.json``: its recipe and :class:`~course_utils.train.History`;
- ``<name>.csv``: a row per epoch (errors, losses, images/s, s/iteration); ``tensorboard/<name>/``
  holds the same when ``tensorboard`` is installed;
- ``results.json``: all runs, labelled with the data, command, hardware, date and time taken;
- ``figure6.png``: the paper's Figure 6 from them.

Examples::

    # Figure 6 and Table 6 on one GPU (plain and residual 20/32/44/56), CIFAR-10 downloaded once
    python -m course_utils.fullscale --download
    # the same on 4 GPUs of one machine: DDP, NCCL, SyncBatchNorm
    torchrun --standalone --nproc_per_node=4 -m course_utils.fullscale --download
    # ResNet-110 (with the paper's warm-up), 10% of the schedule, 2 CPU processes (gloo)
    torchrun --standalone --nproc_per_node=2 -m course_utils.fullscale --depths 110 --kinds resnet --scale 0.1
    # two machines (torchrun on each; docs/fullscale.md has a Slurm example)
    torchrun --nnodes=2 --nproc_per_node=4 --rdzv-backend=c10d --rdzv-endpoint=HOST:29500 -m course_utils.fullscale
    # offline, no CIFAR-10: the stand-in, a few minutes on a laptop
    python -m course_utils.fullscale --dataset digits --max-train 1024 --max-test 300 --depths 20 \\
        --scale 0.005 --batch-size 32 --lr 0.1
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.distributed as dist

from .._validation import Instance, SequenceOf, validate
from ..data import DatasetUnavailableError
from ..device import DeviceSpec, get_device, torch_threads
from .checkpoint import CheckpointError, read_checkpoint
from .data import DATASETS, TRAIN_SIZES, FullscaleData, load_dataset
from .distributed import DistContext, default_threads, distributed, local_world_size
from .logs import RunLog
from .loop import evaluate_checkpoint, train_cifar
from .recipe import NORMS, PAPER_TABLE6, CifarRecipe, paper_recipe
from .results import _make_results, plot_figure6
from .speed import AMP_MODES, Speed
from .stopping import stop_on_sigterm

__all__ = ["build_parser", "main"]


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an int >= 1. Got {value}.")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an int >= 0. Got {value}.")
    return value


@validate()
def build_parser() -> argparse.ArgumentParser:
    """The command line's arguments (``python -m course_utils.fullscale --help``)."""
    p = argparse.ArgumentParser(
        prog="python -m course_utils.fullscale",
        description="The CIFAR-10 runs of He et al. (2015), sec. 4.2: Figure 6 and Table 6. Runs on the CPU, "
                    "CUDA or MPS; under `torchrun --nproc_per_node=N` with DistributedDataParallel.",
        epilog="Outputs in --out: <name>.pt (checkpoint, resumed automatically), <name>.json (History), "
               "<name>.csv (a row per epoch), results.json, figure6.png. SIGTERM writes a checkpoint at the next "
               "step and exits. Details: docs/fullscale.md.")
    p.add_argument("--depths", type=int, nargs="+", default=[20, 32, 44, 56], metavar="D",
                   help="depths 6n+2 (default: 20 32 44 56, Figure 6; 110 with the paper's warm-up)")
    p.add_argument("--kinds", nargs="+", choices=("plain", "resnet"), default=["plain", "resnet"],
                   help="plain nets, ResNets or both (default: both)")
    p.add_argument("--norm", nargs="+", choices=NORMS, default=["batch"],
                   help="normalisation: batch (the paper's) and/or group (default: batch)")
    p.add_argument("--scale", type=float, default=1.0,
                   help="fraction of the paper's 64k iterations, milestones 32k/48k scaled alike (default: 1)")
    p.add_argument("--dataset", choices=DATASETS, default="cifar10",
                   help="cifar10, or digits: an offline stand-in (scikit-learn's digits at 32x32)")
    p.add_argument("--data-dir", default=None,
                   help="CIFAR-10 cache folder (default: $COURSE_DATA_DIR or ~/.cache/course_utils)")
    p.add_argument("--download", action="store_true", help="download CIFAR-10 (163 MB) if it is not cached")
    p.add_argument("--max-train", type=_positive_int, default=None, help="train on a random subset")
    p.add_argument("--max-test", type=_positive_int, default=None, help="test on a random subset")
    p.add_argument("--batch-size", type=_positive_int, default=None,
                   help="global mini-batch, split over the processes (default: the paper's 128)")
    p.add_argument("--lr", type=float, default=None, help="learning rate after warm-up (default: the paper's 0.1)")
    p.add_argument("--no-augment", action="store_true", help="switch the pad-crop-flip augmentation off")
    p.add_argument("--seed", type=int, default=0, help="seeds weights, order and augmentation (default: 0)")
    p.add_argument("--device", default=None, help="cpu, cuda, mps (default: the best available)")
    p.add_argument("--out", default="runs/fullscale", help="output folder (default: runs/fullscale)")
    start = p.add_mutually_exclusive_group()
    start.add_argument("--resume", default=None, metavar="PATH",
                       help="resume the (single) run from this checkpoint instead of --out/<name>.pt")
    start.add_argument("--no-resume", action="store_true",
                       help="start afresh, overwriting the checkpoints and logs in --out")
    start.add_argument("--test-only", default=None, metavar="PATH",
                       help="only evaluate this checkpoint on the test set; writes nothing")
    p.add_argument("--stop-after-epochs", type=_positive_int, default=None,
                   help="stop each run after this many epochs, with a checkpoint; run again to go on")
    p.add_argument("--eval-batch-size", type=_positive_int, default=1000, help="test images per forward pass")
    p.add_argument("--threads", type=_positive_int, default=None,
                   help="PyTorch CPU threads per process (default: idle cores / processes on this machine)")
    p.add_argument("--amp", choices=AMP_MODES, default="off",
                   help="mixed precision: bf16 or fp16 autocast (fp16 with a GradScaler); default: off")
    p.add_argument("--channels-last", action="store_true", help="NHWC memory order for weights and batches")
    p.add_argument("--compile", action="store_true", help="torch.compile the net (the first steps compile)")
    p.add_argument("--workers", type=_count, default=0,
                   help="data-loader processes cutting and augmenting batches on the CPU, pinned memory on "
                        "CUDA (default: 0, batches cut on the device)")
    p.add_argument("--note", default="", help="a line kept in results.json, e.g. what the run is for")
    p.add_argument("--no-plot", action="store_true", help="do not draw figure6.png")
    p.add_argument("--quiet", action="store_true", help="no line per epoch")
    return p


def _argument_error(args: argparse.Namespace, world_size: int) -> str | None:
    """The first problem with the arguments, naming the flag, or ``None``; nothing is loaded or made."""
    for depth in args.depths:
        if depth < 8 or (depth - 2) % 6:
            low = max(8, depth - (depth - 2) % 6)
            return (f"--depths must be ints of the form 6n + 2, at least 8 (e.g. 20, 32, 44, 56, 110). Got {depth}. "
                    f"The nearest valid depths are {low} and {low + 6}.")
    if not 0 < args.scale <= 1:
        return f"--scale must be a float in (0, 1]. Got {args.scale:g}. 1 is the paper's 64k iterations; 0.01 is 640."
    if args.lr is not None and not args.lr > 0:
        return f"--lr must be a float > 0. Got {args.lr:g}."
    batch = args.batch_size or CifarRecipe.batch_size
    if batch % world_size:
        return (f"--batch-size must split evenly over the {world_size} processes. Got {batch}. "
                f"Use a multiple of {world_size}, or change --nproc_per_node.")
    train = min(TRAIN_SIZES[args.dataset], args.max_train or TRAIN_SIZES[args.dataset])
    if batch > train:
        return (f"--batch-size must be at most the number of training images ({train}). Got {batch}. "
                "Lower --batch-size or raise --max-train.")
    problem = _device_error(args.device, world_size)
    if problem:
        return problem
    runs = len(args.depths) * len(args.kinds) * len(args.norm)
    if args.resume is not None and runs > 1:
        return (f"--resume must go with a single run (one of --depths, --kinds and --norm each). "
                f"Got {runs} runs. Resume several runs from --out, which holds one checkpoint per run.")
    return None


def _device_error(device: str | None, world_size: int) -> str | None:
    """What is wrong with ``--device`` on this machine, or ``None``."""
    failure = DeviceSpec().failure(device) if device is not None else None
    if failure is not None:
        return (f"--device must be cpu, cuda, cuda:<index> or mps, and available on this machine. Got {failure[1]}. "
                "Leave --device out to pick the best available one.")
    if world_size > 1 and get_device(device).type == "mps":
        return ("--device must be cpu or cuda when several processes train: PyTorch has no distributed backend "
                "for MPS. Got mps. Pass --device cpu, or start one process (python -m course_utils.fullscale).")
    return None


def _out_error(out: Path) -> str | None:
    """Rank 0: whether ``--out`` is a folder or can be made one (its nearest existing parent is a writable folder)."""
    if out.exists():
        if not out.is_dir():
            return f"--out must be a folder (or a path where one can be made). Got {str(out)!r}, which is a file."
        return None if os.access(out, os.W_OK | os.X_OK) else \
            f"--out must be a folder this user can write to. Got {str(out)!r}, which is read-only."
    parent = next(p for p in out.absolute().parents if p.exists())
    if not parent.is_dir():
        return (f"--out must be a folder (or a path where one can be made). Got {str(out)!r}, inside "
                f"{str(parent)!r}, which is a file.")
    if not os.access(parent, os.W_OK | os.X_OK):
        return (f"--out must be a folder (or a path where one can be made). Got {str(out)!r}: {str(parent)!r} "
                "cannot be written to by this user.")
    return None


def _recipes(args: argparse.Namespace) -> list[CifarRecipe]:
    recipes = []
    for norm in args.norm:
        for kind in args.kinds:
            for depth in args.depths:
                recipe = paper_recipe(depth, residual=kind == "resnet", scale=args.scale, norm=norm, seed=args.seed)
                changes = {"batch_size": args.batch_size, "lr": args.lr}
                changes = {k: v for k, v in changes.items() if v is not None}
                if args.no_augment:
                    changes["augment"] = False
                recipes.append(dataclasses.replace(recipe, **changes))
    return recipes


def _checkpoint_error(args: argparse.Namespace, recipes: list[CifarRecipe]) -> str | None:
    """Rank 0, before the data loads: a checkpoint it would resume from but cannot, with the flag to change."""
    if args.test_only is not None:
        wanted = [("--test-only", Path(args.test_only), None)]
    elif args.resume is not None:
        wanted = [("--resume", Path(args.resume), recipes[0])]
    elif args.no_resume:
        wanted = []
    else:
        wanted = [("--out", Path(args.out) / f"{r.name}.pt", r) for r in recipes
                  if (Path(args.out) / f"{r.name}.pt").is_file()]
    for flag, path, recipe in wanted:
        try:
            read_checkpoint(path, recipe)
        except CheckpointError as exc:
            return f"{flag}: {exc}"
    return None


def _load_in_turn(args: argparse.Namespace, ctx: DistContext) -> FullscaleData:
    """Rank 0 first (it may download), then the others from the cache."""
    def load() -> FullscaleData:
        return load_dataset(args.dataset, root=args.data_dir, download=args.download, max_train=args.max_train,
                            max_test=args.max_test, seed=args.seed)

    if ctx.world_size == 1:
        return load()
    data = load() if ctx.is_main else None
    dist.barrier()
    return data if data is not None else load()


def _command(argv: Sequence[str], world_size: int) -> str:
    launcher = f"torchrun --nproc_per_node={world_size} -m" if world_size > 1 else "python -m"
    return f"{launcher} course_utils.fullscale {shlex.join(argv)}".strip()


@validate(argv=[None, SequenceOf(Instance(str, desc="a str"), min_len=0, desc="a list of str")])
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; ``argv`` defaults to ``sys.argv[1:]``.

    Every check of the arguments (and of a checkpoint to resume from) comes before the data
    loads and before ``--out`` is made. The PyTorch thread count is set for the command and
    put back after, so calling ``main`` from Python leaves the caller's setting alone.

    Args:
        argv: the arguments, e.g. ``["--depths", "20", "--scale", "0.01"]``.

    Returns:
        The exit status: 0 when every run finished or stopped as asked
        (``--stop-after-epochs``, SIGTERM), 1 when the data is unavailable
        (the message says what to do).

    Raises:
        SystemExit: bad arguments or an unusable checkpoint (status 2, the
            message names the flag).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    problem = _argument_error(args, int(os.environ.get("WORLD_SIZE", "1")))
    if problem:
        parser.error(problem)
    recipes = _recipes(args)
    if int(os.environ.get("RANK", "0")) == 0:  # only rank 0 reads checkpoints and writes --out
        problem = (_out_error(Path(args.out)) if args.test_only is None else None) or \
            _checkpoint_error(args, recipes)
        if problem:
            parser.error(problem)
    threads = args.threads or default_threads(local_world_size())
    speed = Speed(amp=args.amp, channels_last=args.channels_last, compile=args.compile, workers=args.workers)
    with torch_threads(threads), distributed(args.device) as ctx:
        try:
            data = _load_in_turn(args, ctx)
        except DatasetUnavailableError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        if args.test_only is not None:
            _test_only(args, data, ctx, speed)
            return 0
        if ctx.is_main:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            print(f"{len(recipes)} run(s) on {ctx.world_size} process(es), {ctx.device}, {threads} thread(s) per "
                  f"process{'' if args.threads else ' (--threads to change)'}: {data.description}", flush=True)
        _train_all(args, argv, recipes, data, ctx, speed)
    return 0


def _test_only(args: argparse.Namespace, data: FullscaleData, ctx: DistContext, speed: Speed) -> None:
    recipe, loss, acc = evaluate_checkpoint(Path(args.test_only), data, device=ctx.device,
                                            eval_batch_size=args.eval_batch_size, speed=speed)
    if ctx.is_main:
        print(f"[{recipe.name}] {args.test_only}: test loss {loss:.4f}, test error {100 * (1 - acc):.2f}% "
              f"on {len(data.test[0])} images", flush=True)


def _train_all(args: argparse.Namespace, argv: Sequence[str], recipes: list[CifarRecipe], data: FullscaleData,
               ctx: DistContext, speed: Speed) -> None:
    out, start, done = Path(args.out), time.perf_counter(), {}
    resume = Path(args.resume) if args.resume is not None else not args.no_resume
    with stop_on_sigterm() as stop:
        for recipe in recipes:
            log = RunLog(out, recipe.name, fresh=args.no_resume) if ctx.is_main else None
            try:
                run = train_cifar(recipe, data, checkpoint=out / f"{recipe.name}.pt", resume=resume,
                                  device=ctx.device, stop_after_epochs=args.stop_after_epochs,
                                  eval_batch_size=args.eval_batch_size, speed=speed, should_stop=stop,
                                  on_epoch=log, verbose=not args.quiet)
            finally:
                if log is not None:
                    log.close()
            done[recipe.name] = (recipe, run.history, run.finished, run.wall_time_s)
            if ctx.is_main:
                (out / f"{recipe.name}.json").write_text(json.dumps(
                    {"recipe": recipe.to_dict(), "finished": run.finished, "wall_time_s": round(run.wall_time_s, 1),
                     "history": run.history.to_dict()}, indent=1))
            if run.stopped:
                break
    if ctx.is_main:
        _finish(done, out, args, argv, data, ctx, time.perf_counter() - start)


def _finish(done: dict, out: Path, args: argparse.Namespace, argv: Sequence[str], data: FullscaleData,
            ctx: DistContext, seconds: float) -> None:
    """Rank 0: results.json, figure6.png and a summary table."""
    results = _make_results(done, {"dataset": data.name, "data": data.description, "command": _command(argv, ctx.world_size),
                                   "processes": ctx.world_size, "device": str(ctx.device),
                                   "torch_threads_per_process": torch.get_num_threads(),
                                   # training time of these runs over every session that resumed them
                                   "wall_time_s": round(sum(run[3] for run in done.values()), 1),
                                   "session_wall_time_s": round(seconds, 1),
                                   "cpu_time_s": round(time.process_time(), 1),  # rank 0's; wall time on a busy machine says little
                                   "note": args.note})
    (out / "results.json").write_text(json.dumps(results.to_dict(), indent=1))
    if not args.no_plot:
        import matplotlib

        matplotlib.use("Agg")  # a batch job has no display
        fig = plot_figure6(results.histories, title=results.label())
        fig.savefig(out / "figure6.png", dpi=120)
    print(f"\n{'run':<16}{'steps':>8}{'test error':>12}{'paper':>8}")
    for name, run in results.runs.items():
        steps = int(run["history"]["extra"]["iteration"][-1]) if run["history"]["train_loss"] else 0
        final = f"{run['final_test_error']:.2f}%" if run["final_test_error"] is not None else "-"
        # The paper's numbers are CIFAR-10's: next to a stand-in's they would mislead.
        paper = f"{PAPER_TABLE6[name]:.2f}%" if name in PAPER_TABLE6 and data.name == "cifar10" else "-"
        print(f"{name:<16}{steps:>8}{final:>12}{paper:>8}")
    print(f"written to {out}/ in {seconds:.0f} s", flush=True)
