"""The nbgrader workflow, end to end, for every course notebook.

One throw-away course folder per test session (a copy of ``notebooks/`` and of the course's
``nbgrader_config.py``) is released with nbgrader; then two submissions per notebook (and a third for one notebook) are
autograded through nbgrader's Python API and read back from the gradebook (``nbgrader
validate`` exits 0 even when tests fail, so its exit code proves nothing):

``solution``
    the student version with the instructor's solutions filled in: full marks for code.
``unsolved``
    the student version as released, with every test cell also edited to ``pass`` (a student
    trying to pass). nbgrader overwrites locked test cells with the originals from the
    gradebook, so this is graded exactly like the untouched release: it checks both that an
    unsolved notebook scores 0 without crashing and that edited tests are not trusted.
``loop``
    the solutions with an infinite loop at the top of the first answer cell, graded with a
    short cell timeout: the loop is interrupted, that exercise scores 0 and the cells after it
    still run and are graded. The cell timeout is the course's nbgrader setting, the same for
    every notebook, so one notebook (the one with the most grades after its first answer) proves it.

Each notebook's autograde runs once per submission (lazily, on the first test that needs it),
so ``-k 00_welcome`` grades only that notebook. One notebook per assignment folder is assumed
(the course's layout); results per notebook are printed at the end and kept in
build/grading_results.json.
"""

from __future__ import annotations

import copy
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import course_notebooks
import nbformat
import pytest
from testkit import NOTEBOOKS, REPORTS, notebook_params

# Per-cell timeout of the infinite-loop case only; normal grading uses nbgrader_config.py's.
LOOP_TIMEOUT_S = 20
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
LOOP_CODE = "while True:  # an answer that never finishes\n    pass\n"

REPORT = REPORTS.setdefault("grading results", {})


# --------------------------------------------------------------------------- notebook anatomy
def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def is_answer_cell(cell) -> bool:
    return _nbgrader(cell).get("solution", False)


def is_test_cell(cell) -> bool:
    """An autograded test cell: graded code that is not itself an answer."""
    meta = _nbgrader(cell)
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def split_regions(source: str) -> tuple[list[str], list[str]]:
    """(secret, visible) lines of a cell: secret ones lie strictly inside ``### BEGIN SOLUTION``
    … ``### END SOLUTION`` or ``### BEGIN HIDDEN TESTS`` … ``### END HIDDEN TESTS``."""
    secret, visible, inside = [], [], False
    for line in source.splitlines():
        if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
            inside = False
        else:
            (secret if inside else visible).append(line)
    return secret, visible


def secret_lines(nb) -> set[str]:
    """Solution and hidden-test lines of a source notebook that appear nowhere else in it.

    Lines that also appear outside those regions (a blank line, ``return x``, an assert that
    the visible tests share with the hidden ones) are not secrets and would make the leak
    check meaningless.
    """
    secret, public = set(), set()
    for cell in nb.cells:
        hidden, visible = split_regions(cell.source)
        if cell.cell_type == "markdown" and is_answer_cell(cell) and "BEGIN SOLUTION" not in cell.source:
            hidden, visible = cell.source.splitlines(), []  # a whole-cell written answer
        secret.update(line.strip() for line in hidden)
        public.update(line.strip() for line in visible)
    return {line for line in secret - public if len(line) >= 4 and not line.startswith("#")}


def leaks(path: Path, secrets: set[str]) -> list[str]:
    """Problems found in one released file: nbgrader markers, secret lines (compared as whole,
    stripped lines), stored outputs."""
    text = path.read_text(errors="replace")
    found = [f"{path.name}: marker '### {m}'" for m in MARKERS if m in text]
    if path.suffix == ".ipynb":
        nb = nbformat.reads(text, as_version=4)
        lines = {line.strip() for cell in nb.cells for line in cell.source.splitlines()}
        found += [f"{path.name}: cell {i} keeps outputs" for i, cell in enumerate(nb.cells)
                  if cell.cell_type == "code" and cell.outputs]
    else:
        lines = {line.strip() for line in text.splitlines()}
    found += [f"{path.name}: secret line {line!r}" for line in sorted(secrets & lines)]
    return found


def strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not any(m in line for m in MARKERS[:2]))


# --------------------------------------------------------------------------- the course folder
@dataclass
class Course:
    root: Path
    config: object
    graded: dict = field(default_factory=dict)

    def release_dir(self, assignment: str) -> Path:
        return self.root / "release" / assignment

    def submit(self, student: str, assignment: str, name: str, nb) -> None:
        folder = self.root / "submitted" / student / assignment
        if not folder.exists():  # the other files of the assignment (data, images) come along
            shutil.copytree(self.release_dir(assignment), folder,
                            ignore=shutil.ignore_patterns("*.ipynb"))
        nbformat.write(nb, folder / f"{name}.ipynb")

    def autograde(self, assignment: str, student: str, **execute) -> dict:
        """Run nbgrader autograde for one submission; return the gradebook's view of it."""
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        config = copy.deepcopy(self.config)
        for key, value in execute.items():
            setattr(config.Execute, key, value)
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        start = time.perf_counter()
        result = api.autograde(assignment, student, force=True, create=True)
        seconds = time.perf_counter() - start
        if not result["success"]:
            raise AssertionError(
                f"nbgrader autograde {assignment} for '{student}' crashed after {seconds:.0f} s:\n"
                f"{result.get('error', '')}\n{result['log'][-4000:]}")
        return {"seconds": seconds, "log": result["log"]}

    def scores(self, assignment: str, student: str, notebook: str) -> dict:
        from nbgrader.api import Gradebook

        with Gradebook(self.config.CourseDirectory.db_url) as gb:
            sub = gb.find_submission_notebook(notebook, assignment, student)
            return {
                "score": sub.score, "max_score": sub.max_score,
                "code_score": sub.code_score, "max_code_score": sub.max_code_score,
                "grades": {g.name: dict(g.to_dict(), score=g.score) for g in sub.grades},
            }

    def autograded(self, assignment: str, student: str, notebook: str):
        return nbformat.read(self.root / "autograded" / student / assignment / f"{notebook}.ipynb", 4)


@pytest.fixture(scope="session")
def course(course_root) -> Course:
    """The released copy of the course (conftest.course_root), set up for grading."""
    config = course_notebooks.load_config(course_root)
    (course_root / "exchange").mkdir(exist_ok=True)  # unused; an existing writable one keeps the log quiet
    config.Exchange.root = str(course_root / "exchange")
    return Course(root=course_root, config=config)


def _source(notebook) -> nbformat.NotebookNode:
    return nbformat.read(notebook.path, as_version=4)


def _released(course: Course, notebook) -> nbformat.NotebookNode:
    path = course.release_dir(notebook.assignment) / notebook.path.name
    assert path.exists(), f"nbgrader did not release {notebook.path.name}: expected {path}"
    return nbformat.read(path, as_version=4)


def _exercises(notebook) -> tuple[list, list]:
    source = _source(notebook)
    return [c for c in source.cells if is_answer_cell(c)], [c for c in source.cells if is_test_cell(c)]


def _require_exercises(notebook) -> None:
    answers, tests = _exercises(notebook)
    if not tests:
        REPORT.setdefault(notebook.id, {})["exercises"] = "none (no autograded test cell)"
        pytest.skip(f"{notebook.path.name} has no autograded test cell: nothing to grade")


def _solved(course: Course, notebook) -> nbformat.NotebookNode:
    """The student version with the instructor's answers filled in (what a perfect student hands in)."""
    answers = {_nbgrader(c)["grade_id"]: c.source for c in _source(notebook).cells if is_answer_cell(c)}
    nb = _released(course, notebook)
    for cell in nb.cells:
        if is_answer_cell(cell):
            cell.source = strip_markers(answers[_nbgrader(cell)["grade_id"]])
    return nb


def _graded(course: Course, notebook, student: str) -> dict:
    """Build, submit and autograde one kind of submission of a notebook (once per session)."""
    key = (notebook.id, student)
    if key in course.graded:
        return course.graded[key]
    execute = {}
    if student == "solution":
        nb = _solved(course, notebook)
    elif student == "unsolved":
        nb = _released(course, notebook)
        for cell in nb.cells:
            if is_test_cell(cell):
                cell.source = "pass  # the student replaced the tests"
    elif student == "loop":
        nb = _solved(course, notebook)
        first = next((c for c in nb.cells if is_answer_cell(c) and c.cell_type == "code"), None)
        if first is None:
            pytest.skip(f"{notebook.path.name} has no code answer cell to put a loop in")
        first.source = LOOP_CODE + first.source
        execute = {"timeout": LOOP_TIMEOUT_S, "interrupt_on_timeout": True}
    else:
        raise ValueError(f"_graded(): student must be solution, unsolved or loop; got {student!r}")
    course.submit(student, notebook.assignment, notebook.name, nb)
    run = course.autograde(notebook.assignment, student, **execute)
    run.update(course.scores(notebook.assignment, student, notebook.name))
    run["notebook"] = course.autograded(notebook.assignment, student, notebook.name)
    course.graded[key] = run
    REPORT.setdefault(notebook.id, {})[student] = (
        f"{run['code_score']:g}/{run['max_code_score']:g} code points "
        f"(total {run['score']:g}/{run['max_score']:g}), autograde {run['seconds']:.0f} s")
    return run


