"""The package works without an editable install: a wheel carries the course's data files.

The repository's top-level ``assets/`` folder is shipped inside the package as
``course_utils.assets`` (``pyproject.toml``) and read with ``importlib.resources``. Here the
wheel is built, installed with ``pip install --target`` (no ``-e``) into a temporary folder, and a
fresh interpreter, started outside the repository, imports every module, loads each stored sweep
(checked against its recipe) and finds the figures.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import importlib, pkgutil, sys
from pathlib import Path
import course_utils
from course_utils import experiments
from course_utils.resources import asset_path, list_assets

site = Path(sys.argv[1]).resolve()
assert Path(course_utils.__file__).resolve().is_relative_to(site), course_utils.__file__
for module in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
    importlib.import_module(module.name)
for specs in experiments.TOPICS.values():
    for spec in specs.values():
        sweep = experiments.load_sweep(spec)
        assert asset_path(spec.file).resolve().is_relative_to(site)
        print(spec.topic, spec.name, len(sweep.runs), "runs")
svg = asset_path("residual_block.svg")
assert svg.resolve().is_relative_to(site) and svg.read_text().lstrip().startswith("<")
print("assets:", ", ".join(list_assets()))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "--quiet", "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (path,) = out.glob("course_utils-*.whl")
    return path


def test_the_wheel_carries_the_assets(wheel) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("course_utils/assets/residual_depth_sweep.json", "course_utils/assets/residual_long_run.json",
                   "course_utils/assets/residual_block.svg", "course_utils/widgets/residual.py",
                   "course_utils/experiments/sweep.py"):
        assert needed in names, f"{needed} is missing from the wheel"
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "assets/"))], "only the package ships"
    packages = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "course_utils").rglob("__init__.py"))
    missing = [p for p in packages if p not in names]
    assert not missing, f"add these packages to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_an_installed_wheel_finds_its_sweeps_and_figures(wheel, tmp_path) -> None:
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site),
                           str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", CHECK, str(site)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "residual depth 10 runs" in done.stdout and "residual long 4 runs" in done.stdout
