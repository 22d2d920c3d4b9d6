"""Find the course's notebooks and generate the student versions with nbgrader.

Every folder ``notebooks/<NN_name>/`` that holds notebooks is one nbgrader assignment; its
notebooks are found, never listed by hand, so a new notebook is covered by ``make release``,
``make slides`` and the grading tests as soon as it lands.

Usage (from the repository root, with the course's virtual environment)::

    python tools/course_notebooks.py list       # one "assignment/notebook.ipynb" per line
    python tools/course_notebooks.py release    # student versions into release/ (nbgrader), overwriting
    python tools/course_notebooks.py release --missing-only   # only those not there yet (make lab)
    python tools/course_notebooks.py release --into build/slides/student   # another folder
    python tools/course_notebooks.py release --lang ko --missing-only   # the Korean edition, into
                                                # release-ko/ (make lab-ko; sources built by tools/translate.py)
    python tools/course_notebooks.py check 01_residual_learning   # pre-flight check of the collected
    python tools/course_notebooks.py check 01_residual_learning --repair   # submissions, before autograde
    python tools/course_notebooks.py grade 01_residual_learning   # check --repair, then autograde each
                                                # student alone; one report names every broken one
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
            missing_only: bool = False, lang: str = "en", gradebook: Path | None = None,
            translated: Path | None = None) -> list[Path]:
    """Generate the student version of every assignment with nbgrader; return the notebooks.

    Args:
        root: the course folder (default: this repository).
        lang: ``"en"``, or a translated edition (``"ko"``): its source notebooks are built first
            by ``tools/translate.py`` into ``build/<lang>/notebooks/``, released into
            ``release-<lang>/`` with a gradebook of their own (``gradebook-<lang>.db``), so the two
            editions' stored test cells never mix.
        names: assignments to release (default: all).
        into: the folder for the student versions (default: nbgrader's ``release/``).
        missing_only: keep assignments that already have a student version (a learner may be
            working in it); otherwise they are regenerated and assignments that no longer exist
            in ``notebooks/`` are removed.
        gradebook: the gradebook nbgrader records the release in (default: the course's, or the
            edition's); the course site gives one of its own in build/, so that building it never
            touches an instructor's gradebook.
        translated: where a translated edition's source notebooks are built (default:
            ``build/<lang>/notebooks/``); the course site builds its own, so that it never writes
            a file that another process of the test suite is reading.

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
    if lang != "en":
        import translate

        base = Path(config.CourseDirectory.root)
        source_dir = translated or translate.BUILD / lang / "notebooks"
        translate.build(lang, into=source_dir)
        config.CourseDirectory.source_directory = str(source_dir)
        config.CourseDirectory.release_directory = str(base / f"release-{lang}")
        config.CourseDirectory.db_url = f"sqlite:///{base / f'gradebook-{lang}.db'}"
    if into is not None:
        config.CourseDirectory.release_directory = str(Path(into).resolve())
    if gradebook is not None:
        config.CourseDirectory.db_url = f"sqlite:///{Path(gradebook).resolve()}"
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


# --------------------------------------------------------------------------- submissions
# nbgrader's autograde trusts the structure of a submission. Measured with nbgrader 0.9.6
# (tests/test_classroom.py): a copied cell (two cells with one grade_id) makes autograde stop with
# "Outdated schema version: 0" and grade no later student of the batch; a deleted test cell
# scores 0 and stays "needs manual grading"; a changed cell type is changed back and graded; a
# cleared notebook metadata (no kernelspec) runs with the default kernel. The pre-flight check
# compares each submission with the released notebook before autograde and can repair it.

def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _kind(cell) -> str:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test" if cell.get("cell_type") == "code" else "graded"
    if meta.get("task"):
        return "task"
    return "locked"


GRADED_KEYS = ("grade", "solution", "task", "points")


def check_submission(released, submitted) -> list[str]:
    """What in ``submitted`` would make nbgrader's autograde crash or misgrade it, compared with
    the ``released`` notebook (nbformat nodes); ``[]`` when nothing."""
    from collections import Counter

    problems = []
    counts = Counter(gid for gid in map(_grade_id, submitted.cells) if gid)
    for gid, n in sorted(counts.items()):
        if n > 1:
            problems.append(f"grade_id {gid!r} is on {n} cells (a copied cell): autograde stops with "
                            "'Outdated schema version' and grades no later student of the batch")
    wanted = {gid: cell for cell in released.cells if (gid := _grade_id(cell))}
    for gid, cell in wanted.items():
        found = next((c for c in submitted.cells if _grade_id(c) == gid), None)
        if found is None:
            effect = ("autograde gives it 0 points and leaves it 'needs manual grading'"
                      if _kind(cell) in {"test", "graded"} else "autograde cannot find it")
            problems.append(f"{_kind(cell)} cell {gid!r} is missing (deleted, or its metadata cleared): {effect}")
        elif found.cell_type != cell.cell_type:
            problems.append(f"cell {gid!r} was changed from {cell.cell_type} to {found.cell_type}: "
                            "autograde changes it back")
        else:
            changed = [k for k in GRADED_KEYS
                       if found.metadata["nbgrader"].get(k) != cell.metadata["nbgrader"].get(k)]
            if changed:
                problems.append(f"the nbgrader metadata of cell {gid!r} was changed ({', '.join(changed)})")
    if submitted.metadata.get("kernelspec") != released.metadata.get("kernelspec"):
        problems.append("the notebook's metadata lost or changed its kernelspec: autograde runs the "
                        "default kernel")
    return problems


def repair_submission(released, submitted) -> list[str]:
    """Repair ``submitted`` in place after :func:`check_submission`; return what was done.

    Copies of a graded cell lose their nbgrader metadata (the first cell keeps it; the copies stay
    as ordinary cells and still run), missing graded cells are put back from the released notebook
    after the graded cell that precedes them there (a test cell's hidden tests are restored by
    autograde itself; a missing answer cell comes back as the unanswered stub), changed cell types
    are changed back and a lost kernelspec and language_info come from the released notebook.
    """
    import copy

    import nbformat

    done, seen = [], set()
    for cell in submitted.cells:
        gid = _grade_id(cell)
        if gid and gid in seen:
            del cell.metadata["nbgrader"]
            done.append(f"removed the nbgrader metadata of a copy of {gid!r}")
        elif gid:
            seen.add(gid)
    ids = {cell.get("id") for cell in submitted.cells}
    for index, cell in enumerate(released.cells):
        gid = _grade_id(cell)
        if not gid or gid in seen:
            continue
        before = [_grade_id(c) for c in released.cells[:index] if _grade_id(c) in seen]
        at = index if not before else 1 + next(
            i for i, c in enumerate(submitted.cells) if _grade_id(c) == before[-1])
        restored = copy.deepcopy(cell)
        if submitted.nbformat_minor < 5:
            restored.pop("id", None)
        elif restored.get("id") in ids or "id" not in restored:
            restored["id"] = f"restored-{gid}"[:64]
        submitted.cells.insert(min(at, len(submitted.cells)), restored)
        seen.add(gid)
        done.append(f"put back {_kind(cell)} cell {gid!r} from the released notebook")
    wanted = {gid: cell for cell in released.cells if (gid := _grade_id(cell))}
    for cell in submitted.cells:
        gid = _grade_id(cell)
        if gid in wanted and cell.cell_type != wanted[gid].cell_type:
            done.append(f"changed cell {gid!r} back from {cell.cell_type} to {wanted[gid].cell_type}")
            cell.cell_type = wanted[gid].cell_type
            if cell.cell_type == "code":
                cell.setdefault("outputs", [])
                cell.setdefault("execution_count", None)
            else:
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
    for key in ("kernelspec", "language_info"):
        if key in released.metadata and submitted.metadata.get(key) != released.metadata[key]:
            submitted.metadata[key] = copy.deepcopy(released.metadata[key])
            done.append(f"restored the notebook's {key}")
    nbformat.validate(submitted)
    return done


class PreflightReport(dict):
    """``{student: [problem or repair, ...]}`` for the students with a problem, and ``broken``:
    ``{student: [what still stands, ...]}`` for those whose submission, as it now is in
    ``submitted/``, autograde would crash on or misgrade (an empty or unreadable file, a missing
    notebook, a repair that failed, or, without ``repair``, any problem found)."""

    def __init__(self) -> None:
        super().__init__()
        self.broken: dict[str, list[str]] = {}


def preflight(assignment: str, root: Path | None = None, repair: bool = False) -> PreflightReport:
    """Check every collected submission of ``assignment`` against its released notebooks.

    Returns a :class:`PreflightReport`: ``{student: [problem or repair, ...]}`` for the students
    with a problem, and in ``.broken`` those that still cannot be graded. With ``repair``,
    problems are fixed in ``submitted/`` (see :func:`repair_submission`) and each student's
    original notebook is kept once in ``preflight_backup/<student>/<assignment>/`` under the
    course root; the lines then say what was found and what was done.
    """
    import nbformat

    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=load_config(root))
    course = Path(coursedir.root)
    released_dir = course / coursedir.release_directory / assignment
    released = sorted(released_dir.glob("*.ipynb"))
    if not released:
        raise FileNotFoundError(f"preflight(): no released notebook in {released_dir}: run "
                                f"`nbgrader generate_assignment {assignment}` first")
    report = PreflightReport()
    submitted_root = course / coursedir.submitted_directory
    for folder in sorted(submitted_root.glob(f"*/{assignment}")):
        student = folder.parent.name
        lines, broken = [], []
        for reference in released:
            path = folder / reference.name
            if not path.exists():
                lines.append(f"{reference.name} is missing from the submission (renamed or deleted?)")
                broken.append(lines[-1])
                continue
            try:
                nb = nbformat.read(path, as_version=4)
                nbformat.validate(nb)
            except Exception as error:  # noqa: BLE001 - any unreadable file is reported, not raised
                reason = str(error).strip().splitlines()[0] if str(error).strip() else "the file is empty"
                lines.append(f"{reference.name} is not a readable notebook ({type(error).__name__}: {reason}); "
                             "ask the student for the notebook again, or grade it by hand")
                broken.append(lines[-1])
                continue
            problems = check_submission(nbformat.read(reference, as_version=4), nb)
            lines += [f"{reference.name}: {p}" for p in problems]
            if problems and not repair:
                broken += [f"{reference.name}: {p}" for p in problems]
            if repair and problems:
                backup = course / "preflight_backup" / student / assignment / reference.name
                if not backup.exists():
                    backup.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, backup)
                try:
                    fixes = repair_submission(nbformat.read(reference, as_version=4), nb)
                except Exception as error:  # noqa: BLE001 - reported: grade this one by hand
                    lines.append(f"{reference.name}: could not repair ({type(error).__name__}: {error}); "
                                 "fix it by hand or grade it alone")
                    broken.append(lines[-1])
                    continue
                nbformat.write(nb, path)
                lines += [f"{reference.name}: repaired: {f}" for f in fixes]
                left = check_submission(nbformat.read(reference, as_version=4), nb)
                broken += [f"{reference.name}: still after repair: {p}" for p in left]
        if lines:
            report[student] = lines
        if broken:
            report.broken[student] = broken
    return report