# --------------------------------------------------------------------------- release
def test_leak_check_can_fail():
    """Negative control: the leak check finds the solutions in a source notebook."""
    notebook = next((nb for nb in course_notebooks.discover() if _exercises(nb)[1]), None)
    if notebook is None:
        pytest.skip("no notebook has exercises yet")
    source = _source(notebook)
    assert secret_lines(source), f"{notebook.path.name}: found no solution lines to look for"
    assert leaks(notebook.path, secret_lines(source)), "the leak check missed the source's own solutions"


@notebook_params()
def test_release_has_no_solutions_or_hidden_tests(course, notebook):
    released = _released(course, notebook)
    secrets = secret_lines(_source(notebook))
    problems = [p for f in sorted(course.release_dir(notebook.assignment).rglob("*")) if f.is_file()
                for p in leaks(f, secrets)]
    assert not problems, (f"the student version of {notebook.path.name} gives away answers or tests: "
                          + "; ".join(problems[:10]))
    # Every exercise is still there, as a stub, and every test cell is locked.
    answers, tests = _exercises(notebook)
    released_answers = [c for c in released.cells if is_answer_cell(c)]
    assert len(released_answers) == len(answers), "the release lost or gained answer cells"
    for cell in released_answers:
        if cell.cell_type == "code":
            assert "raise NotImplementedError()" in cell.source, f"answer cell {_nbgrader(cell)['grade_id']} has no stub"
    assert all(_nbgrader(c).get("locked") for c in released.cells if is_test_cell(c)), "a test cell is not locked"
    # The release keeps the slide metadata that the decks are made from.
    slide_types = [c.metadata.get("slideshow", {}).get("slide_type") for c in _source(notebook).cells]
    assert slide_types == [c.metadata.get("slideshow", {}).get("slide_type") for c in released.cells]


# --------------------------------------------------------------------------- autograding
@notebook_params()
def test_solutions_get_full_marks(course, notebook):
    _require_exercises(notebook)
    run = _graded(course, notebook, "solution")
    assert run["max_code_score"] > 0, f"{notebook.path.name}: the gradebook has no points for code"
    lost = {name: f"{g['score']}/{g['max_score']}" for name, g in run["grades"].items()
            if g["cell_type"] == "code" and g["score"] != g["max_score"]}
    assert not lost and run["code_score"] == run["max_code_score"], (
        f"the instructor's solutions of {notebook.path.name} lose points in {lost}; errors in the "
        f"autograded notebook:\n{_errors(run['notebook'])}")


@notebook_params()
def test_unsolved_release_scores_zero(course, notebook):
    _require_exercises(notebook)
    run = _graded(course, notebook, "unsolved")
    earned = {name: g["score"] for name, g in run["grades"].items() if g["cell_type"] == "code" and g["score"]}
    assert run["code_score"] == 0 and not earned, (
        f"the unsolved student version of {notebook.path.name} earns points in {earned}: those "
        "tests pass without an answer (test the answer, not something the notebook gives)")


@notebook_params()
def test_edited_test_cells_are_graded_with_the_originals(course, notebook):
    _require_exercises(notebook)
    run = _graded(course, notebook, "unsolved")
    originals = {_nbgrader(c)["grade_id"]: c.source for c in _source(notebook).cells if is_test_cell(c)}
    graded = {_nbgrader(c)["grade_id"]: c.source for c in run["notebook"].cells if is_test_cell(c)}
    assert graded == originals, "autograde ran the student's edited test cells instead of the originals"
    assert any("BEGIN HIDDEN TESTS" in src for src in graded.values()) or not any(
        "BEGIN HIDDEN TESTS" in src for src in originals.values()), "the hidden tests were not restored"
    assert run["code_score"] == 0, "edited tests ('pass') earned points"


def _loop_notebook():
    """The notebook that gets an endless answer: the one with the most test cells after its first code answer.

    Stopping a cell at its timeout and grading the rest is the course's nbgrader setting
    (``nbgrader_config.py``), the same for every notebook, so one notebook proves it; this one has
    the most grades to lose.
    """
    def after_first_answer(notebook) -> int:
        cells = _source(notebook).cells
        first = next((i for i, c in enumerate(cells) if is_answer_cell(c) and c.cell_type == "code"), None)
        return -1 if first is None else sum(is_test_cell(c) for c in cells[first:])
    return max(NOTEBOOKS, key=after_first_answer)


@pytest.mark.parametrize("notebook", [_loop_notebook()], ids=lambda nb: nb.id)
def test_infinite_loop_is_stopped_and_the_rest_is_graded(course, notebook):
    _require_exercises(notebook)
    run = _graded(course, notebook, "loop")
    cells = run["notebook"].cells
    looped = next(i for i, c in enumerate(cells) if c.source.startswith(LOOP_CODE))
    errors = [o for o in cells[looped].outputs if o.output_type == "error"]
    assert errors, f"the looping answer cell of {notebook.path.name} has no error: was it stopped?"
    assert errors[0].ename in {"KeyboardInterrupt", "CellTimeoutError"}, errors[0].ename
    later = [i for i, c in enumerate(cells) if i > looped and c.cell_type == "code"]
    not_run = [i for i in later if cells[i].execution_count is None]
    assert not not_run, f"cells {not_run} after the loop were not executed"
    first_test = next((_nbgrader(cells[i])["grade_id"] for i in later if is_test_cell(cells[i])), None)
    assert first_test, "no test cell follows the first answer cell"
    assert run["grades"][first_test]["score"] == 0, f"{first_test} scored despite the endless answer"
    _, tests = _exercises(notebook)
    ungraded = [_nbgrader(c)["grade_id"] for c in tests if _nbgrader(c)["grade_id"] not in run["grades"]]
    assert not ungraded, f"no grade recorded for {ungraded}"
    # Bound: each cell may use the timeout at most once; a hang would never get here.
    assert run["seconds"] < LOOP_TIMEOUT_S * len(cells) + 120


@notebook_params()
def test_feedback_is_generated(course, notebook):
    _require_exercises(notebook)
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    _graded(course, notebook, "solution")
    api = NbGraderAPI(coursedir=CourseDirectory(config=course.config), config=course.config)
    result = api.generate_feedback(notebook.assignment, "solution")
    assert result["success"], result.get("error") or result["log"]
    html = course.root / "feedback" / "solution" / notebook.assignment / f"{notebook.name}.html"
    assert html.exists(), f"no feedback file {html}"
    run = course.graded[(notebook.id, "solution")]
    shown = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", html.read_text())
    assert shown, f"{html.name}: the feedback shows no score"
    assert (float(shown[1]), float(shown[2])) == (run["score"], run["max_score"]), shown[0]


def _errors(nb) -> str:
    out = []
    for i, cell in enumerate(nb.cells):
        for o in getattr(cell, "outputs", []):
            if o.output_type == "error":
                out.append(f"cell {i}: {o.ename}: {o.evalue}")
    return "\n".join(out) or "(no error output)"



# --------------------------------------------------------------------------- typical wrong answers
# Each typical wrong answer to an exercise, written as an edit of the instructor's solution, must score 0 on
# that exercise, or, where the exercise is graded in parts (several test cells after one answer cell), on the
# parts it gets wrong. To keep a dozen wrong answers cheap, each exercise gets one throw-away assignment that
# holds, per answer, a copy of the exercise (its answer cell and its test cells, hidden tests included, under
# numbered grade ids) after a cell that forgets the previous copy's definitions; nbgrader releases it and
# autogrades one submission, exactly as it grades the course. The first copy holds the instructor's solution:
# it must score full marks, or a zero elsewhere would prove nothing.
@dataclass(frozen=True)
class WrongAnswer:
    """A wrong answer: ``edits`` are (old, new) replacements in the solution's source; each must apply.

    ``fails`` names the test cells (grade ids) that must give it 0 points; empty: every test cell of the
    exercise (a delegating answer, or an exercise graded in one cell).
    """

    name: str
    edits: tuple[tuple[str, str], ...]
    fails: tuple[str, ...] = ()

    def apply(self, source: str) -> str:
        for old, new in self.edits:
            assert old in source, f"wrong answer '{self.name}': the solution no longer contains {old!r}"
            source = source.replace(old, new)
        return source


