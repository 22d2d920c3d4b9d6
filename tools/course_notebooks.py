"""Find the course's notebooks and generate the student versions with nbgrader.

Every folder ``notebooks/<NN_name>/`` that holds notebooks is one nbgrader assignment; its
notebooks are found, never listed by hand, so a new notebook is covered by ``make release``,
``make slides`` and the grading tests as soon as it lands.

Usage (from the repository root, with the course's virtual environment)::

    python tools/course_notebooks.py list       # one "assignment/notebook.ipynb" per line
    python tools/course_notebooks.py release    # student versions into release/ (nbgrader), overwriting
    python tools/course_notebooks.py release --missing-only   # only those not there yet (make lab)
    python tools/course_notebooks.py release --into build/slides/student   # another folder
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "notebooks"
CONFIG_FILE = ROOT / "nbgrader_config.py"


@dataclass(frozen=True)
class CourseNotebook:
    """One notebook of the course: ``notebooks/<assignment>/<name>.ipynb``."""

    assignment: str
    path: Path

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def id(self) -> str:
        """Short id for test names: the notebook's stem (unique across the course)."""
        return self.path.stem


def _is_assignment_dir(path: Path) -> bool:
    return path.is_dir() and not path.name.startswith((".", "_")) and path.name[:1].isdigit()


def discover(source: Path = SOURCE) -> list[CourseNotebook]:
    """All course notebooks, sorted: every ``*.ipynb`` directly inside ``source/<NN_name>/``.

    Raises:
        FileNotFoundError: when ``source`` holds no notebook at all (a wrong folder, most likely).
    """
    found = [
        CourseNotebook(folder.name, nb)
        for folder in sorted(p for p in source.iterdir() if _is_assignment_dir(p))
        for nb in sorted(folder.glob("*.ipynb"))
    ]
    if not found:
        raise FileNotFoundError(
            f"discover(): no notebooks found as {source}/<NN_name>/<NN_name>.ipynb; "
            "the course's notebooks live in notebooks/ at the repository root."
        )
    return found


def assignments(source: Path = SOURCE) -> list[str]:
    """The nbgrader assignment names (notebook folders), sorted."""
    return sorted({nb.assignment for nb in discover(source)})


def load_config(root: Path | None = None):
    """The course's nbgrader configuration, optionally for another course root (tests)."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    if root is not None:
        root = Path(root).resolve()
        config.CourseDirectory.root = str(root)
        config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    return config


def release(root: Path | None = None, names: list[str] | None = None, into: Path | None = None,
            missing_only: bool = False) -> list[Path]:
    """Generate the student version of every assignment with nbgrader; return the notebooks.

    Args:
        root: the course folder (default: this repository).
        names: assignments to release (default: all).
        into: the folder for the student versions (default: nbgrader's ``release/``).
        missing_only: keep assignments that already have a student version (a learner may be
            working in it); otherwise they are regenerated and assignments that no longer exist
            in ``notebooks/`` are removed.

    Raises:
        RuntimeError: when nbgrader fails for an assignment; the message holds nbgrader's log.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    # nbgrader starts `alembic` from PATH to create the gradebook: use this interpreter's.
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    config = load_config(root)
    if into is not None:
        config.CourseDirectory.release_directory = str(Path(into).resolve())
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    source = Path(coursedir.root) / coursedir.source_directory
    existing = assignments(source)
    names = names or existing
    out = Path(coursedir.root) / coursedir.release_directory
    if out.is_dir() and not missing_only:
        for stale in out.iterdir():
            if stale.is_dir() and stale.name not in existing:
                shutil.rmtree(stale)
    notebooks = []
    for name in names:
        if missing_only and (out / name).is_dir():
            print(f"kept: {(out / name)} (delete it for a fresh student version)")
            notebooks += sorted((out / name).glob("*.ipynb"))
            continue
        result = api.generate_assignment(name, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{result['log']}\n{result.get('error', '')}")
        notebooks += sorted((out / name).glob("*.ipynb"))
    return notebooks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["list", "release"])
    parser.add_argument("--into", type=Path, help="folder for the student versions (default: release/)")
    parser.add_argument("--missing-only", action="store_true",
                        help="do not regenerate assignments that already have a student version")
    args = parser.parse_args(argv)
    if args.command == "list":
        for nb in discover():
            print(nb.path.relative_to(SOURCE))
    else:
        for path in release(into=args.into, missing_only=args.missing_only):
            print("student version:", os.path.relpath(path, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
