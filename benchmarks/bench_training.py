"""Speed of the course's training loop, measured side by side in one run.

Run with ``make bench`` (not part of ``make test``). It prints:

1. ``fit()``'s time per epoch against a bare hand-written PyTorch loop on the
   same model, data and optimizer (MNIST-1D CNN; CIFAR-shaped ResNet-20 on
   random tensors). Target: overhead ≤ 5 %.
2. ResNet-20 training throughput in images/s and the GFLOP/s it makes
   (multiply-adds × 2 FLOPs × 3 for forward + backward, per image), against
   the machine's fp32 matmul GFLOP/s measured in the same run.
   Target: ≥ 40 % of matmul in eager mode.
3. Seconds of MNIST-1D CNN training to reach 90 % test accuracy. Target ≤ 5 s.

The machine may be shared: compare the ratios within one run, and rerun when
the numbers look off. Timings alternate between the two loops and keep the
median so that a burst of background load hits both alike.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from course_utils import data, models
from course_utils.device import get_device, seed_everything
from course_utils.measure import count_macs
from course_utils.train import fit


def bare_epoch(model: nn.Module, x: torch.Tensor, y: torch.Tensor, opt: torch.optim.Optimizer,
               batch_size: int, generator: torch.Generator) -> float:
    """One epoch of the textbook loop; returns its wall time in seconds."""
    start = time.perf_counter()
    model.train()
    order = torch.randperm(len(x), generator=generator).to(x.device)
    loss_fn = nn.CrossEntropyLoss()
    for i in range(0, len(x), batch_size):
        idx = order[i:i + batch_size]
        loss = loss_fn(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    if x.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def compare_loops(name: str, make_model, x: torch.Tensor, y: torch.Tensor, batch_size: int,
                  rounds: int, epochs: int, device: torch.device) -> None:
    """Alternate runs of the bare loop and of fit(), ``epochs`` epochs each, timed from outside.

    A fit() run's time includes everything it does (checks, optimizer, progress
    bar, metrics); both are divided by ``epochs`` and the medians compared.
    """
    seed_everything(0)
    x, y = x.to(device), y.to(device)
    gen = torch.Generator().manual_seed(0)

    def run_bare() -> float:
        model = make_model().to(device)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        start = time.perf_counter()
        for _ in range(epochs):
            bare_epoch(model, x, y, opt, batch_size, gen)
        return (time.perf_counter() - start) / epochs

    def run_fit(seed: int) -> float:
        model = make_model().to(device)
        start = time.perf_counter()
        fit(model, (x, y), epochs=epochs, batch_size=batch_size, lr=0.01, seed=seed,
            progress=False, device=device)
        return (time.perf_counter() - start) / epochs

    run_bare(), run_fit(0)  # warm-up: allocator, kernels, caches
    bare, ours = [], []
    for r in range(rounds):
        bare.append(run_bare())
        ours.append(run_fit(r))
    b, f = statistics.median(bare), statistics.median(ours)
    print(f"  {name:<28} bare loop {b * 1e3:8.1f} ms/epoch   fit() {f * 1e3:8.1f} ms/epoch   "
          f"overhead {100 * (f / b - 1):+5.1f} %   (median of {rounds} runs of {epochs} epochs)")


def matmul_gflops(device: torch.device, n: int = 2048, repeats: int = 10) -> float:
    """fp32 matrix-multiply throughput: 2·n³ FLOPs per product."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times) / 1e9


def resnet20_throughput(device: torch.device, batch_size: int = 128, steps: int = 12) -> tuple[float, float]:
    """Training images/s of CIFAR ResNet-20 and the GFLOP/s that makes."""
    seed_everything(0)
    model = models.resnet20().to(device)
    macs = count_macs(model, (1, 3, 32, 32))
    x = torch.randn(batch_size, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (batch_size,), device=device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for step in range(steps + 2):
        start = time.perf_counter()
        loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if step >= 2:  # the first steps allocate memory
            times.append(time.perf_counter() - start)
    images_per_s = batch_size / statistics.median(times)
    return images_per_s, images_per_s * macs * 2 * 3 / 1e9


def seconds_to_accuracy(target: float = 0.9, max_epochs: int = 40) -> tuple[float, float, int]:
    """Train the small MNIST-1D CNN until test accuracy reaches ``target``."""
    splits = data.load_mnist1d(seed=0)
    seed_everything(0)
    model = models.ConvNet1d(width=32, num_blocks=2, residual=True)
    history = fit(model, splits.train, test=splits.test, epochs=max_epochs, batch_size=100,
                  optimizer="adam", lr=3e-3, early_stopping=None, progress=False, device="cpu")
    elapsed = 0.0
    accuracies = history.series("test_acc")
    for epoch, (seconds, acc) in enumerate(zip(history.epoch_time, accuracies), start=1):
        elapsed += seconds
        if acc >= target:
            return elapsed, acc, epoch
    return float("inf"), max(accuracies), max_epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed runs per loop (median kept)")
    parser.add_argument("--device", default=None, help="cpu, cuda, mps (default: best available)")
    args = parser.parse_args()
    device = get_device(args.device)
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads\n")

    print("1. fit() against a bare PyTorch loop (target: overhead ≤ 5 %)")
    mnist = data.load_mnist1d(seed=0)
    x1, y1 = mnist.train
    compare_loops("MNIST-1D CNN (3,200 ex.)", lambda: models.ConvNet1d(width=32, num_blocks=2),
                  x1, y1, 100, args.rounds, 5, device)
    g = torch.Generator().manual_seed(0)
    x2, y2 = torch.randn(1024, 3, 32, 32, generator=g), torch.randint(0, 10, (1024,), generator=g)
    compare_loops("ResNet-20 (1,024 random)", models.resnet20, x2, y2, 128, max(3, args.rounds // 2), 2,
                  device)

    print("\n2. ResNet-20 training throughput against fp32 matmul (target: ≥ 40 %)")
    peak = matmul_gflops(device)
    images, gflops = resnet20_throughput(device)
    peak_after = matmul_gflops(device)
    peak = max(peak, peak_after)
    print(f"  matmul 2048² fp32: {peak:7.1f} GFLOP/s")
    print(f"  ResNet-20 train:   {images:7.1f} images/s = {gflops:7.1f} GFLOP/s = {100 * gflops / peak:5.1f} % of matmul")

    print("\n3. MNIST-1D CNN: training seconds to 90 % test accuracy (target: ≤ 5 s)")
    seconds, acc, epochs = seconds_to_accuracy()
    print(f"  {seconds:.2f} s ({epochs} epochs, test accuracy {acc:.3f}), the test evaluation after every epoch included")


if __name__ == "__main__":
    main()