_FINAL = "return self.relu(out + self.shortcut(x))"
_RELU1 = "out = self.relu(self.bn1(self.conv1(x)))"
_RELU2 = "out = self.relu(self.bn2(self.conv2(out)))"
WRONG_ANSWERS: dict[tuple[str, str], list[WrongAnswer]] = {
    ("01_residual_learning", "residual_block_forward"): [
        WrongAnswer("no addition", ((_FINAL, "return self.relu(out)"),)),
        WrongAnswer("ReLU before the addition", ((_FINAL, "return self.relu(out) + self.shortcut(x)"),)),
        WrongAnswer("ReLU on the branch too", ((_FINAL, "return self.relu(self.relu(out) + self.shortcut(x))"),)),
        WrongAnswer("no final ReLU", ((_FINAL, "return out + self.shortcut(x)"),)),
        WrongAnswer("no ReLU between the convolutions", ((_RELU1, "out = self.bn1(self.conv1(x))"),)),
        WrongAnswer("zero channels before x", (("(0, 0, 0, self.out_channels - self.in_channels)",
                                                "(0, 0, self.out_channels - self.in_channels, 0)"),)),
        WrongAnswer("subsampling from the wrong position",
                    (("x[:, :, :: self.stride]", "x[:, :, self.stride - 1 :: self.stride]"),)),
        WrongAnswer("average pooling instead of subsampling",
                    (("x[:, :, :: self.stride]", "F.avg_pool1d(x, self.stride, ceil_mode=True)"),)),
        WrongAnswer("copies of x instead of zero channels",
                    (("F.pad(kept, (0, 0, 0, self.out_channels - self.in_channels))",
                      "torch.cat([kept, kept], dim=1)[:, : self.out_channels]"),)),
    ],
    ("02_bottleneck", "bottleneck_block"): [
        WrongAnswer("no addition", ((_FINAL, "return self.relu(out)"),)),
        WrongAnswer("no middle ReLUs",
                    ((_RELU1, "out = self.bn1(self.conv1(x))"), (_RELU2, "out = self.bn2(self.conv2(out))"))),
        WrongAnswer("no ReLU after bn2", ((_RELU2, "out = self.bn2(self.conv2(out))"),)),
        WrongAnswer("ReLU before the addition", ((_FINAL, "return self.relu(out) + self.shortcut(x)"),)),
        WrongAnswer("ReLU on the branch too", ((_FINAL, "return self.relu(self.relu(out) + self.shortcut(x))"),)),
        WrongAnswer("no final ReLU", ((_FINAL, "return out + self.shortcut(x)"),)),
        WrongAnswer("stride in the 3x3 convolution", (
            ("nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False)",
             "nn.Conv2d(in_planes, planes, kernel_size=1, bias=False)"),
            ("nn.Conv2d(planes, planes, kernel_size=3, padding=1, bias=False)",
             "nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)"))),
        WrongAnswer("stride in the last 1x1 convolution", (
            ("nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False)",
             "nn.Conv2d(in_planes, planes, kernel_size=1, bias=False)"),
            ("nn.Conv2d(planes, out_planes, kernel_size=1, bias=False)",
             "nn.Conv2d(planes, out_planes, kernel_size=1, stride=stride, bias=False)"))),
        WrongAnswer("projection on every block", (("if stride == 1 and in_planes == out_planes:", "if False:"),)),
        WrongAnswer("biases in the convolutions", (("bias=False", "bias=True"),)),
    ],
}
# Notebook 05: inverted dropout's forward pass.
_DROP_RETURN = "return x * keep / (1 - p)"
_DROP_MASK = "torch.rand_like(x) >= p"
_DROP_TRAIN, _DROP_EVAL = ("test_dropout_training",), ("test_dropout_eval_and_p",)
WRONG_ANSWERS[("05_dropout", "dropout_forward")] = [
    WrongAnswer("no scaling", ((_DROP_RETURN, "return x * keep"),), _DROP_TRAIN),
    WrongAnswer("scaled by 1 - p instead of divided", ((_DROP_RETURN, "return x * keep * (1 - p)"),), _DROP_TRAIN),
    WrongAnswer("keeps with probability p", ((_DROP_MASK, "torch.rand_like(x) < p"),), _DROP_TRAIN),
    WrongAnswer("drops in evaluation mode too", (("if not training or p == 0:", "if p == 0:"),), _DROP_EVAL),
    WrongAnswer("the paper's form: no scaling in training, times 1 - p in evaluation", (
        ("if not training or p == 0:\n        return x", "if p == 0:\n        return x\n    if not training:\n"
                                                         "        return x * (1 - p)"),
        (_DROP_RETURN, "return x * keep"))),
    WrongAnswer("one mask for every example", ((_DROP_MASK, "torch.rand_like(x[0]) >= p"),), _DROP_TRAIN),
    WrongAnswer("one random number for the whole tensor", ((_DROP_MASK, "torch.rand(()) >= p"),), _DROP_TRAIN),
    WrongAnswer("changes its input in place", ((_DROP_RETURN, "return x.mul_(keep).div_(1 - p)"),), _DROP_TRAIN),
    WrongAnswer("the same mask at every call: a generator seeded inside the answer",
                ((_DROP_MASK, "torch.rand(x.shape, generator=torch.Generator().manual_seed(0), dtype=x.dtype) >= p"),),
                _DROP_TRAIN),
    WrongAnswer("the same mask at every call: torch.manual_seed inside the answer",
                (("    keep = (torch.rand_like", "    torch.manual_seed(0)\n    keep = (torch.rand_like"),), _DROP_TRAIN),
    WrongAnswer("p not checked", (("if not 0 <= p < 1:", "if False:"),), _DROP_EVAL),
    WrongAnswer("p = 1 accepted", (("if not 0 <= p < 1:", "if not 0 <= p <= 1:"),), _DROP_EVAL),
    WrongAnswer("delegation: torch.nn.functional.dropout", (
        ("    if not training or p == 0:\n", "    return torch.nn.functional.dropout(x, p, training)\n"
                                           "    if not training or p == 0:\n"),)),
    WrongAnswer("delegation: torch.nn.Dropout", (
        ("    if not training or p == 0:\n", "    return torch.nn.Dropout(p).train(training)(x)\n"
                                           "    if not training or p == 0:\n"),)),
    WrongAnswer("delegation: the course's regularizers.dropout", (
        ("    if not training or p == 0:\n", "    from course_utils import regularizers\n"
                                           "    return regularizers.dropout(x, p, training)\n"
                                           "    if not training or p == 0:\n"),)),
    WrongAnswer("delegation: the course's regularizers.Dropout, imported under another name", (
        ("    if not training or p == 0:\n", "    from course_utils.regularizers.dropout import Dropout as D\n"
                                           "    return D(p).train(training)(x)\n"
                                           "    if not training or p == 0:\n"),)),
    WrongAnswer("delegation: the mask from the course's regularizers.dropout_mask", (
        (_DROP_MASK, "__import__('course_utils').regularizers.dropout_mask(x.shape, p)"),), _DROP_TRAIN),
    WrongAnswer("delegation: the course's private _dropout, behind the public function", (
        ("    if not training or p == 0:\n", "    from course_utils.regularizers.dropout import _dropout as d\n"
                                           "    return d(x, p, training, None)\n"
                                           "    if not training or p == 0:\n"),)),
]
# Notebook 06: batch norm's forward pass (training and evaluation mode, running statistics) and backward pass.
_BN_MEAN = "        mean = x.mean(dim=dims)\n"
_BN_VAR = "        var = ((x - mean.view(shape)) ** 2).mean(dim=dims)\n"
_BN_RM = "running_mean.mul_(1 - momentum).add_(momentum * mean)"
_BN_RV = "running_var.mul_(1 - momentum).add_(momentum * var * m / (m - 1))"
_BN_EVAL = "    else:\n        mean, var = running_mean, running_var\n"
_BN_T1, _BN_T2, _BN_T3 = "test_batch_norm_forward", "test_batch_norm_running_stats", "test_batch_norm_eval"
_BN_FWD_START = "    if training:\n        mean = x.mean(dim=dims)\n"
WRONG_ANSWERS[("06_batch_norm", "batch_norm_forward")] = [
    WrongAnswer("unbiased variance in the normalisation",
                ((_BN_VAR, "        var = ((x - mean.view(shape)) ** 2).sum(dim=dims) / (m - 1)\n"),), (_BN_T1,)),
    WrongAnswer("biased running variance", ((_BN_RV, "running_var.mul_(1 - momentum).add_(momentum * var)"),), (_BN_T2,)),
    WrongAnswer("eps outside the square root", (("torch.sqrt(var.view(shape) + eps)",
                                                 "(torch.sqrt(var.view(shape)) + eps)"),), (_BN_T1, _BN_T3)),
    WrongAnswer("momentum the wrong way round", (
        (_BN_RM, "running_mean.mul_(momentum).add_((1 - momentum) * mean)"),
        (_BN_RV, "running_var.mul_(momentum).add_((1 - momentum) * var * m / (m - 1))")), (_BN_T2,)),
    WrongAnswer("statistics of each example (layer norm)", (
        (_BN_MEAN, "        mean = x.mean(dim=1)\n"),
        ("mean.view(shape)", "mean.view(-1, *[1] * (x.dim() - 1))"),
        ("var = ((x - mean.view(-1, *[1] * (x.dim() - 1))) ** 2).mean(dim=dims)",
         "var = ((x - mean.view(-1, *[1] * (x.dim() - 1))) ** 2).mean(dim=1)")), (_BN_T1, _BN_T2)),
    WrongAnswer("statistics over the batch, not the positions", (
        ("dims = [0] + list(range(2, x.dim()))", "dims = [0]"),), (_BN_T1, _BN_T2)),
    WrongAnswer("running statistics not updated", ((f"            {_BN_RM}\n            {_BN_RV}\n", "            pass\n"),),
                (_BN_T2,)),
    WrongAnswer("running statistics rebound instead of updated in place", (
        (_BN_RM, "running_mean = (1 - momentum) * running_mean + momentum * mean"),
        (_BN_RV, "running_var = (1 - momentum) * running_var + momentum * var * m / (m - 1)")), (_BN_T2,)),
    WrongAnswer("batch statistics in evaluation mode", ((_BN_EVAL, "    else:\n" + _BN_MEAN + _BN_VAR),), (_BN_T3,)),
    WrongAnswer("running statistics updated in evaluation mode too", (
        ("    if training:\n", "    if True:\n"),
        (_BN_EVAL, "    if not training:\n        mean, var = running_mean, running_var\n")), (_BN_T3,)),
    WrongAnswer("no gamma and beta", (("return gamma.view(shape) * x_hat + beta.view(shape)", "return x_hat"),),
                (_BN_T1, _BN_T3)),
    WrongAnswer("statistics detached from the graph", (
        (_BN_MEAN + _BN_VAR, "        with torch.no_grad():\n    " + _BN_MEAN + "    " + _BN_VAR),), (_BN_T1,)),
    WrongAnswer("delegation: torch.nn.functional.batch_norm", ((_BN_FWD_START,
        "    return torch.nn.functional.batch_norm(x, running_mean, running_var, gamma, beta, training, momentum, eps)\n"
        + _BN_FWD_START),)),
    WrongAnswer("delegation: torch.batch_norm (the ATen op)", ((_BN_FWD_START,
        "    return torch.batch_norm(x, gamma, beta, running_mean, running_var, training, momentum, eps, False)\n"
        + _BN_FWD_START),)),
    WrongAnswer("delegation: the course's regularizers.batch_norm", ((_BN_FWD_START,
        "    from course_utils import regularizers\n    return regularizers.batch_norm(x, gamma, beta, running_mean, "
        "running_var, training=training, momentum=momentum, eps=eps)\n" + _BN_FWD_START),)),
    WrongAnswer("delegation: the course's regularizers.BatchNorm", ((_BN_FWD_START,
        "    from course_utils.regularizers import BatchNorm as Norm\n"
        "    layer = Norm(x.shape[1], eps=eps, momentum=momentum).to(x.dtype).train(training)\n"
        "    with torch.no_grad():\n        layer.weight.copy_(gamma), layer.bias.copy_(beta)\n"
        "        layer.running_mean.copy_(running_mean), layer.running_var.copy_(running_var)\n"
        "    out = layer(x)\n    running_mean.copy_(layer.running_mean), running_var.copy_(layer.running_var)\n"
        "    return out\n" + _BN_FWD_START),)),
]
_BN_GRAD_X = "grad_x = d_xhat / sigma + d_var * 2 * (x - mean) / m + d_mean / m"
_BN_B1, _BN_B2, _BN_B3 = "test_batch_norm_backward_params", "test_batch_norm_backward_mean", "test_batch_norm_backward_x"
_BN_BWD_START = "    mean = x.mean(dim=dims, keepdim=True)\n"
WRONG_ANSWERS[("06_batch_norm", "batch_norm_backward")] = [
    WrongAnswer("batch statistics treated as constants", ((_BN_GRAD_X, "grad_x = d_xhat / sigma"),), (_BN_B2, _BN_B3)),
    WrongAnswer("no path through the variance", ((_BN_GRAD_X, "grad_x = d_xhat / sigma + d_mean / m"),), (_BN_B3,)),
    WrongAnswer("no path through the mean", ((_BN_GRAD_X, "grad_x = d_xhat / sigma + d_var * 2 * (x - mean) / m"),),
                (_BN_B2, _BN_B3)),
    WrongAnswer("wrong sign in the variance path", (("* -0.5 *", "* 0.5 *"),), (_BN_B3,)),
    WrongAnswer("m - 1 instead of m", (("m = x.numel() // x.shape[1]", "m = x.numel() // x.shape[1] - 1"),),
                (_BN_B2, _BN_B3)),
    WrongAnswer("dL/dgamma without x_hat", (("grad_gamma = (grad_out * x_hat).sum(dim=dims)",
                                             "grad_gamma = grad_out.sum(dim=dims)"),), (_BN_B1,)),
    WrongAnswer("gamma left out of dL/dx_hat", (("d_xhat = grad_out * gamma.view(shape)", "d_xhat = grad_out"),),
                (_BN_B3,)),
    WrongAnswer("sums over the batch, not the positions", (("dims = [0] + list(range(2, x.dim()))", "dims = [0]"),)),
    WrongAnswer("delegation: the course's regularizers.batch_norm_backward", ((_BN_BWD_START,
        "    from course_utils import regularizers\n    return regularizers.batch_norm_backward(grad_out, x, gamma, eps=eps)\n"
        + _BN_BWD_START),)),
    WrongAnswer("delegation: autograd through torch.nn.functional.batch_norm", ((_BN_BWD_START,
        "    with torch.enable_grad():\n        xs, gs = x.detach().requires_grad_(), gamma.detach().requires_grad_()\n"
        "        bs = torch.zeros_like(gs, requires_grad=True)\n"
        "        y = torch.nn.functional.batch_norm(xs, None, None, gs, bs, training=True, eps=eps)\n"
        "        return torch.autograd.grad(y, (xs, gs, bs), grad_out)\n" + _BN_BWD_START),)),
    WrongAnswer("delegation: autograd through the learner's own forward pass", ((_BN_BWD_START,
        "    with torch.enable_grad():\n        xs, gs = x.detach().requires_grad_(), gamma.detach().requires_grad_()\n"
        "        bs = torch.zeros_like(gs, requires_grad=True)\n        mu = xs.mean(dim=dims, keepdim=True)\n"
        "        v = ((xs - mu) ** 2).mean(dim=dims, keepdim=True)\n"
        "        y = gs.view(shape) * (xs - mu) / torch.sqrt(v + eps) + bs.view(shape)\n"
        "        return torch.autograd.grad(y, (xs, gs, bs), grad_out)\n" + _BN_BWD_START),)),
]
# Notebook 07a: label-smoothed cross-entropy, graded in two parts: the ordinary cross-entropy (alpha = 0) and the
# smoothed targets. A mistake in the targets alone keeps the first part's point.
_LS_TARGET = "* (1 - alpha) + alpha / num_classes"
_LS_RETURN = "return -(q * log_p).sum(dim=1).mean()"
_LS_PLAIN, _LS_SMOOTH = "test_smoothed_cross_entropy_alpha0", "test_smoothed_cross_entropy_targets"
WRONG_ANSWERS[("07a_regularization_catalogue", "smoothed_cross_entropy")] = [
    WrongAnswer("the book's form: 1 - alpha on the true class, alpha / (K - 1) on each other class",
                ((_LS_TARGET, "\n    q = q * (1 - alpha) + (1 - q) * alpha / (num_classes - 1)"),), (_LS_SMOOTH,)),
    WrongAnswer("alpha / (K - 1) added to every class", ((_LS_TARGET, "* (1 - alpha) + alpha / (num_classes - 1)"),),
                (_LS_SMOOTH,)),
    WrongAnswer("no (1 - alpha) on the one-hot target", ((_LS_TARGET, "+ alpha / num_classes"),), (_LS_SMOOTH,)),
    WrongAnswer("alpha and 1 - alpha swapped", ((_LS_TARGET, "* alpha + (1 - alpha) / num_classes"),)),
    WrongAnswer("softmax instead of log-softmax", (("torch.log_softmax(logits, dim=1)", "torch.softmax(logits, dim=1)"),)),
    WrongAnswer("log of the raw logits, no softmax", (("torch.log_softmax(logits, dim=1)", "torch.log(logits.abs() + 1e-12)"),)),
    WrongAnswer("log-softmax over the batch", (("torch.log_softmax(logits, dim=1)", "torch.log_softmax(logits, dim=0)"),)),
    WrongAnswer("sum over the batch instead of the mean", ((_LS_RETURN, "return -(q * log_p).sum()"),)),
    WrongAnswer("mean over the classes too", ((_LS_RETURN, "return -(q * log_p).mean()"),)),
    WrongAnswer("wrong sign", ((_LS_RETURN, "return (q * log_p).sum(dim=1).mean()"),)),
    WrongAnswer("delegation: PyTorch's F.cross_entropy with label_smoothing",
                ((_LS_RETURN, "return torch.nn.functional.cross_entropy(logits, y, label_smoothing=alpha)"),)),
    WrongAnswer("delegation: the course's regularizers.smoothed_cross_entropy, imported under another name",
                ((_LS_RETURN, "from course_utils.regularizers import smoothed_cross_entropy as ls\n    return ls(logits, y, alpha)"),)),
    WrongAnswer("delegation: PyTorch's C function torch._C._nn.cross_entropy_loss",
                ((_LS_RETURN, "return torch._C._nn.cross_entropy_loss(logits, y, None, 1, -100, alpha)"),)),
    WrongAnswer("delegation: PyTorch's operator torch.ops.aten.cross_entropy_loss",
                ((_LS_RETURN, "return torch.ops.aten.cross_entropy_loss(logits, y, None, 1, -100, alpha)"),)),
    WrongAnswer("delegation: PyTorch's nll_loss through torch._C._nn.nll_loss",
                ((_LS_RETURN, "return (1 - alpha) * torch._C._nn.nll_loss(log_p, y, None, 1, -100) - alpha * log_p.mean(1).mean()"),)),
    WrongAnswer("delegation: the targets from the course's regularizers.smooth_labels",
                ((_LS_RETURN, "from course_utils.regularizers import smooth_labels as sl\n"
                              "    q = sl(y, num_classes, alpha).to(log_p.dtype)\n    " + _LS_RETURN),)),
    WrongAnswer("K taken from the labels, not the logits",
                (("torch.nn.functional.one_hot(y, num_classes)", "torch.nn.functional.one_hot(y)"),)),
    WrongAnswer("the loss detached from the logits", ((_LS_RETURN, "return -(q * log_p).sum(dim=1).mean().detach()"),)),
]
# Notebook 07b: the bagging loop (its samples, their labels) and the ensemble's prediction (the average, the models
# used as they are), four cells of a point each; FGSM (its output, its values, the model's mode), three cells.
_BAG_DRAW = "torch.randint(0, n, (n,), generator=torch.Generator().manual_seed(seed + i))"
_BAG_TRAIN = "members.append(train_one(x[idx], y[idx]))"
_BAG_START = "    n = len(x)\n"
_BAG_AVERAGE = "probs = torch.stack([torch.softmax(m(x), dim=1) for m in models]).mean(0)"
_BAG_SAMPLES, _BAG_LABELS = "test_bag_samples", "test_bag_labels"
_ENS_AVERAGE, _ENS_AS_THEY_ARE = "test_ensemble_average", "test_ensemble_as_they_are"
WRONG_ANSWERS[("07b_regularization_catalogue", "bagging_loop")] = [
    WrongAnswer("drawn without replacement", ((_BAG_DRAW, "torch.randperm(n, generator=torch.Generator().manual_seed(seed + i))"),),
                (_BAG_SAMPLES,)),
    WrongAnswer("the same sample for every model", ((_BAG_DRAW, "torch.randint(0, n, (n,), generator=torch.Generator().manual_seed(seed))"),),
                (_BAG_SAMPLES,)),
    WrongAnswer("seeds off by one", ((_BAG_DRAW, "torch.randint(0, n, (n,), generator=torch.Generator().manual_seed(seed + i + 1))"),),
                (_BAG_SAMPLES,)),
    WrongAnswer("one generator for all the samples", (
        ("members = []", "members = []\n    gen = torch.Generator().manual_seed(seed)"),
        (_BAG_DRAW, "torch.randint(0, n, (n,), generator=gen)")), (_BAG_SAMPLES,)),
    WrongAnswer("samples of half the size", ((_BAG_DRAW, "torch.randint(0, n, (n // 2,), generator=torch.Generator().manual_seed(seed + i))"),),
                (_BAG_SAMPLES,)),
    WrongAnswer("the inputs resampled, the labels not", ((_BAG_TRAIN, "members.append(train_one(x[idx], y))"),), (_BAG_LABELS,)),
    WrongAnswer("the labels from another draw", ((_BAG_TRAIN, "members.append(train_one(x[idx], y[torch.randint(0, n, (n,), "
                                                              "generator=torch.Generator().manual_seed(seed + i + k))]))"),),
                (_BAG_LABELS,)),
    WrongAnswer("the labels cast to float", ((_BAG_TRAIN, "members.append(train_one(x[idx], y[idx].float()))"),),
                (_BAG_LABELS,)),
    WrongAnswer("the global generator seeded instead of a generator per model",
                ((_BAG_DRAW, "(torch.manual_seed(seed + i), torch.randint(0, n, (n,)))[1]"),), (_BAG_SAMPLES,)),
    WrongAnswer("the labels resampled, the inputs not", ((_BAG_TRAIN, "members.append(train_one(x, y[idx]))"),),
                (_BAG_SAMPLES, _BAG_LABELS)),
    WrongAnswer("delegation: the course's regularizers.bagging, imported under another name", ((_BAG_START,
        "    from course_utils.regularizers.ensembles import bagging as boot\n    return boot(train_one, (x, y), k, seed)\n"
        + _BAG_START),), (_BAG_SAMPLES, _BAG_LABELS)),
    WrongAnswer("delegation: the course's regularizers.bootstrap_indices for the draw",
                (("import torch\n", "import torch\nfrom course_utils import regularizers\n"),
                 (_BAG_DRAW, "regularizers.bootstrap_indices(n, seed + i)")), (_BAG_SAMPLES, _BAG_LABELS)),
    WrongAnswer("average of the raw outputs", ((_BAG_AVERAGE, "probs = torch.stack([m(x) for m in models]).mean(0)"),),
                (_ENS_AVERAGE,)),
    WrongAnswer("majority vote", ((_BAG_AVERAGE, "probs = torch.stack([torch.nn.functional.one_hot(m(x).argmax(1), "
                                                 "m(x).shape[1]) for m in models]).sum(0).float()"),), (_ENS_AVERAGE,)),
    WrongAnswer("gradients recorded (no torch.no_grad)", (("    with torch.no_grad():\n        " + _BAG_AVERAGE,
                                                           "    " + _BAG_AVERAGE),), (_ENS_AS_THEY_ARE,)),
    WrongAnswer("the outputs detached instead of torch.no_grad", (("    with torch.no_grad():\n        " + _BAG_AVERAGE,
        "    probs = torch.stack([torch.softmax(m(x).detach(), dim=1) for m in models]).mean(0)"),), (_ENS_AS_THEY_ARE,)),
    WrongAnswer("the models switched to evaluation mode", ((_BAG_AVERAGE, "probs = torch.stack([torch.softmax(m.eval()(x), dim=1) "
                                                                          "for m in models]).mean(0)"),), (_ENS_AS_THEY_ARE,)),
    WrongAnswer("the classes as floats, not int64", (("    return probs.argmax(dim=1)", "    return probs.argmax(dim=1).float()"),),
                (_ENS_AVERAGE,)),
    WrongAnswer("autograd switched off for good", (("    with torch.no_grad():\n        " + _BAG_AVERAGE,
        "    torch.set_grad_enabled(False)\n    " + _BAG_AVERAGE),), (_ENS_AS_THEY_ARE,)),
    WrongAnswer("delegation: the course's regularizers.Ensemble", ((_BAG_AVERAGE,
        "from course_utils.regularizers import Ensemble as Mean\n        return Mean(models)(x).argmax(1)"),),
                (_ENS_AVERAGE, _ENS_AS_THEY_ARE)),
]
_FGSM_STEP = "return (x + eps * grad.sign()).clamp(0, 1).detach()"
_FGSM_START = "    x = x.detach().clone().requires_grad_(True)\n"
_FGSM_OUTPUT, _FGSM_VALUES, _FGSM_MODE = "test_fgsm_output", "test_fgsm_values", "test_fgsm_mode"
WRONG_ANSWERS[("07b_regularization_catalogue", "fgsm_attack")] = [
    WrongAnswer("the gradient instead of its sign", ((_FGSM_STEP, "return (x + eps * grad).clamp(0, 1).detach()"),), (_FGSM_VALUES,)),
    WrongAnswer("against the gradient", ((_FGSM_STEP, "return (x - eps * grad.sign()).clamp(0, 1).detach()"),), (_FGSM_VALUES,)),
    WrongAnswer("the sign of eps times the gradient", ((_FGSM_STEP, "return (x + (eps * grad).sign()).clamp(0, 1).detach()"),),
                (_FGSM_VALUES,)),
    WrongAnswer("no clipping", ((_FGSM_STEP, "return (x + eps * grad.sign()).detach()"),), (_FGSM_OUTPUT, _FGSM_VALUES)),
    WrongAnswer("not detached", ((_FGSM_STEP, "return (x + eps * grad.sign()).clamp(0, 1)"),), (_FGSM_OUTPUT,)),
    WrongAnswer("the gradient with respect to the weights, not the input",
                (("(grad,) = torch.autograd.grad(loss, x)",
                  "grad = torch.autograd.grad(loss, next(model.parameters()))[0].sum(0).expand_as(x)"),),
                (_FGSM_OUTPUT, _FGSM_VALUES)),
    WrongAnswer("the predicted labels instead of the true ones", (("F.cross_entropy(model(x), y)", "F.cross_entropy(model(x), model(x).argmax(1))"),),
                (_FGSM_VALUES,)),
    WrongAnswer("switches the model to evaluation mode", ((_FGSM_START, "    model.eval()\n" + _FGSM_START),), (_FGSM_MODE,)),
    WrongAnswer("evaluation mode for the attack, the mode restored after", (
        (_FGSM_START, "    was_training = model.training\n    model.eval()\n" + _FGSM_START),
        ("(grad,) = torch.autograd.grad(loss, x)\n", "(grad,) = torch.autograd.grad(loss, x)\n    model.train(was_training)\n")),
                (_FGSM_MODE,)),
    WrongAnswer("delegation: the course's regularizers.fgsm, imported under another name", ((_FGSM_START,
        "    from course_utils.regularizers.adversarial import fgsm as attack\n    return attack(model, x, y, eps)\n"
        + _FGSM_START),)),
    WrongAnswer("the caller's x changed in place", ((_FGSM_START, "    x.requires_grad_(True)\n"),
                                                     (_FGSM_STEP, "return x.detach().add_(eps * grad.sign()).clamp_(0, 1)")),
                (_FGSM_OUTPUT,)),
    WrongAnswer("delegation: the course's private _fgsm, behind regularizers.fgsm", ((_FGSM_START,
        "    from course_utils.regularizers.adversarial import _fgsm as attack\n    return attack(model, x, y, eps, (0.0, 1.0))\n"
        + _FGSM_START),)),
    WrongAnswer("delegation: the course's regularizers.adversarial_training on the whole batch", ((_FGSM_START,
        "    from course_utils import regularizers\n"
        "    return regularizers.adversarial_training(model, eps, fraction=1.0)(x, y)[0]\n" + _FGSM_START),)),
]
# What an exercise's tests need from the cells before it, run once at the top of its wrong-answer notebook.
SETUP = {("00_welcome", "class_counts"): "from course_utils import data\n\n_, y_train = data.load_mnist1d().train"}
# Notebook 00: the warm-up.
WRONG_ANSWERS[("00_welcome", "class_counts")] = [
    WrongAnswer("float counts", (("return torch.bincount(y, minlength=num_classes)",
                                  "return torch.bincount(y, minlength=num_classes).float()"),)),
    WrongAnswer("no entry for the empty classes at the end", (("return torch.bincount(y, minlength=num_classes)",
                                                               "return torch.bincount(y)"),)),
]
# Notebook 03: (a) e_out, graded in test_e_out, and (b) overfit_measure, graded in test_overfit_measure. A mistake
# in (a) also spoils (b), which calls it; a mistake in (b) alone must still leave (a) its point.
_EO_RETURN = "return (weights * (c - a) ** 2).sum()"
_OM_RETURN = "return e_out(least_squares(10), target) - e_out(least_squares(2), target)"
_OM_FIT = "return torch.linalg.lstsq(legendre_features(x, degree), y.unsqueeze(1)).solution.squeeze(1)"
_OM_ONLY = ("test_overfit_measure",)
WRONG_ANSWERS[("03_overfitting_and_noise", "overfit_measure")] = [
    WrongAnswer("no orthogonality weights 1/(2q+1)", ((_EO_RETURN, "return ((c - a) ** 2).sum()"),)),
    WrongAnswer("weights 2q+1 instead of 1/(2q+1)", (("weights = 1 / (2 * torch.arange(size, dtype=coefs.dtype) + 1)",
                                                      "weights = 2 * torch.arange(size, dtype=coefs.dtype) + 1"),)),
    WrongAnswer("weights 1/(q+1)", (("weights = 1 / (2 * torch.arange(size, dtype=coefs.dtype) + 1)",
                                     "weights = 1 / (torch.arange(size, dtype=coefs.dtype) + 1)"),)),
    WrongAnswer("mean over coefficients instead of the sum", ((_EO_RETURN, "return (weights * (c - a) ** 2).mean()"),)),
    WrongAnswer("target cut to the fit's length", (("size = max(len(coefs), len(target))", "size = len(coefs)"),)),
    WrongAnswer("e_out delegated to the course's out_of_sample_error",
                ((_EO_RETURN, "from course_utils import experiments\n    return experiments.out_of_sample_error(coefs, target)"),)),
    WrongAnswer("both delegated", (
        (_EO_RETURN, "from course_utils import experiments\n    return experiments.out_of_sample_error(coefs, target)"),
        (_OM_RETURN, "from course_utils.experiments import overfit_measure as reference\n"
                     "    return reference(x, y, target)"))),
    WrongAnswer("wrong sign", ((_OM_RETURN, "return e_out(least_squares(2), target) - e_out(least_squares(10), target)"),), _OM_ONLY),
    WrongAnswer("degrees off by one", (("legendre_features(x, degree)", "legendre_features(x, degree - 1)"),), _OM_ONLY),
    WrongAnswer("in-sample error instead of E_out", ((_OM_RETURN,
        "return ((legendre_features(x, 10) @ least_squares(10) - y) ** 2).mean() - ((legendre_features(x, 2) @ least_squares(2) - y) ** 2).mean()"),),
        _OM_ONLY),
    WrongAnswer("fits in the power basis 1, x, x², … compared with Legendre coefficients",
                (("legendre_features(x, degree)", "torch.stack([x ** d for d in range(degree + 1)], dim=1)"),), _OM_ONLY),
    WrongAnswer("E_out(g10) alone", ((_OM_RETURN, "return e_out(least_squares(10), target)"),), _OM_ONLY),
    WrongAnswer("overfit_measure delegated to the course's", ((_OM_RETURN,
        "from course_utils import experiments\n    return experiments.overfit_measure(x, y, target)"),), _OM_ONLY),
    WrongAnswer("the fit delegated to the course's fit_legendre", ((_OM_FIT,
        "from course_utils.experiments import fit_legendre\n        return fit_legendre(x, y, degree)"),), _OM_ONLY),
]
_ADAM_M_HAT = "m_hat = m / (1 - beta1 ** t)"
_ADAM_V_HAT = "v_hat = v / (1 - beta2 ** t)"
_ADAM_UPDATE = "w = w - lr * m_hat / (torch.sqrt(v_hat) + eps)"
_ADAM_L2_GRAD = "    g = grad + lam * w\n"
_ADAMW_DECAY = "    w = w * (1 - lr * lam)\n"
_ADAMW_MOMENTS = "    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v + (1 - beta2) * grad * grad\n"
_ADAMW_STEP = f"    {_ADAM_M_HAT}\n    {_ADAM_V_HAT}\n    {_ADAM_UPDATE}\n"
_ADAM_L2_ONLY, _ADAMW_ONLY = ("test_adam_l2_step",), ("test_adamw_step",)
_BY_TORCH = ("    p = torch.nn.Parameter(w.clone())\n    p.grad = grad.clone()\n"
             "    opt = torch.optim.{}([p], lr=lr, betas=betas, eps=eps, weight_decay=lam)\n"
             "    opt.state[p] = {{'step': torch.tensor(float(t - 1)), 'exp_avg': m.clone(), 'exp_avg_sq': v.clone()}}\n"
             "    opt.step()\n"
             "    return p.detach().clone(), opt.state[p]['exp_avg'].clone(), opt.state[p]['exp_avg_sq'].clone()\n")
