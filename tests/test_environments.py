"""pyproject.toml, environment.yml and binder/environment.yml name the same packages, and
Binder's postBuild makes the student notebooks and hides the instructor tools.

Runtime dependencies must match in all three; the root environment.yml (contributors) also
has the `test` extra and installs the package with pip; Binder's has no test tools and no
local install (repo2docker installs it before the repository is copied in: postBuild does it).
Conda names that differ from PyPI's are mapped explicitly below.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import tomllib
from testkit import NOTEBOOKS, REPORTS, ROOT, stop_server

# conda-forge name -> PyPI name, where they differ (matplotlib-base: matplotlib without Qt).
CONDA_TO_PYPI = {"pytorch": "torch", "matplotlib-base": "matplotlib"}
NOT_PACKAGES = {"python", "pip"}
CPU_ONLY = {"pytorch", "torchvision"}
REPORT = REPORTS.setdefault("binder environment", {})


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _split(spec: str) -> tuple[str, str]:
    """'numpy>=1.24' / 'pytorch >=2.2 cpu*' / 'mnist1d>=0.0.2' -> (name, rest)."""
    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\s*(.*)$", spec)
    if not match:
        raise ValueError(f"cannot read the package spec {spec!r}")
    return match[1], match[2].strip()


def _lower_bound(rest: str) -> str | None:
    found = re.search(r">=\s*([0-9][^,\s;]*)", rest)
    return found[1] if found else None


def pyproject_packages() -> tuple[dict[str, str | None], dict[str, str | None]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def read(specs):
        return {_norm(_split(s)[0]): _lower_bound(_split(s)[1]) for s in specs}

    return read(project["dependencies"]), read(project["optional-dependencies"]["test"])


def environment_packages(path: Path) -> tuple[dict[str, str | None], list[str], dict]:
    """(PyPI name -> lower bound, pip lines that are not packages, the parsed file)."""
    env = yaml.safe_load(path.read_text())
    packages, local = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for line in dep.get("pip", []):
                if line.startswith("-"):
                    local.append(line)
                    continue
                name, rest = _split(line)
                packages[_norm(name)] = _lower_bound(rest)
            continue
        name, rest = _split(str(dep))
        if name in NOT_PACKAGES:
            continue
        packages[_norm(CONDA_TO_PYPI.get(name, name))] = _lower_bound(rest)
    return packages, local, env


def compare(expected: dict, found: dict, where: str) -> list[str]:
    problems = [f"{where} lacks {name}" for name in sorted(set(expected) - set(found))]
    problems += [f"{where} has {name}, which pyproject.toml does not" for name in sorted(set(found) - set(expected))]
    problems += [f"{where}: {name}>={found[name]} but pyproject.toml says >={expected[name]}"
                 for name in sorted(set(expected) & set(found)) if expected[name] != found[name]]
    return problems


def test_binder_environment_matches_pyproject():
    runtime, _ = pyproject_packages()
    found, local, env = environment_packages(ROOT / "binder" / "environment.yml")
    assert not compare(runtime, found, "binder/environment.yml"), compare(runtime, found, "binder/environment.yml")
    assert not local, f"binder/environment.yml installs {local}: repo2docker has no repository yet; use postBuild"
    REPORT["packages"] = ", ".join(str(d) if not isinstance(d, dict) else "pip: " + ", ".join(d["pip"])
                                   for d in env["dependencies"])


def test_root_environment_matches_pyproject():
    runtime, test = pyproject_packages()
    found, local, _ = environment_packages(ROOT / "environment.yml")
    problems = compare({**runtime, **test}, found, "environment.yml")
    assert not problems, problems
    assert "-e ." in local or "." in local, "environment.yml must install the course package with pip (-e .)"


@pytest.mark.parametrize("path", ["environment.yml", "binder/environment.yml"])
def test_conda_forge_cpu_pytorch(path):
    env = yaml.safe_load((ROOT / path).read_text())
    assert env["channels"][0] == "conda-forge" and "pytorch" not in env["channels"] and (
        "defaults" not in env["channels"]), f"{path}: use conda-forge only (the pytorch channel is deprecated)"
    specs = {_split(str(d))[0]: _split(str(d))[1] for d in env["dependencies"] if not isinstance(d, dict)}
    for name in CPU_ONLY:
        assert re.search(r"\scpu\*$", " " + specs[name]), f"{path}: {name} must be a CPU build ('{name} >=X cpu*')"
    assert any(str(d).startswith("python") for d in env["dependencies"])


def test_comparison_can_fail():
    """Negative control: a missing package, an extra one and a different bound are all found."""
    runtime, _ = pyproject_packages()
    changed = dict(runtime)
    changed.pop("nbgrader")
    changed["requests"] = None
    changed["numpy"] = "0.1"
    problems = compare(runtime, changed, "x")
    assert any("lacks nbgrader" in p for p in problems)
    assert any("has requests" in p for p in problems)
    assert any("numpy>=0.1" in p for p in problems)


def test_widget_extension_is_installed_with_ipywidgets():
    """JupyterLab's widget extension ships in jupyterlab_widgets, which ipywidgets 8 requires:
    listing ipywidgets is enough, in pip and in conda-forge alike."""
    from importlib.metadata import requires

    assert any(r.startswith("jupyterlab_widgets") or r.startswith("jupyterlab-widgets")
               for r in requires("ipywidgets") or [])


def test_binder_postbuild_makes_student_notebooks_and_hides_instructor_tools(tmp_path):
    """Run binder/postBuild in a copy of the repository (no pip install: the package is already
    in this environment) with a throw-away Jupyter config folder, then ask Jupyter what a
    learner gets."""
    repo = tmp_path / "repo"
    for part in ("binder", "tools", "notebooks", "i18n", "nbgrader_config.py"):
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, repo / part, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            repo.mkdir(exist_ok=True)
            shutil.copy(src, repo / part)
    config = tmp_path / "jupyter-config"
    env = dict(os.environ, COURSE_SKIP_INSTALL="1", JUPYTER_CONFIG_DIR=str(config),
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    done = subprocess.run(["bash", "binder/postBuild"], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"postBuild failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    for nb in NOTEBOOKS:
        student = repo / "release" / nb.assignment / nb.path.name
        assert student.exists(), f"postBuild did not make the student version {student.relative_to(repo)}"
        assert "BEGIN SOLUTION" not in student.read_text()
        korean = repo / "release-ko" / nb.assignment / nb.path.name
        assert korean.exists(), f"postBuild did not make the Korean student version {korean.relative_to(repo)}"
        assert "BEGIN SOLUTION" not in korean.read_text() and 'set_language(\\"ko\\")' in korean.read_text()

    def jupyter(*args):
        out = subprocess.run([sys.executable, "-m", "jupyter", *args], env=env, capture_output=True, text=True,
                             timeout=120)
        return re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)

    labs = jupyter("labextension", "list")
    disabled = labs.split("Disabled extensions:")[-1] if "Disabled extensions:" in labs else ""
    for plugin in ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"):
        assert plugin in disabled, f"{plugin} is not disabled for learners:\n{labs}"
    assert re.search(r"@jupyter-widgets/jupyterlab-manager v\S+ enabled\s+OK", labs), f"widgets off?\n{labs}"
    assert "@jupyter-widgets/jupyterlab-manager" not in disabled
    # What the server really loads: the formgrader's page is gone for the learner (404) and
    # there without the learner settings (negative control).
    assert _formgrader_status(env) == 404, "the formgrader still answers with the learner settings"
    plain = dict(env, JUPYTER_CONFIG_DIR=str(tmp_path / "plain-config"))
    assert _formgrader_status(plain) != 404, "control: without learner settings the formgrader should answer"
    REPORT["postBuild"] = (f"student notebooks for {len(NOTEBOOKS)} notebooks, in English and Korean; lab plugins disabled: "
                           f"{', '.join(sorted(set(re.findall(r'@jupyter/nbgrader:[a-z-]+', disabled))))}; "
                           "server extensions off: formgrader, course_list, assignment_list")


def _formgrader_status(env: dict) -> int:
    """Start a Jupyter server with ``env``'s config; return the HTTP status of /formgrader."""
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
                               f"--port={port}", "--allow-root", "--IdentityProvider.token=",
                               f"--ServerApp.root_dir={ROOT / 'notebooks'}"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the Jupyter server did not start") from None
                time.sleep(0.5)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/formgrader", timeout=30) as page:
                return page.status
        except urllib.error.HTTPError as error:
            return error.code
    finally:
        stop_server(server)


