"""Is this GPU node ready for the full-scale runs? ResNet-56 with DDP + SyncBatchNorm, timed.

One command, on a machine with N GPUs::

    python benchmarks/gpu_check.py                 # N processes, one per GPU, NCCL
    python benchmarks/gpu_check.py --nproc 1       # one GPU (DDP and SyncBatchNorm still on)

It starts one process per GPU (or runs as it is under ``torchrun``), builds the paper's
ResNet-56 (``course_utils.fullscale``), converts its BatchNorm to ``SyncBatchNorm``, wraps it
in ``DistributedDataParallel`` and trains a few hundred iterations of the paper's step
(batch 128 per GPU, SGD 0.1, pad-crop-flip on the GPU) on random CIFAR-shaped tensors, so
no data set is needed. It prints the images per second (all GPUs together and per GPU),
the GPUs' utilisation sampled during the timed part (``nvidia-smi``), and the peak memory.
At the printed rate, the paper's 64k iterations of batch 128 take ``64000 * 128 / rate`` s.

On a machine without a GPU, ``--device cpu`` runs the same code with gloo and plain
BatchNorm (PyTorch's SyncBatchNorm runs on GPUs only); ``make test`` runs it that way, tiny,
so that this script cannot rot::

    python benchmarks/gpu_check.py --device cpu --nproc 2 --iterations 3 --warmup 1 --batch-size 4 --depth 8
"""

from __future__ import annotations

import argparse
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
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from course_utils.fullscale import augmentation_params, build_model, paper_recipe
from course_utils.fullscale.data import PADDING, _pad_crop_flip  # the loop's own, unchecked: no GPU sync


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", choices=("cuda", "cpu"), default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--nproc", type=int, default=None, help="processes (default: one per GPU; 2 on the CPU)")
    p.add_argument("--iterations", type=int, default=300, help="timed iterations (default: 300)")
    p.add_argument("--warmup", type=int, default=30, help="untimed iterations first (default: 30)")
    p.add_argument("--batch-size", type=int, default=128, help="images per process and step (default: 128)")
    p.add_argument("--depth", type=int, default=56, help="CIFAR ResNet depth 6n+2 (default: 56)")
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = p.parse_args(argv)
    if args.nproc is None:
        args.nproc = torch.cuda.device_count() if args.device == "cuda" else 2
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: no GPU is visible to PyTorch here; use --device cpu for a (slow) dry run")
    if args.device == "cuda" and args.nproc > torch.cuda.device_count():
        p.error(f"--nproc {args.nproc}: this machine has {torch.cuda.device_count()} GPU(s)")
    if min(args.nproc, args.iterations, args.batch_size) < 1 or args.warmup < 0:
        p.error("--nproc, --iterations and --batch-size must be >= 1, --warmup >= 0")
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


def worker(local_rank: int, args: argparse.Namespace, port: int | None) -> None:
    if port is not None:  # started by this script, not by torchrun
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(local_rank),
                          LOCAL_RANK=str(local_rank), WORLD_SIZE=str(args.nproc))
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    cuda = args.device == "cuda"
    if cuda:
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        torch.backends.cudnn.benchmark = True
    else:
        device = torch.device("cpu")
        torch.set_num_threads(1)  # one thread per process: the processes share the cores
    dist.init_process_group("nccl" if cuda else "gloo")
    try:
        recipe = paper_recipe(args.depth)
        torch.manual_seed(recipe.seed)
        model: nn.Module = build_model(recipe)
        if cuda:
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        model = model.to(device)
        net = DistributedDataParallel(model, device_ids=[local_rank] if cuda else None)
        opt = torch.optim.SGD(net.parameters(), lr=recipe.lr, momentum=recipe.momentum,
                              weight_decay=recipe.weight_decay)
        gen = torch.Generator().manual_seed(rank)
        pool = 4 * args.batch_size
        x = torch.randn(pool, 3, 32, 32, generator=gen).to(device)
        y = torch.randint(0, 10, (pool,), generator=gen).to(device)
        offsets, flips = (t.to(device) for t in augmentation_params(pool, seed=rank, epoch=0))

        def step(i: int) -> None:
            idx = torch.arange(i * args.batch_size, (i + 1) * args.batch_size, device=device) % pool
            xb = _pad_crop_flip(x[idx], offsets[idx], flips[idx], PADDING)
            loss = F.cross_entropy(net(xb), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        for i in range(args.warmup):
            step(i)
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        dist.barrier()
        sampler = UtilisationSampler() if cuda and rank == 0 else None
        start = time.perf_counter()
        if sampler:
            sampler.start()
        for i in range(args.iterations):
            step(args.warmup + i)
        if cuda:
            torch.cuda.synchronize()
        elapsed = torch.tensor([time.perf_counter() - start], dtype=torch.float64, device=device)
        if sampler:
            sampler.stop()
        dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
        if rank == 0:
            seconds = elapsed.item()
            rate = args.iterations * args.batch_size * world / seconds
            result = {
                "device": torch.cuda.get_device_name(device) if cuda else "cpu",
                "processes": world, "depth": args.depth, "batch_per_process": args.batch_size,
                "sync_batchnorm": cuda, "iterations": args.iterations, "seconds": round(seconds, 3),
                "images_per_s": round(rate, 1), "images_per_s_per_process": round(rate / world, 1),
                "gpu_utilisation": sampler.summary() if sampler else "n/a (CPU run)",
                "peak_memory_gib": round(torch.cuda.max_memory_allocated(device) / 2**30, 2) if cuda else None,
                "paper_run_hours_at_this_rate": round(64000 * 128 / rate / 3600, 2),
                "torch": torch.__version__,
            }
            print(f"ResNet-{args.depth}, DDP over {world} process(es) on {result['device']}, "
                  f"SyncBatchNorm {'on' if cuda else 'off (CPU: PyTorch runs it on GPUs only)'}")
            print(f"throughput: {rate:.0f} img/s ({rate / world:.0f} per process), "
                  f"{args.iterations} iterations of {args.batch_size} per process in {seconds:.2f} s")
            print(f"GPU utilisation: {result['gpu_utilisation']}")
            if cuda:
                print(f"peak memory per GPU: {result['peak_memory_gib']} GiB")
            print(f"the paper's 64k x 128 images at this rate: {result['paper_run_hours_at_this_rate']} h")
            if args.json:
                with open(args.json, "w", encoding="utf-8") as fh:
                    json.dump(result, fh, indent=1)
    finally:
        dist.destroy_process_group()


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