_BY_INTERNAL = ("    from torch.optim.adam import _single_tensor_adam\n    w, m, v = w.clone(), m.clone(), v.clone()\n"
                "    _single_tensor_adam([w], [grad.clone()], [m], [v], [], [torch.tensor(float(t - 1))], grad_scale=None, "
                "found_inf=None, amsgrad=False, has_complex=False, beta1=betas[0], beta2=betas[1], lr=lr, "
                "weight_decay=lam, eps=eps, maximize=False, capturable=False, differentiable=False, "
                "decoupled_weight_decay={decoupled})\n    return w, m, v\n")
_BY_FUSED = ("    w, m, v = w.clone(), m.clone(), v.clone()\n"
             "    torch.{kernel}([w], [grad.clone()], [m], [v], [], [torch.tensor(float(t))], lr=lr, beta1=betas[0], "
             "beta2=betas[1], weight_decay=lam, eps=eps, amsgrad=False, maximize=False)\n    return w, m, v\n")
# Notebook 04: one step of Adam + L2 and one of AdamW (graded separately), and the early-stopping rule.
WRONG_ANSWERS[("04_weight_decay", "adam_steps")] = [
    WrongAnswer("no bias correction", ((_ADAM_M_HAT, "m_hat = m"), (_ADAM_V_HAT, "v_hat = v"))),
    WrongAnswer("bias correction with t counted from 0",
                ((_ADAM_M_HAT, "m_hat = m / (1 - beta1 ** (t + 1))"), (_ADAM_V_HAT, "v_hat = v / (1 - beta2 ** (t + 1))"))),
    WrongAnswer("bias correction of m only", ((_ADAM_V_HAT, "v_hat = v"),)),
    WrongAnswer("ε inside the square root", ((_ADAM_UPDATE, "w = w - lr * m_hat / torch.sqrt(v_hat + eps)"),)),
    WrongAnswer("β1 and β2 swapped", (("beta1, beta2 = betas", "beta2, beta1 = betas"),)),
    WrongAnswer("Adam + L2: λw added after the moments, to the normalised step",
                ((_ADAM_L2_GRAD, "    g = grad\n"),
                 ("    w = w - lr * m_hat / (torch.sqrt(v_hat) + eps)\n    return w, m, v\n\n\ndef adamw_step",
                  "    w = w - lr * (m_hat / (torch.sqrt(v_hat) + eps) + lam * w)\n    return w, m, v\n\n\ndef adamw_step")),
                _ADAM_L2_ONLY),
    WrongAnswer("Adam + L2: λw in m but not in v", (("(1 - beta2) * g * g", "(1 - beta2) * grad * grad"),), _ADAM_L2_ONLY),
    WrongAnswer("Adam + L2: the gradient of λΣw² (2λw) instead of ½λΣw²'s", ((_ADAM_L2_GRAD, "    g = grad + 2 * lam * w\n"),),
                _ADAM_L2_ONLY),
    WrongAnswer("Adam + L2: m updated in place, changing the caller's tensor",
                (("m = beta1 * m + (1 - beta1) * g\n", "m = m.mul_(beta1).add_((1 - beta1) * g)\n"),), _ADAM_L2_ONLY),
    WrongAnswer("AdamW: decay not multiplied by the learning rate", ((_ADAMW_DECAY, "    w = w * (1 - lam)\n"),), _ADAMW_ONLY),
    WrongAnswer("AdamW: decay applied after the Adam step",
                ((_ADAMW_DECAY + _ADAMW_MOMENTS + _ADAMW_STEP, _ADAMW_MOMENTS + _ADAMW_STEP + _ADAMW_DECAY),), _ADAMW_ONLY),
    WrongAnswer("AdamW: λw added to the gradient (that is Adam + L2)",
                ((_ADAMW_DECAY, "    g = grad + lam * w\n"),
                 (_ADAMW_MOMENTS, "    m = beta1 * m + (1 - beta1) * g\n    v = beta2 * v + (1 - beta2) * g * g\n")),
                _ADAMW_ONLY),
    WrongAnswer("AdamW: no decay", ((_ADAMW_DECAY, ""),), _ADAMW_ONLY),
    WrongAnswer("AdamW: the decay done by the course's regularizers.weight_decay_step",
                ((_ADAMW_DECAY, "    from course_utils import regularizers\n"
                                "    w = regularizers.weight_decay_step(w, torch.zeros_like(w), lr, lam)\n"),), _ADAMW_ONLY),
    WrongAnswer("delegation: both steps by torch.optim.Adam and torch.optim.AdamW",
                (("    beta1, beta2 = betas\n" + _ADAM_L2_GRAD, _BY_TORCH.format("Adam") + "    beta1, beta2 = betas\n" + _ADAM_L2_GRAD),
                 ("    beta1, beta2 = betas\n" + _ADAMW_DECAY, _BY_TORCH.format("AdamW") + "    beta1, beta2 = betas\n" + _ADAMW_DECAY))),
    WrongAnswer("delegation: both steps by PyTorch's functional adam and adamw", (
        ("    beta1, beta2 = betas\n" + _ADAM_L2_GRAD,
         "    from torch.optim.adam import adam\n    w, m, v = w.clone(), m.clone(), v.clone()\n"
         "    adam([w], [grad], [m], [v], [], [torch.tensor(float(t - 1))], amsgrad=False, beta1=betas[0], "
         "beta2=betas[1], lr=lr, weight_decay=lam, eps=eps, maximize=False)\n    return w, m, v\n"
         "    beta1, beta2 = betas\n" + _ADAM_L2_GRAD),
        ("    beta1, beta2 = betas\n" + _ADAMW_DECAY,
         "    from torch.optim.adamw import adamw\n    w, m, v = w.clone(), m.clone(), v.clone()\n"
         "    adamw([w], [grad], [m], [v], [], [torch.tensor(float(t - 1))], amsgrad=False, beta1=betas[0], "
         "beta2=betas[1], lr=lr, weight_decay=lam, eps=eps, maximize=False)\n    return w, m, v\n"
         "    beta1, beta2 = betas\n" + _ADAMW_DECAY))),
    WrongAnswer("delegation: both steps by PyTorch's internal _single_tensor_adam", (
        ("    beta1, beta2 = betas\n" + _ADAM_L2_GRAD,
         _BY_INTERNAL.format(decoupled=False) + "    beta1, beta2 = betas\n" + _ADAM_L2_GRAD),
        ("    beta1, beta2 = betas\n" + _ADAMW_DECAY,
         _BY_INTERNAL.format(decoupled=True) + "    beta1, beta2 = betas\n" + _ADAMW_DECAY))),
    WrongAnswer("delegation: both steps by the fused C kernels torch._fused_adam_ and torch._fused_adamw_", (
        ("    beta1, beta2 = betas\n" + _ADAM_L2_GRAD,
         _BY_FUSED.format(kernel="_fused_adam_") + "    beta1, beta2 = betas\n" + _ADAM_L2_GRAD),
        ("    beta1, beta2 = betas\n" + _ADAMW_DECAY,
         _BY_FUSED.format(kernel="_fused_adamw_") + "    beta1, beta2 = betas\n" + _ADAMW_DECAY))),
]
_ES_CASES, _ES_FIT = ("test_early_stopping_cases",), ("test_early_stopping_fit",)
_ES_START = "    best, best_loss, waited = 0, float(\"inf\"), 0\n"
WRONG_ANSWERS[("04_weight_decay", "early_stopping_rule")] = [
    WrongAnswer("ties count as improvements", (("if loss < best_loss:", "if loss <= best_loss:"),), _ES_CASES),
    WrongAnswer("one epoch too late", (("if waited >= patience:", "if waited > patience:"),)),
    WrongAnswer("the last epoch's weights kept", (("return best, epoch", "return epoch, epoch"),)),
    WrongAnswer("the global minimum, looking past the stop",
                (("return best, epoch", "return min(range(len(val_losses)), key=val_losses.__getitem__), epoch"),)),
    WrongAnswer("the count never reset", (("best, best_loss, waited = epoch, loss, 0", "best, best_loss = epoch, loss"),)),
    WrongAnswer("epochs counted from 1 at the end", (("return best, len(val_losses) - 1", "return best, len(val_losses)"),)),
    WrongAnswer("the count starts with the first epoch",
                (("best, best_loss, waited = 0, float(\"inf\"), 0", "best, best_loss, waited = 0, val_losses[0], 0"),)),
    WrongAnswer("stops one epoch early", (("if waited >= patience:", "if waited >= patience - 1:"),)),
    WrongAnswer("the first epoch after the best is restored", (("return best, epoch", "return best + 1, epoch"),)),
    WrongAnswer("delegation: the course's experiments.early_stopping_point",
                ((_ES_START, "    from course_utils import experiments\n"
                             "    return experiments.early_stopping_point(val_losses, patience)\n" + _ES_START),)),
    WrongAnswer("delegation: the same function imported under another name",
                ((_ES_START, "    from course_utils.experiments.weight_decay import early_stopping_point as rule\n"
                             "    return rule(list(val_losses), patience)\n" + _ES_START),)),
    WrongAnswer("delegation: the rule that fit follows (train.stopping._Patience)",
                ((_ES_START, "    from course_utils.train.stopping import _Patience\n"
                             "    rule = _Patience(patience)\n"
                             "    for epoch, loss in enumerate(val_losses):\n"
                             "        rule.update(loss)\n"
                             "        if rule.stop:\n"
                             "            break\n"
                             "    return (0 if rule.best_epoch is None else rule.best_epoch), epoch\n" + _ES_START),)),
]
WRONG_CASES = [(exercise, wrong.name) for exercise, wrongs in WRONG_ANSWERS.items() for wrong in wrongs]


