"""The full-scale path engineered like the reference training scripts (issue 21), on the CPU.

- threads per process: idle cores divided by the processes of the machine;
- errors that name the command-line flag, before any data loads, leaving no folder behind;
- resume: --resume PATH, --no-resume, --test-only, a stop at an iteration boundary (SIGTERM)
  resumed to the weights of a run never stopped, a corrupt checkpoint named with its way out;
- speed flags (--amp, --channels-last, --workers, --compile) against float32;
- logs: the CSV per run, TensorBoard when installed, wall time counted across resumes;
- two torchrun launchers with --nnodes=2 over localhost (gloo), each "node" with its own
  --out folder, so resuming works without a shared filesystem.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import os
import signal
import socket
import subprocess
import sys
import time
import types

import pytest
import torch
from test_fullscale import ROOT, SUBPROCESS_TIMEOUT, checkpoint_model, max_weight_difference, tiny_data

from course_utils.data import DatasetUnavailableError
from course_utils.device import torch_threads
from course_utils.fullscale import (
    CheckpointError,
    Speed,
    default_threads,
    load_dataset,
    load_results,
    main,
    paper_recipe,
    train_cifar,
)
from course_utils.fullscale import cli as fullscale_cli
from course_utils.fullscale import data as fullscale_data
from course_utils.fullscale import logs as fullscale_logs
from course_utils.fullscale.logs import CSV_COLUMNS, tensorboard_available

# ResNet-8 on 128 digits, batches of 32: 4 steps per epoch, 16 steps in all (about a second).
TINY = ["--dataset", "digits", "--max-train", "128", "--max-test", "32", "--depths", "8", "--kinds", "resnet",
        "--scale", str(16 / 64000), "--batch-size", "32", "--eval-batch-size", "32", "--no-plot", "--threads", "1",
        "--quiet"]


def tiny_recipe(steps: int = 12):
    return dataclasses.replace(paper_recipe(8, scale=steps / 64000), batch_size=16)  # 3 steps per epoch


# --------------------------------------------------------------------------- threads


def test_default_threads_shares_the_idle_cores_between_local_processes():
    assert default_threads(1, cores=16, load=0.0) == 16
    assert default_threads(4, cores=16, load=0.2) == 4
    assert default_threads(1, cores=2, load=1.3) == 1  # a busy neighbour: one thread, not two fighting
    assert default_threads(3, cores=2, load=0.0) == 1  # never below one
    assert default_threads(1, cores=4, load=9.0) == 1
    assert 1 <= default_threads(1) <= os.cpu_count()


def test_main_sets_its_threads_and_puts_them_back(tmp_path, capsys):
    with torch_threads(2):
        assert main([*TINY[:-3], "--threads", "1", "--out", str(tmp_path / "out"), "--stop-after-epochs", "1"]) == 0
        assert torch.get_num_threads() == 2
    assert "1 thread(s) per process" in capsys.readouterr().out
    assert load_results(tmp_path / "out" / "results.json").meta["torch_threads_per_process"] == 1


# --------------------------------------------------------------------------- errors name the flag


@pytest.mark.parametrize("extra, message", [
    (["--depths", "21"], "--depths must be ints of the form 6n + 2"),
    (["--batch-size", "200"], "--batch-size must be at most the number of training images (128). Got 200."),
    (["--scale", "0"], "--scale must be a float in (0, 1]. Got 0."),
    (["--lr", "-1"], "--lr must be a float > 0. Got -1."),
    (["--depths", "8", "20"], "--resume must go with a single run"),
    (["--batch-size", "0"], "--batch-size: must be an int >= 1. Got 0."),
    (["--workers", "-1"], "--workers: must be an int >= 0. Got -1."),
    (["--device", "gpu"], "--device must be cpu, cuda, cuda:<index> or mps, and available on this machine. "
                          "Got 'gpu'. Leave --device out"),
])
def test_errors_name_the_flag_before_data_loads_and_leave_no_folder(extra, message, tmp_path, capsys, monkeypatch):
    def no_loading(*args, **kwargs):
        raise AssertionError("the data loaded before the arguments were checked")

    monkeypatch.setattr(fullscale_cli, "load_dataset", no_loading)
    resume = ["--resume", str(tmp_path / "x.pt")] if "--resume" in message else []
    with pytest.raises(SystemExit) as exc:
        main([*TINY, *resume, *extra, "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_batch_that_does_not_split_over_processes_names_the_flag(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "3")  # as torchrun would set it; nothing joins before the check
    with pytest.raises(SystemExit):
        main([*TINY, "--out", str(tmp_path / "out")])
    assert "--batch-size must split evenly over the 3 processes. Got 32." in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_out_that_is_a_file_is_refused(tmp_path, capsys, monkeypatch):
    def no_loading(*args, **kwargs):
        raise AssertionError("the data loaded before --out was checked")

    monkeypatch.setattr(fullscale_cli, "load_dataset", no_loading)
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(SystemExit):
        main([*TINY, "--out", str(tmp_path / "file")])
    assert f"--out must be a folder (or a path where one can be made). Got {str(tmp_path / 'file')!r}, which is " \
           "a file." in capsys.readouterr().err
    with pytest.raises(SystemExit):  # a folder that cannot be made: its parent is a file
        main([*TINY, "--out", str(tmp_path / "file" / "sub")])
    assert f"inside {str(tmp_path / 'file')!r}, which is a file." in capsys.readouterr().err


def test_device_that_this_machine_lacks_names_the_flag(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(SystemExit):
        main([*TINY, "--device", "cuda", "--out", str(tmp_path / "out")])
    assert "--device must be cpu, cuda, cuda:<index> or mps, and available on this machine. Got 'cuda', but CUDA " \
           "is not available on this machine." in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    # On a Mac, the default device (MPS) under torchrun: refused before any process group is joined.
    monkeypatch.setattr(fullscale_cli, "get_device", lambda device: torch.device("mps"))
    assert fullscale_cli._device_error(None, 2).startswith("--device must be cpu or cuda when several processes")
    assert fullscale_cli._device_error(None, 1) is None


def test_failed_download_does_not_say_pass_download(monkeypatch):
    def failed(*args, download=False, **kwargs):
        raise DatasetUnavailableError("The CIFAR-10 data set is not available: the download failed (URLError).")

    monkeypatch.setattr(fullscale_data, "load_torchvision", failed)
    with pytest.raises(DatasetUnavailableError) as exc:
        load_dataset("cifar10", download=True)
    assert "the download failed: check the network" in str(exc.value) and "--dataset digits" in str(exc.value)
    assert "pass download=True" not in str(exc.value)
    with pytest.raises(DatasetUnavailableError, match="pass download=True \\(--download\\)"):
        load_dataset("cifar10", download=False)


# --------------------------------------------------------------------------- checkpoints and resume


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_corrupt_checkpoint_names_the_file_and_the_way_out(damage, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([*TINY, "--out", str(out), "--stop-after-epochs", "1"]) == 0
    ckpt = out / "resnet-8.pt"
    blob = ckpt.read_bytes()
    ckpt.write_bytes(blob[: len(blob) // 2] if damage == "truncated" else b"\x00not a checkpoint" * 10)
    with pytest.raises(SystemExit) as exc:
        main([*TINY, "--out", str(out)])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert f"--out: the checkpoint {str(ckpt)!r} cannot be read: it is truncated or corrupt" in err
    assert "--no-resume" in err and "--resume COPY" in err and "Traceback" not in err
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        train_cifar(tiny_recipe(), tiny_data(), checkpoint=ckpt, verbose=False)
    assert main([*TINY, "--out", str(out), "--no-resume"]) == 0  # the way out it names works
    assert not list(out.glob("*.partial"))


def test_test_only_of_a_file_that_is_not_a_checkpoint(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello\n")  # torch's unpickler fails on it with a KeyError
    with pytest.raises(SystemExit):
        main([*TINY, "--test-only", str(tmp_path / "notes.txt")])
    err = capsys.readouterr().err.strip().splitlines()[-1]  # the line after argparse's usage
    assert f"--test-only: the checkpoint {str(tmp_path / 'notes.txt')!r} cannot be read" in err
    assert "Pass --test-only a checkpoint written by this command" in err and "--no-resume" not in err


def test_stale_partial_file_is_removed(tmp_path):
    (tmp_path / "run.pt.partial").write_bytes(b"half a torch.save")
    train_cifar(tiny_recipe(3), tiny_data(), checkpoint=tmp_path / "run.pt", verbose=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pt"]


def test_stop_inside_an_epoch_resumes_to_the_weights_of_a_run_never_stopped(tmp_path):
    """A stop (SIGTERM's flag) after 4 polls: step 4 is inside epoch 2 (3 steps per epoch)."""
    recipe, data = tiny_recipe(), tiny_data()
    polls = []

    def stop_after_four_polls() -> bool:
        polls.append(1)
        return len(polls) > 4

    with torch_threads(1):
        whole = train_cifar(recipe, data, verbose=False)
        stopped = train_cifar(recipe, data, checkpoint=tmp_path / "run.pt", should_stop=stop_after_four_polls,
                              verbose=False)
        state = torch.load(tmp_path / "run.pt", weights_only=True)
        resumed = train_cifar(recipe, data, checkpoint=tmp_path / "run.pt", verbose=False)
    assert stopped.stopped and not stopped.finished and stopped.iteration == 3
    assert (state["iteration"], state["epoch"], state["position"]["batch"], state["position"]["seen"]) == (4, 1, 1, 16)
    assert resumed.finished and resumed.history.extra["iteration"] == [3, 6, 9, 12]
    assert max_weight_difference(resumed.model.state_dict(), whole.model.state_dict()) == 0.0
    assert resumed.history.train_loss == whole.history.train_loss  # the split epoch's sums carried over
    assert resumed.wall_time_s > state["wall_time_s"] > 0


def _with_iterations(iterations: int) -> list[str]:
    """TINY with ``--scale`` set for ``iterations`` of the paper's 64k."""
    at = TINY.index("--scale")
    return [*TINY[:at], "--scale", str(iterations / 64000), *TINY[at + 2:]]


def _sigterm_once_checkpointed(launcher: list[str], args: list[str], out) -> tuple[int, str]:
    """Start ``launcher -m course_utils.fullscale args --out out``, SIGTERM it once its first checkpoint
    exists, and return its exit status and output (the whole process group is killed if it hangs)."""
    proc = subprocess.Popen([*launcher, "-m", "course_utils.fullscale", *args, "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    try:
        deadline = time.monotonic() + SUBPROCESS_TIMEOUT
        while not (out / "resnet-8.pt").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)  # to the launcher alone, as Slurm or Kubernetes would
        output = proc.communicate(timeout=SUBPROCESS_TIMEOUT)[0].decode(errors="replace")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    return proc.returncode, output


@pytest.mark.delivery  # launches processes (torchrun, signals): seconds to half a minute
def test_sigterm_writes_a_checkpoint_and_exits_cleanly(tmp_path):
    """The real signal on the real command: exit status 0, a checkpoint inside an epoch, then resumed."""
    out = tmp_path / "out"
    returncode, output = _sigterm_once_checkpointed([sys.executable], _with_iterations(400), out)
    assert returncode == 0, output[-3000:]
    assert "stopped on request" in output and "Traceback" not in output
    state = torch.load(out / "resnet-8.pt", weights_only=True)
    assert 4 <= state["iteration"] < 400 and not list(out.glob("*.partial"))
    results = load_results(out / "results.json")
    assert results.runs["resnet-8"]["finished"] is False


@pytest.mark.delivery  # launches processes (torchrun, signals): seconds to half a minute
def test_sigterm_under_torchrun_stops_every_process_at_the_same_step(tmp_path):
    """torchrun forwards SIGTERM to its workers; they agree on the step (a poll every 10), rank 0 saves."""
    out, args = tmp_path / "out", _with_iterations(120)
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    _, output = _sigterm_once_checkpointed(torchrun, args, out)
    assert output.count("stopped on request") == 1, output[-3000:]  # rank 0 says it, once
    state = torch.load(out / "resnet-8.pt", weights_only=True)
    assert state["iteration"] % 10 == 0 and state["position"] is not None and not list(out.glob("*.partial"))
    assert main([*args, "--out", str(out)]) == 0  # resumed (here by one process) to the end
    assert load_results(out / "results.json").runs["resnet-8"]["finished"] is True


def test_resume_from_a_path_no_resume_and_test_only(tmp_path, capsys):
    a, b, whole = tmp_path / "a", tmp_path / "b", tmp_path / "whole"
    assert main([*TINY, "--out", str(a), "--stop-after-epochs", "1"]) == 0
    assert main([*TINY, "--out", str(b), "--resume", str(a / "resnet-8.pt")]) == 0
    assert main([*TINY, "--out", str(whole)]) == 0
    assert max_weight_difference(checkpoint_model(b / "resnet-8.pt"), checkpoint_model(whole / "resnet-8.pt")) == 0
    assert load_results(b / "results.json").histories["resnet-8"].extra["iteration"] == [4, 8, 12, 16]
    # --no-resume starts afresh in a folder that holds a finished run (and starts its CSV again)
    assert main([*TINY, "--out", str(whole), "--no-resume", "--stop-after-epochs", "1"]) == 0
    assert torch.load(whole / "resnet-8.pt", weights_only=True)["iteration"] == 4
    assert len(list(csv.DictReader((whole / "resnet-8.csv").open()))) == 1
    capsys.readouterr()
    assert main([*TINY, "--test-only", str(b / "resnet-8.pt"), "--out", str(tmp_path / "never")]) == 0
    final = load_results(b / "results.json").final_test_errors()["resnet-8"]
    assert f"test error {final:.2f}% on 32 images" in capsys.readouterr().out
    assert not (tmp_path / "never").exists()
    with pytest.raises(SystemExit):
        main([*TINY, "--resume", str(tmp_path / "missing.pt"), "--out", str(tmp_path / "c")])
    assert "--resume: the checkpoint" in capsys.readouterr().err and not (tmp_path / "c").exists()


# --------------------------------------------------------------------------- speed flags

#: How far (relatively) a few steps' training loss may move from float32's (measured on this CPU: bf16 2e-4, fp16 2e-5).
AMP_TOLERANCE = {"bf16": 1e-2, "fp16": 1e-2}


def _losses(speed: Speed, steps: int = 6) -> list[float]:
    recipe = tiny_recipe(steps)
    with torch_threads(1):
        return train_cifar(recipe, tiny_data(), speed=speed, verbose=False).history.train_loss


@pytest.mark.delivery  # the full-scale path's precision flags, each trained for a few steps (10 s)
def test_speed_flags_train_like_float32():
    reference = _losses(Speed())
    report = {}
    for speed, tol in [(Speed(amp="bf16"), AMP_TOLERANCE["bf16"]), (Speed(amp="fp16"), AMP_TOLERANCE["fp16"]),
                       (Speed(channels_last=True), 1e-4), (Speed(workers=2), 0.0)]:
        losses = _losses(speed)
        assert all(math.isfinite(v) for v in losses)
        gap = max(abs(u - v) / abs(v) for u, v in zip(losses, reference))
        report[str(speed)] = gap
        assert gap <= tol, f"{speed}: relative loss difference from float32 {gap:.1e} > {tol}"
    print("\nrelative training-loss difference from float32, 2 epochs of 3 steps:",
          {k: f"{v:.1e}" for k, v in report.items()})


def test_grad_scaler_only_under_fp16():
    cpu = torch.device("cpu")
    assert Speed(amp="fp16").scaler(cpu).is_enabled()
    assert not Speed(amp="bf16").scaler(cpu).is_enabled() and not Speed().scaler(cpu).is_enabled()


def test_compile_is_wired(monkeypatch):
    """torch.compile takes minutes on a small shared CPU: the run here checks that the net goes through it."""
    compiled = []

    def fake_compile(net):
        compiled.append(net)
        return net

    monkeypatch.setattr(torch, "compile", fake_compile)
    assert math.isfinite(_losses(Speed(compile=True), steps=3)[0])
    assert len(compiled) == 1 and isinstance(compiled[0], torch.nn.Module)


def test_compile_traces_and_trains_like_float32(monkeypatch):
    """The real torch.compile (TorchDynamo's graph capture, AOTAutograd's backward) without inductor's code
    generation, which takes minutes on a small CPU: the backend is the only thing changed."""
    real_compile = torch.compile
    backends = []

    def without_codegen(net, **kwargs):
        backends.append(kwargs.get("backend", "inductor"))
        return real_compile(net, **{**kwargs, "backend": "aot_eager"})

    reference = _losses(Speed(), steps=3)
    torch._dynamo.reset()
    monkeypatch.setattr(torch, "compile", without_codegen)
    try:
        compiled = _losses(Speed(compile=True), steps=3)
    finally:
        torch._dynamo.reset()
    assert backends == ["inductor"]  # what --compile asks for
    assert all(math.isfinite(v) for v in compiled)
    assert max(abs(u - v) / abs(v) for u, v in zip(compiled, reference)) <= 1e-5


@pytest.mark.skipif(os.environ.get("COURSE_TEST_COMPILE") != "1",
                    reason="torch.compile's first steps take minutes of inductor compilation on a small CPU; "
                           "test_compile_is_wired checks the wiring. COURSE_TEST_COMPILE=1 runs it for real.")
def test_compile_trains_like_float32():
    reference, compiled = _losses(Speed(), steps=3), _losses(Speed(compile=True), steps=3)
    assert all(math.isfinite(v) for v in compiled)
    assert max(abs(u - v) / abs(v) for u, v in zip(compiled, reference)) <= 1e-3


# --------------------------------------------------------------------------- logs


def test_csv_log_and_wall_time_across_resumes(tmp_path):
    out = tmp_path / "out"
    assert main([*TINY, "--out", str(out), "--stop-after-epochs", "2"]) == 0
    first = torch.load(out / "resnet-8.pt", weights_only=True)["wall_time_s"]
    assert main([*TINY, "--out", str(out)]) == 0
    rows = list(csv.DictReader((out / "resnet-8.csv").open()))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [int(r["iteration"]) for r in rows] == [4, 8, 12, 16]  # the resumed session appended
    assert all(float(r["images_per_s"]) > 0 and float(r["s_per_iteration"]) > 0 for r in rows)
    for r in rows:  # images/s and s/iteration describe the same window: 32 images per step
        assert float(r["images_per_s"]) * float(r["s_per_iteration"]) == pytest.approx(32, rel=0.01)
    results = load_results(out / "results.json")
    run_wall = results.runs["resnet-8"]["wall_time_s"]
    assert run_wall > first > 0 and results.meta["wall_time_s"] == run_wall
    assert results.meta["session_wall_time_s"] > 0


class _RecordingWriter:
    """Stands in for torch.utils.tensorboard.SummaryWriter: records what RunLog sends it."""

    made: list[_RecordingWriter] = []

    def __init__(self, log_dir: str) -> None:
        self.log_dir, self.scalars, self.flushes, self.closed = log_dir, [], 0, False
        _RecordingWriter.made.append(self)

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        self.scalars.append((tag, value, step))

    def flush(self) -> None:
        self.flushes += 1

    def close(self) -> None:
        self.closed = True


def test_tensorboard_scalars_through_a_stand_in_writer(tmp_path, monkeypatch):
    """The wiring, without the optional package (make test does not install it): one scalar per CSV column."""
    _RecordingWriter.made.clear()
    monkeypatch.setattr(fullscale_logs, "tensorboard_available", lambda: True)
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", types.SimpleNamespace(SummaryWriter=_RecordingWriter))
    assert main([*TINY, "--out", str(tmp_path), "--stop-after-epochs", "2"]) == 0
    (writer,) = _RecordingWriter.made
    assert writer.log_dir == str(tmp_path / "tensorboard" / "resnet-8") and writer.closed and writer.flushes == 2
    rows = list(csv.DictReader((tmp_path / "resnet-8.csv").open()))
    expected = [(key, float(row[key]), int(row["iteration"])) for row in rows for key in CSV_COLUMNS[2:]]
    assert [(tag, pytest.approx(value, rel=1e-3, abs=1e-6), step) for tag, value, step in writer.scalars] == expected


def test_tensorboard_events_when_installed(tmp_path):
    if not tensorboard_available():  # optional, not installed by make test: the stand-in test above covers the wiring
        pytest.skip("the optional package tensorboard is not installed: no real event file to check")
    assert main([*TINY, "--out", str(tmp_path), "--stop-after-epochs", "1"]) == 0
    assert list((tmp_path / "tensorboard" / "resnet-8").glob("events.out.tfevents.*"))


# --------------------------------------------------------------------------- two nodes


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL a launcher started with ``start_new_session=True`` and its workers (gone already: nothing)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _wait_for_listener(port: int, proc: subprocess.Popen) -> None:
    """Until something accepts connections on 127.0.0.1:``port``; fails with ``proc``'s output if it ends first."""
    deadline = time.monotonic() + SUBPROCESS_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("the first launcher ended before it hosted the rendezvous:\n"
                        + proc.communicate()[0].decode(errors="replace")[-3000:])
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"the first launcher did not listen on port {port} within {SUBPROCESS_TIMEOUT} s")


@pytest.mark.delivery  # launches processes (torchrun, signals): seconds to half a minute
def test_two_torchrun_launchers_as_two_nodes_without_a_shared_filesystem(tmp_path):
    """torchrun --nnodes=2 --rdzv-backend=c10d over localhost, gloo; each node runs in its own folder.

    The second launcher's --out (a relative path) lands in another folder, as on a machine
    that does not share the first one's disk. Stopped after one epoch and run again, the job
    resumes: rank 0 reads its checkpoint and broadcasts it, the other node never sees it.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    nodes = [tmp_path / "node0", tmp_path / "node1"]

    def launch(extra: list[str]) -> float:
        start = time.perf_counter()
        procs: list[subprocess.Popen] = []
        try:
            for i, cwd in enumerate(nodes):
                cwd.mkdir(exist_ok=True)
                cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes=2", "--nproc_per_node=1",
                       "--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{port}", f"--rdzv-id=issue21-{port}",
                       "-m", "course_utils.fullscale", *TINY, "--batch-size", "16", "--out", "out", *extra]
                env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
                if i == 1:  # as on two machines: the second joins once the first hosts the c10d store
                    _wait_for_listener(port, procs[0])
                procs.append(subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                              stderr=subprocess.STDOUT, start_new_session=True))
            try:
                outputs = [p.communicate(timeout=SUBPROCESS_TIMEOUT)[0].decode(errors="replace") for p in procs]
            except subprocess.TimeoutExpired:
                for p in procs:
                    _kill_group(p)
                outputs = [p.communicate()[0].decode(errors="replace") for p in procs]
                pytest.fail("the two launchers ran over the time limit:\n"
                            + "\n---\n".join(o[-2000:] for o in outputs))
        finally:  # whatever failed above (or Ctrl-C): no launcher or worker is left running
            for p in procs:
                if p.poll() is None:
                    _kill_group(p)
                    p.communicate()
        for p, text in zip(procs, outputs):
            assert p.returncode == 0, text[-3000:]
        return time.perf_counter() - start

    first = launch(["--stop-after-epochs", "1"])
    second = launch([])
    rank0_out = next(n / "out" for n in nodes if (n / "out" / "results.json").exists())
    other = next(n for n in nodes if n / "out" != rank0_out)
    assert not (other / "out").exists(), "only rank 0 writes"
    results = load_results(rank0_out / "results.json")
    assert results.meta["processes"] == 2 and results.runs["resnet-8"]["finished"] is True
    assert results.histories["resnet-8"].extra["iteration"] == [8, 16]
    print(f"\ntwo torchrun launchers (--nnodes=2, gloo, localhost): {first:.0f} s + {second:.0f} s (resumed)")