def grade(assignment: str, root: Path | None = None) -> dict[str, dict]:
    """Autograde every collected submission of ``assignment``, one student at a time.

    The pre-flight check repairs what it can first (:func:`preflight` with ``repair=True``);
    a submission it cannot repair is not autograded and is named instead; each other student is
    autograded alone, so a crash on one never stops the others (nbgrader's ``autograde`` of the
    whole class stops at the first crash).

    Returns:
        ``{student: row}``, every student with a submission, each row with ``"graded"`` (bool),
        ``"score"`` and ``"max_score"`` (None when not graded), ``"needs_manual_grade"`` (nbgrader's
        flag: written answers always need it), ``"ungraded_tests"`` (test cells without an automatic
        score: lost from the submission; the column ``nbgrader export`` adds, nbgrader_config.py) and
        ``"problems"``: what the pre-flight check found and did, what stops grading, or the last line
        of autograde's error.
    """
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(root)
    coursedir = CourseDirectory(config=config)
    ungraded_tests = config.ExportApp.plugin_class.ungraded_tests  # nbgrader_config.py's FlaggedCsvExport
    checked = preflight(assignment, root, repair=True)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    students = sorted(p.parent.name for p in (Path(coursedir.root) / coursedir.submitted_directory).glob(
        f"*/{assignment}"))
    rows: dict[str, dict] = {}
    not_graded: set[str] = set()
    for student in students:
        row = {"graded": False, "score": None, "max_score": None, "needs_manual_grade": False,
               "ungraded_tests": [], "problems": list(checked.get(student, []))}
        rows[student] = row
        if student in checked.broken:
            row["problems"].append("not autograded: the pre-flight check could not repair it (above)")
            not_graded.add(student)
            continue
        result = api.autograde(assignment, student, force=True, create=True)
        if not result["success"]:
            not_graded.add(student)
            error = [line for line in (result.get("error") or "").splitlines() if line.strip()]
            row["problems"].append("autograde failed: " + (error[-1] if error else "no error text; see its log"))
    with Gradebook(coursedir.db_url) as gradebook:
        for student, row in rows.items():
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                continue
            if student not in not_graded:
                row.update(graded=True, score=submission.score, max_score=submission.max_score,
                           needs_manual_grade=bool(submission.needs_manual_grade),
                           ungraded_tests=ungraded_tests(gradebook, submission))
            if row["ungraded_tests"]:
                row["problems"].append(f"test cells without an automatic score (0 until graded by hand): "
                                       f"{', '.join(row['ungraded_tests'])}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["list", "release", "check", "grade"])
    parser.add_argument("assignment", nargs="?", help="check, grade: the assignment whose submissions to check "
                                                      "or grade")
    parser.add_argument("--repair", action="store_true",
                        help="check: repair what can be repaired in submitted/ (originals kept in preflight_backup/)")
    parser.add_argument("--course", type=Path, help="check, grade: the course folder, if not this repository "
                                                    "(its nbgrader_config.py is this one's)")
    parser.add_argument("--into", type=Path, help="folder for the student versions (default: release/)")
    parser.add_argument("--lang", default="en", help="release: the edition, en (default) or ko")
    parser.add_argument("--missing-only", action="store_true",
                        help="do not regenerate assignments that already have a student version")
    args = parser.parse_args(argv)
    if args.command == "list":
        for nb in discover():
            print(nb.path.relative_to(SOURCE))
    elif args.command == "check":
        if not args.assignment:
            parser.error("check needs the assignment, e.g. `check 01_residual_learning`")
        try:
            report = preflight(args.assignment, root=args.course, repair=args.repair)
        except FileNotFoundError as error:
            print(error, file=sys.stderr)
            return 2
        for student, lines in report.items():
            print(f"{student}:")
            for line in lines:
                print(f"  {line}")
        print(f"{len(report)} submission(s) of {args.assignment} with problems" if report
              else f"every submission of {args.assignment} matches its released notebook")
        if args.repair and report.broken:
            print(f"{len(report.broken)} of them could not be repaired: {', '.join(report.broken)}")
        return 1 if report.broken else 0
    elif args.command == "grade":
        if not args.assignment:
            parser.error("grade needs the assignment, e.g. `grade 01_residual_learning`")
        try:
            rows = grade(args.assignment, root=args.course)
        except FileNotFoundError as error:
            print(error, file=sys.stderr)
            return 2
        for student, row in rows.items():
            score = f"{row['score']:g} / {row['max_score']:g}" if row["graded"] else "NOT GRADED"
            print(f"{student}: {score}")
            for line in row["problems"]:
                print(f"  {line}")
        bad = [s for s, row in rows.items() if not row["graded"] or row["ungraded_tests"]]
        print(f"{len(rows) - len(bad)} of {len(rows)} submission(s) of {args.assignment} graded automatically"
              + (f"; to look at: {', '.join(bad)}" if bad else ""))
        return 1 if bad else 0
    else:
        for path in release(into=args.into, missing_only=args.missing_only, lang=args.lang):
            print("student version:", os.path.relpath(path, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