def _exercise_copies(notebook, answer_id: str, sources: list[str], setup: str = ""
                     ) -> tuple[nbformat.NotebookNode, list[str]]:
    """A notebook with one copy of an exercise per answer source; returns it and the test cells' grade ids.

    An exercise is its answer cell and every test cell after it, up to the next answer cell; ``setup`` (the
    state its tests take from earlier cells) runs first.
    """
    cells = _source(notebook).cells
    at = next(i for i, c in enumerate(cells) if is_answer_cell(c) and _nbgrader(c)["grade_id"] == answer_id)
    tests = []
    for cell in cells[at + 1:]:
        if is_answer_cell(cell):
            break
        if is_test_cell(cell):
            tests.append(cell)
    names = re.findall(r"^(?:class|def) (\w+)", cells[at].source, flags=re.MULTILINE)
    nb = nbformat.v4.new_notebook(metadata=_source(notebook).metadata)
    if setup:
        nb.cells.append(nbformat.v4.new_code_cell(setup))
    for k in range(len(sources)):
        nb.cells.append(nbformat.v4.new_code_cell(f"for _name in {names!r}:  # forget the previous copy's answer\n"
                                                  "    globals().pop(_name, None)"))
        for part, cell in [("answer", cells[at])] + [(f"tests{j}", test) for j, test in enumerate(tests)]:
            copy_ = copy.deepcopy(cell)
            copy_["id"] = f"{part}-{k}"
            copy_.metadata.nbgrader["grade_id"] = f"{_nbgrader(cell)['grade_id']}-{k}"
            nb.cells.append(copy_)
    return nb, [_nbgrader(test)["grade_id"] for test in tests]


