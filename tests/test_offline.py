"""tools/offline.sh, which `make test` uses to execute every notebook with the network cut.

The notebooks themselves are executed offline by the nbval step of `make test`
(``tools/offline.sh pytest --nbval-lax … notebooks``); these tests check the wrapper: inside,
only the loopback exists (no route out) and loopback works; without the means to cut the
network it warns loudly, and refuses in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from testkit import ROOT, require_tool

OFFLINE = ROOT / "tools" / "offline.sh"


def _run(args, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in {"CI", "OFFLINE"}}
    environ.update(env)
    return subprocess.run([str(OFFLINE), *args], capture_output=True, text=True, env=environ, timeout=60)


def can_cut_network() -> bool:
    """offline.sh's own test: `unshare` and `ip` exist and a namespace with loopback up can be made."""
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    return any(subprocess.run(["unshare", flags, "ip", "link", "set", "lo", "up"], capture_output=True).returncode == 0
               for flags in ("-n", "-rn"))


def test_network_is_cut_and_loopback_works():
    problem = None if can_cut_network() else ("no network namespace can be made here (needs root or user "
                                              "namespaces, `unshare` and `ip`); the offline proof would not be real")
    require_tool(problem, "the network-cut test of tools/offline.sh")
    probe = ("import socket, subprocess;"
             "links = subprocess.run(['ip', '-o', 'link', 'show'], capture_output=True, text=True).stdout;"
             "routes = subprocess.run(['ip', 'route', 'show'], capture_output=True, text=True).stdout;"
             "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen();"
             "socket.create_connection(s.getsockname(), timeout=5).close();"
             "print('LINKS', [l.split(': ')[1] for l in links.splitlines()], 'ROUTES', repr(routes.strip()))")
    done = _run([sys.executable, "-c", probe])
    assert done.returncode == 0, done.stderr
    assert "network cut" in done.stdout
    assert "LINKS ['lo'] ROUTES ''" in done.stdout, done.stdout


def test_exit_status_is_passed_through():
    done = _run(["sh", "-c", "exit 7"])
    assert done.returncode == 7, (done.returncode, done.stderr)


@pytest.fixture
def no_unshare(tmp_path) -> str:
    """A PATH whose `unshare` always fails, as on a machine without namespaces."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "unshare").write_text("#!/bin/sh\nexit 1\n")
    (fake / "unshare").chmod(0o755)
    return f"{fake}{os.pathsep}{os.environ['PATH']}"


def test_without_namespaces_it_warns_and_runs(no_unshare):
    done = _run(["sh", "-c", "echo ran"], PATH=no_unshare)
    assert done.returncode == 0 and "ran" in done.stdout
    assert "WARNING" in done.stderr and "does NOT prove" in done.stderr


@pytest.mark.parametrize("env", [{"CI": "true"}, {"OFFLINE": "required"}])
def test_without_namespaces_ci_refuses(no_unshare, env):
    done = _run(["sh", "-c", "echo ran"], PATH=no_unshare, **env)
    assert done.returncode == 1 and "ran" not in done.stdout
    assert "ERROR" in done.stderr


def test_make_test_runs_the_notebooks_offline():
    """The Makefile's notebook step goes through offline.sh (so the nbval run IS the offline run)."""
    makefile = (ROOT / "Makefile").read_text()
    assert "tools/offline.sh" in makefile and "--nbval-lax" in makefile
    line = next(line for line in makefile.splitlines() if "--nbval-lax" in line)
    assert "$(OFFLINE)" in line or "offline.sh" in line, line
    assert Path(OFFLINE).stat().st_mode & 0o111, "tools/offline.sh must be executable"