@pytest.mark.skipif(not Path("/usr/bin/python3.11").exists(), reason="needs Debian 12's python3.11")
def test_ci_refuses_an_oldest_python_that_is_not_old(tmp_path):
    """.ci/run's second step proves the floor only on a 3.11 before 3.11.4: any other interpreter is
    refused with a message naming it. The tools .ci/run looks for and `make` are stubs here."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for tool in ("chromium", "npm", "ip", "unshare", "make"):
        (stubs / tool).write_text(f"#!/bin/sh\necho {tool} \"$@\" >> {tmp_path}/calls\n")
        (stubs / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}"}

    def ci(oldest: str) -> subprocess.CompletedProcess:
        (tmp_path / "calls").write_text("")
        return subprocess.run([str(ROOT / ".ci" / "run")], env={**env, "OLDEST_PYTHON": oldest},
                              capture_output=True, text=True, timeout=60)

    newer = ci(sys.executable) if sys.version_info[:3] >= (3, 11, 4) else None
    if newer is not None:
        assert newer.returncode == 1 and "not a 3.11 older than 3.11.4" in newer.stdout, newer.stdout
        assert "check" not in (tmp_path / "calls").read_text()
    oldest = ci("/usr/bin/python3.11")
    assert oldest.returncode == 0, oldest.stdout + oldest.stderr
    assert "make -k check VENV=.venv-oldest PYTHON=/usr/bin/python3.11" in (tmp_path / "calls").read_text()