class WrongAnswerGrades:
    """``grades[(notebook, answer id)]`` -> ``{answer name: {test grade id: (score, max score)}}``.

    Each exercise is built, released and autograded when a test first asks for it, in a course folder of its
    own, so ``-k 03_overfitting`` grades only notebook 03's exercises.
    """

    def __init__(self, tmp_path_factory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.notebooks = {nb.id: nb for nb in course_notebooks.discover()}
        self.grades: dict = {}

    def __getitem__(self, exercise: tuple[str, str]) -> dict:
        if exercise not in self.grades:
            try:
                self.grades[exercise] = self._grade(exercise)
            except Exception as error:  # graded once: the other tests of this exercise fail with the same error
                self.grades[exercise] = error
        if isinstance(self.grades[exercise], Exception):
            raise self.grades[exercise]
        return self.grades[exercise]

    def _grade(self, exercise: tuple[str, str]) -> dict:
        stem, answer_id = exercise
        wrongs = WRONG_ANSWERS[exercise]
        root = self.tmp_path_factory.mktemp(f"wrong-{answer_id}")
        shutil.copy(course_notebooks.ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
        cells = _source(self.notebooks[stem]).cells
        solution = strip_markers(next(c.source for c in cells if _nbgrader(c).get("grade_id") == answer_id))
        answers = {"instructor's solution": solution} | {w.name: w.apply(solution) for w in wrongs}
        assignment = f"90_wrong_{answer_id}"
        nb, test_ids = _exercise_copies(self.notebooks[stem], answer_id, list(answers.values()), SETUP.get(exercise, ""))
        for wrong in wrongs:
            unknown = set(wrong.fails) - set(test_ids)
            assert not unknown, f"wrong answer '{wrong.name}': no test cell {unknown} after {answer_id} ({test_ids})"
        (root / "notebooks" / assignment).mkdir(parents=True)
        nbformat.write(nb, root / "notebooks" / assignment / f"{assignment}.ipynb")
        course_notebooks.release(root=root)
        config = course_notebooks.load_config(root)
        (root / "exchange").mkdir()
        config.Exchange.root = str(root / "exchange")
        course = Course(root=root, config=config)
        nb = nbformat.read(course.release_dir(assignment) / f"{assignment}.ipynb", as_version=4)
        sources = list(answers.values())
        for cell in nb.cells:
            if is_answer_cell(cell):
                cell.source = sources[int(_nbgrader(cell)["grade_id"].rsplit("-", 1)[1])]
        course.submit("wrong", assignment, assignment, nb)
        run = course.autograde(assignment, "wrong")
        scores = course.scores(assignment, "wrong", assignment)["grades"]
        grades = {name: {t: (scores[f"{t}-{k}"]["score"], scores[f"{t}-{k}"]["max_score"]) for t in test_ids}
                  for k, name in enumerate(answers)}
        solution_score = sum(score for score, _ in grades["instructor's solution"].values())
        zeros = sum(_graded_parts_score(grades[w.name], w) == 0 for w in wrongs)
        REPORT.setdefault("wrong answers", {})[f"{stem}/{answer_id}"] = (
            f"{zeros} of {len(wrongs)} wrong answers score 0 on the parts they get wrong; "
            f"solution {solution_score:g} points; autograde {run['seconds']:.0f} s")
        return grades


@pytest.fixture(scope="module")
def wrong_answer_grades(tmp_path_factory) -> WrongAnswerGrades:
    return WrongAnswerGrades(tmp_path_factory)


def _graded_parts_score(parts: dict, wrong: WrongAnswer) -> float:
    """The points a wrong answer earns on the test cells it must fail (all of them when ``fails`` is empty)."""
    return sum(score for test_id, (score, _) in parts.items() if not wrong.fails or test_id in wrong.fails)


@pytest.mark.parametrize("exercise", list(WRONG_ANSWERS), ids=[f"{nb}-{answer}" for nb, answer in WRONG_ANSWERS])
def test_the_solution_scores_full_beside_the_wrong_answers(wrong_answer_grades, exercise):
    parts = wrong_answer_grades[exercise]["instructor's solution"]
    score, max_score = (sum(v[i] for v in parts.values()) for i in (0, 1))
    assert max_score > 0 and score == max_score, (
        f"{exercise}: the instructor's solution scores {score}/{max_score} in the wrong-answer assignment "
        f"({parts}), so a zero for a wrong answer there would prove nothing")


@pytest.mark.parametrize(("exercise", "wrong"), WRONG_CASES,
                         ids=[f"{nb}-{name.replace(' ', '_')}" for (nb, _), name in WRONG_CASES])
def test_a_typical_wrong_answer_scores_zero(wrong_answer_grades, exercise, wrong):
    answer = next(w for w in WRONG_ANSWERS[exercise] if w.name == wrong)
    parts = wrong_answer_grades[exercise][wrong]
    score = _graded_parts_score(parts, answer)
    assert score == 0, (
        f"{exercise[0]}: the wrong answer '{wrong}' to '{exercise[1]}' earns {score} points on "
        f"{answer.fails or 'the exercise'} ({parts}): its tests must check behaviour that this mistake changes")
