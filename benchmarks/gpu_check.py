"""Is this GPU node ready for the full-scale runs? The real training loop, timed, and what limits it.

One command, on a machine with N GPUs::

    python benchmarks/gpu_check.py                 # N processes, one per GPU, NCCL
    python benchmarks/gpu_check.py --nproc 1       # one GPU

It starts one process per GPU (or runs as it is under ``torchrun``) and runs
``course_utils.fullscale.train_cifar`` itself -- the paper's ResNet-56, DDP (SyncBatchNorm on
GPUs), the ``DistributedSampler``, the global batch of 128 *split* over the processes, the
cudnn settings of training (PyTorch's defaults: no ``cudnn.benchmark``), an evaluation of the
test set after every epoch -- on random CIFAR-shaped tensors, so no data set is needed. Two
epochs of ``--iterations`` steps: the first warms up, the second is timed. It then measures

- the all-reduce bandwidth between the processes (a gradient-sized float32 tensor);
- how fast batches are cut and augmented, on the device (``--workers 0``, training's default)
  and by ``--workers`` loader processes on the CPU, and so whether the GPU would wait on data;
- each GPU's utilisation during the timed epoch (``nvidia-smi``) and the peak memory;

and prints what the paper's run (64k steps of 128, a test evaluation per epoch) takes at these
rates. On a machine without a GPU, ``--device cpu`` runs the same code with gloo (plain
BatchNorm) and says that its figures are not a GPU's; ``make test`` runs it that way, tiny::

    python benchmarks/gpu_check.py --device cpu --nproc 2 --iterations 2 --batch-size 8 --depth 8 --test-size 16
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils.data import DataLoader

from course_utils.device import torch_threads
from course_utils.fullscale import FullscaleData, Speed, default_threads, distributed, paper_recipe, train_cifar
from course_utils.fullscale.loop import _EpochBatches  # the loop's own batch cutting, timed alone

#: The paper's run: steps, global batch, and epochs (each ends with an evaluation of the test set).
PAPER_STEPS, PAPER_BATCH, PAPER_EPOCHS = 64_000, 128, 164


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", choices=("cuda", "cpu"), default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--nproc", type=int, default=None, help="processes (default: one per GPU; 2 on the CPU)")
    p.add_argument("--iterations", type=int, default=200, help="steps per epoch; epoch 2 is timed (default: 200; at least 2)")
    p.add_argument("--batch-size", type=int, default=PAPER_BATCH,
                   help="global batch, split over the processes as in training (default: 128)")
    p.add_argument("--depth", type=int, default=56, help="CIFAR ResNet depth 6n+2 (default: 56)")
    p.add_argument("--test-size", type=int, default=10_000, help="test images evaluated per epoch (default: 10000)")
    p.add_argument("--workers", type=int, default=4, help="loader processes timed for --workers (default: 4)")
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = p.parse_args(argv)
    if args.nproc is None:
        args.nproc = torch.cuda.device_count() if args.device == "cuda" else 2
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: no GPU is visible to PyTorch here; use --device cpu for a (slow) dry run")
    if args.device == "cuda" and args.nproc > torch.cuda.device_count():
        p.error(f"--nproc must be at most the number of GPUs ({torch.cuda.device_count()}). Got {args.nproc}.")
    for flag, low in (("nproc", 1), ("iterations", 2), ("batch_size", 1), ("test_size", 1), ("workers", 0)):
        if getattr(args, flag) < low:
            p.error(f"--{flag.replace('_', '-')} must be an int >= {low}. Got {getattr(args, flag)}.")
    if args.batch_size % args.nproc:
        p.error(f"--batch-size must split evenly over the {args.nproc} processes. Got {args.batch_size}.")
    return args


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UtilisationSampler:
    """Samples every GPU's utilisation (%) with nvidia-smi in a thread while the timed part runs."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval, self.samples = interval, []
        self.tool = shutil.which("nvidia-smi")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                text = subprocess.run([self.tool, "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
                                      capture_output=True, text=True, timeout=5, check=False).stdout
                self.samples.append([float(v) for v in text.split()])
            except (OSError, subprocess.SubprocessError, ValueError):
                return
            self._stop.wait(self.interval)

    def start(self) -> None:
        if self.tool:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def summary(self) -> str:
        if not self.tool:
            return "n/a (no nvidia-smi)"
        if not self.samples:
            return "n/a (no sample)"
        per_gpu = list(zip(*self.samples))
        return ", ".join(f"GPU {i}: mean {statistics.mean(s):.0f}% (min {min(s):.0f}%)" for i, s in enumerate(per_gpu))


def random_data(args: argparse.Namespace) -> FullscaleData:
    """CIFAR-shaped noise: one epoch of ``--iterations`` global batches and ``--test-size`` test images."""
    gen = torch.Generator().manual_seed(0)
    n = args.iterations * args.batch_size
    x = torch.randn(n + args.test_size, 3, 32, 32, generator=gen)
    y = torch.randint(0, 10, (n + args.test_size,), generator=gen)
    return FullscaleData(train=(x[:n], y[:n]), test=(x[n:], y[n:]), name="random", description="random tensors")


def allreduce_bandwidth(numel: int, device: torch.device, world: int, repeats: int = 10) -> float | None:
    """Bus bandwidth (GB/s) of all-reducing ``numel`` float32 values, as nccl-tests counts it; None alone."""
    if world == 1:
        return None
    t = torch.ones(numel, device=device)
    dist.all_reduce(t)  # warm-up: the first call sets up the communicator
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    for _ in range(repeats):
        dist.all_reduce(t)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = (time.perf_counter() - start) / repeats
    return 2 * (world - 1) / world * numel * 4 / seconds / 1e9


def batch_rate(data: FullscaleData, share: int, steps: int, device: torch.device, workers: int) -> float:
    """Images per second one process gets from the loop's batch cutting (on ``device``, or by loader workers)."""
    x, y = data.train
    order = torch.randperm(len(x))
    aug = (torch.randint(0, 9, (len(x), 2)), torch.rand(len(x)) < 0.5)
    where = device if workers == 0 else torch.device("cpu")
    source = _EpochBatches((x.to(where), y.to(where)), order.to(where), tuple(a.to(where) for a in aug),
                           share, 0, steps)
    batches = (source[i] for i in range(len(source))) if workers == 0 else \
        DataLoader(source, batch_size=None, num_workers=workers, pin_memory=device.type == "cuda")
    batches = iter(batches)
    next(batches)  # not timed: the loader's workers start
    start = time.perf_counter()
    for xb, _ in batches:
        xb.to(device, non_blocking=True)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return (steps - 1) * share / (time.perf_counter() - start)


def worker(local_rank: int, args: argparse.Namespace, port: int | None) -> None:
    if port is not None:  # started by this script, not by torchrun
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(local_rank),
                          LOCAL_RANK=str(local_rank), WORLD_SIZE=str(args.nproc), LOCAL_WORLD_SIZE=str(args.nproc))
    threads = default_threads(int(os.environ.get("LOCAL_WORLD_SIZE", args.nproc)))
    with torch_threads(threads), distributed(args.device) as ctx:
        data = random_data(args)
        recipe = dataclasses.replace(paper_recipe(args.depth), batch_size=args.batch_size,
                                     iterations=2 * args.iterations, milestones=())
        rows: list[dict] = []
        sampler = UtilisationSampler() if ctx.device.type == "cuda" and ctx.is_main else None

        def on_epoch(row: dict) -> None:
            rows.append(row)
            if sampler and len(rows) == 1:
                sampler.start()  # the timed epoch starts now

        if ctx.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(ctx.device)
        run = train_cifar(recipe, data, device=ctx.device, speed=Speed(), on_epoch=on_epoch, verbose=False)
        if sampler:
            sampler.stop()
        numel = sum(p.numel() for p in run.model.parameters())
        bandwidth = allreduce_bandwidth(numel, ctx.device, ctx.world_size)
        if ctx.is_main:
            share = args.batch_size // ctx.world_size
            report(args, ctx, rows[-1], bandwidth, numel, sampler, {
                "on_device": batch_rate(data, share, args.iterations, ctx.device, 0),
                f"{args.workers}_workers": batch_rate(data, share, args.iterations, ctx.device, args.workers)
                if args.workers else None}, share, threads)


def report(args: argparse.Namespace, ctx, row: dict, bandwidth: float | None, numel: int,
           sampler: UtilisationSampler | None, loader: dict, share: int, threads: int) -> None:
    """Rank 0: print the measurements and the paper-run estimate; write --json."""
    cuda = ctx.device.type == "cuda"
    step = row["s_per_iteration"]
    eval_s = max(row["epoch_time_s"] - step * args.iterations, 0.0)  # the epoch's evaluation (and bookkeeping)
    eval_paper = eval_s * 10_000 / args.test_size
    hours = (PAPER_STEPS * step * PAPER_BATCH / args.batch_size + PAPER_EPOCHS * eval_paper) / 3600
    per_process = row["images_per_s"] / ctx.world_size
    waits = {k: v is not None and v < per_process for k, v in loader.items()}
    result = {
        "device": torch.cuda.get_device_name(ctx.device) if cuda else "cpu (not a GPU)",
        "is_gpu": cuda, "processes": ctx.world_size, "depth": args.depth, "global_batch": args.batch_size,
        "batch_per_process": share, "sync_batchnorm": cuda, "cudnn_benchmark": torch.backends.cudnn.benchmark,
        "torch_threads_per_process": threads, "iterations_timed": args.iterations,
        "images_per_s": row["images_per_s"], "s_per_iteration": step,
        "eval_s_per_epoch_for_10k_images": round(eval_paper, 3),
        "allreduce_bus_gb_per_s": round(bandwidth, 3) if bandwidth else None, "gradient_numel": numel,
        "loader_images_per_s_per_process": {k: round(v, 1) if v else None for k, v in loader.items()},
        "gpu_would_wait_on_data": waits,
        "gpu_utilisation": sampler.summary() if sampler else "n/a (CPU run)",
        "peak_memory_gib": round(torch.cuda.max_memory_allocated(ctx.device) / 2**30, 2) if cuda else None,
        "paper_run_hours_at_this_rate": round(hours, 2), "torch": torch.__version__,
    }
    if not cuda:
        print("device: the CPU -- THIS IS NOT A GPU; these figures say nothing about a GPU run")
    print(f"ResNet-{args.depth}, the training loop over {ctx.world_size} process(es) on {result['device']}: "
          f"global batch {args.batch_size} ({share} per process), SyncBatchNorm {'on' if cuda else 'off'}, "
          f"cudnn.benchmark {result['cudnn_benchmark']}")
    print(f"throughput: {row['images_per_s']:.0f} img/s, {step * 1000:.1f} ms per step "
          f"(epoch 2 of 2, {args.iterations} steps); evaluation of 10k test images: {eval_paper:.1f} s")
    print("all-reduce bus bandwidth: " + (f"{bandwidth:.2f} GB/s ({numel} float32, the gradient)"
                                          if bandwidth else "n/a (one process)"))
    for where, rate in loader.items():
        if rate is not None:
            print(f"batches cut {where.replace('_', ' ')}: {rate:.0f} img/s per process "
                  f"({'the GPU would WAIT on data' if waits[where] else 'faster than training needs'})")
    print(f"GPU utilisation: {result['gpu_utilisation']}")
    if cuda:
        print(f"peak memory per GPU: {result['peak_memory_gib']} GiB")
    print(f"the paper's run (64k steps of 128, {PAPER_EPOCHS} evaluations) at these rates: {hours:.2f} h")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if "WORLD_SIZE" in os.environ and "LOCAL_RANK" in os.environ:  # started by torchrun
        args.nproc = int(os.environ["WORLD_SIZE"])
        worker(int(os.environ["LOCAL_RANK"]), args, None)
    else:
        # spawn joins every process and ends the others if one fails: none is left behind.
        mp.spawn(worker, args=(args, free_port()), nprocs=args.nproc, join=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
