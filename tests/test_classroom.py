"""A real classroom: nbgrader's exchange with an instructor and students, through JupyterHub.

The assignment is the course's notebook 00 (``notebooks/00_welcome``: one exercise, a visible
and a hidden test, the quickest notebook to run). Two variants of the same flow:

``test_classroom_through_jupyterhub``
    A JupyterHub (dummy authenticator, simple spawner: no unix users, each account with its
    own home folder; tests/classroom/ holds its configuration) with its proxy, an instructor and
    two students. Everything goes over HTTP through the hub's proxy, as a browser would: the
    instructor's formgrader API releases, collects, autogrades and hands out feedback; the
    students use the Assignments tab's routes to fetch and submit, and the contents API to write
    their answers and read their feedback. alice solves the exercise, bob submits it unsolved.
    Most of its time is starting three servers and running the notebook twice (autograde).
the tests on the ``fast`` fixture (no hub)
    The same steps in-process: nbgrader's API for the instructor and the exchange classes behind
    ``nbgrader fetch_assignment``/``submit``/``fetch_feedback`` for each student, each with a
    working folder and exchange cache of their own. The class is bigger: alice and bob as above,
    carol who passes the visible test and fails a hidden one, and four students whose
    submissions are alice's, broken the ways nbgrader's users report (a copied answer cell, a
    deleted test cell, a changed cell type, cleared notebook metadata). The pre-flight check
    (``tools/course_notebooks.py check``) runs before one batch autograde of the whole class.
``test_roster_due_date_and_late_penalty``
    Course administration (docs/instructors.md, section 9): ``nbgrader db`` imports a roster and sets
    a due date, one of two submissions is late, and autograde takes the course's per-hour penalty
    (``LatePenaltyPerHour``, nbgrader_config.py); a two-point assignment, about 30 s.
the deployment checks (nothing runs)
    The hub image's recipe (deploy/hub-image/Dockerfile), the guide's embedded files and the sizing
    settings, each with controls that show the check can fail.

Every server, the proxy and the hub are stopped and their ports freed whatever happens; the
closing summary gives the run times and what each broken submission produced. Each notebook run
costs what notebook 00 costs (18–25 s measured here on two cores at a load of 5, about a
minute at a load of 12): the
hub variant runs it twice, the fast one seven times. ``make classroom`` runs only this module.
"""

from __future__ import annotations

import copy
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import course_notebooks
import feedback_mathjax
import nbformat
import pytest
from testkit import REPORTS, ROOT, require_tool

CLASSROOM = Path(__file__).resolve().parent / "classroom"
if str(CLASSROOM) not in sys.path:
    sys.path.insert(0, str(CLASSROOM))
import hub_proxy  # noqa: E402  (tests/classroom/hub_proxy.py)

COURSE_ID = "dissecting-cnns-3"
ASSIGNMENT = "00_welcome"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SOURCE = ROOT / "notebooks" / ASSIGNMENT / NOTEBOOK
STUDENTS = ("alice", "bob")
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""", re.I)

REPORT = REPORTS.setdefault("classroom", {})

# The deployment files in tests/classroom/ hold production values; the test puts its temporary
# folders in their place, and nothing else (docs/instructors.md lists the same replacements).
EXCHANGE_ROOT = "/srv/nbgrader/exchange"
INSTRUCTOR_COURSE = "/home/jupyter-instructor/dissecting-cnns-3"


# --------------------------------------------------------------------------- the course
def deployed(name: str, replace: dict[str, str]) -> str:
    """A deployment file of tests/classroom/ with its production values replaced."""
    text = (CLASSROOM / name).read_text()
    for production, test in replace.items():
        assert production in text, f"tests/classroom/{name} no longer holds {production!r}"
        text = text.replace(production, test)
    return text


def make_course(folder: Path) -> Path:
    """The instructor's course: the repository's nbgrader_config.py and notebook 00."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    shutil.copytree(SOURCE.parent, folder / "notebooks" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    # nbgrader_config.py puts the MathJax of build/npm-feedback into the feedback: the repository's
    # copy (a copy of the file, not a link: on a hub with unix users the instructor must read it).
    script = feedback_mathjax.SCRIPT
    if script.exists():
        target = folder / script.relative_to(ROOT)
        target.parent.mkdir(parents=True)
        shutil.copy(script, target)
    return folder


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _cell(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if _nbgrader(c).get("grade_id") == grade_id)


def _region(source: str, begin: str, end: str) -> list[str]:
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            lines.append(line)
    return lines


def source_notebook():
    return nbformat.read(SOURCE, as_version=4)


def answers() -> dict[str, str]:
    """The instructor's answers, by grade_id: the answer cells of the source without markers."""
    return {_nbgrader(c)["grade_id"]: "\n".join(l for l in c.source.splitlines() if not any(m in l for m in MARKERS))
            for c in source_notebook().cells if _nbgrader(c).get("solution")}


def secret_lines() -> set[str]:
    """Solution and hidden-test lines of the source that appear nowhere else in it."""
    secret, public = set(), set()
    for cell in source_notebook().cells:
        hidden = (_region(cell.source, "BEGIN SOLUTION", "END SOLUTION")
                  + _region(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
        secret.update(l.strip() for l in hidden)
        public.update(l.strip() for l in cell.source.splitlines() if l not in hidden)
    return {l for l in secret - public if len(l) >= 4 and not l.startswith("#")}


def hidden_test_lines() -> set[str]:
    """The code of the hidden tests, line by line; an assert's message on a line of its own is left
    out (a failing assert shows its message in the feedback: that is what messages are for)."""
    lines = {l.strip() for c in source_notebook().cells
             for l in _region(c.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")}
    return {l for l in lines if len(l) >= 4 and not re.match(r"""^[rbfu]*["']""", l, re.I)}


def leaks(text: str, secrets_: set[str]) -> list[str]:
    found = [f"marker {m!r}" for m in MARKERS if m in text]
    try:
        nb = nbformat.reads(text, as_version=4)
        lines = {l.strip() for c in nb.cells for l in c.source.splitlines()}
    except Exception:  # noqa: BLE001 - not a notebook: compare the text's lines
        lines = {l.strip() for l in text.splitlines()}
    return found + [f"line {l!r}" for l in sorted(secrets_ & lines)]


def solve(nb):
    """alice: the instructor's answers in the fetched notebook."""
    solved = answers()
    for cell in nb.cells:
        if _nbgrader(cell).get("solution"):
            cell.source = solved[_nbgrader(cell)["grade_id"]]
    return nb


# carol's class_counts passes the visible test and fails a hidden one (an empty tensor has no max).
CAROL_ANSWER = '''import torch


def class_counts(y: torch.Tensor, num_classes: int) -> torch.Tensor:
    counts = torch.zeros(num_classes, dtype=torch.long)
    counts[: int(y.max()) + 1] = torch.bincount(y)
    return counts
'''


def shown_hidden_lines(html: str) -> list[str]:
    """Lines of the hidden tests that a page shows, in its text (tracebacks are coloured: their
    code is split into many HTML elements, so the raw HTML would hide a leak)."""
    from bs4 import BeautifulSoup

    text = BeautifulSoup(html, "html.parser").get_text()
    return sorted(line for line in hidden_test_lines() if line in text)


def external_scripts(html: str) -> list[str]:
    """URLs on another host that a page would load (script, stylesheet, image, frame)."""
    return sorted(set(EXTERNAL.findall(html)))


def feedback_score(html: str) -> tuple[float, float]:
    shown = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", html)
    assert shown, "the feedback shows no score"
    return float(shown[1]), float(shown[2])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def write_student_config(home: Path, student: str) -> None:
    """Without unix users nbgrader would take every student for the OS user (root here): each
    home says who its student is. (On a real hub each student is a unix user, or JUPYTERHUB_USER.)"""
    config = home / ".jupyter" / "nbgrader_config.py"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"c = get_config()  # noqa: F821\nc.CourseDirectory.student_id = {student!r}\n")


# --------------------------------------------------------------------------- JupyterHub
class Hub:
    """A JupyterHub in a process group of its own; :meth:`stop` ends it and everything it started."""

    def __init__(self, base: Path, token: str):
        self.base, self.token = base, token
        self.state, self.homes, self.etc = base / "hub-state", base / "home", base / "etc"
        for folder in (self.state, self.homes, self.etc):
            folder.mkdir(parents=True, exist_ok=True)
        self.port, self.hub_port, self.api_port = free_port(), free_port(), free_port()
        self.process: subprocess.Popen | None = None
        self.seen: dict[int, float] = {}  # pid -> start time of every process seen below the hub
        self.server_ports: set[int] = set()
        self.log = self.state / "jupyterhub.log"
        import requests

        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {token}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, proxy: Path, timeout: float = 90) -> None:
        bindir = Path(sys.executable).parent
        env = dict(os.environ, CLASSROOM_STATE=str(self.state), CLASSROOM_HOMES=str(self.homes),
                   CLASSROOM_ETC=str(self.etc), CLASSROOM_PORT=str(self.port),
                   CLASSROOM_HUB_PORT=str(self.hub_port), CLASSROOM_PROXY_API_PORT=str(self.api_port),
                   CLASSROOM_PROXY=str(proxy), CLASSROOM_TOKEN=self.token,
                   CLASSROOM_SINGLEUSER=str(bindir / "jupyterhub-singleuser"),
                   PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [str(bindir / "jupyterhub"), "-f", str(CLASSROOM / "jupyterhub_config.py")],
                cwd=self.state, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._note_children()
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if self.http.get(f"{self.url}/hub/api/", timeout=5).ok:
                    return
            except Exception:  # noqa: BLE001 - not listening yet
                pass
            time.sleep(0.5)
        raise RuntimeError(f"JupyterHub did not answer within {timeout} s:\n{self.tail()}")

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"

    def _note_children(self) -> None:
        import psutil

        if self.process is None:
            return
        try:
            for child in psutil.Process(self.process.pid).children(recursive=True):
                self.seen.setdefault(child.pid, child.create_time())
        except psutil.Error:
            pass

    def api(self, method: str, path: str, **kwargs):
        response = self.http.request(method, f"{self.url}/hub/api/{path}", timeout=30, **kwargs)
        assert response.status_code < 400, f"{method} /hub/api/{path}: {response.status_code} {response.text[:500]}"
        return response.json() if response.content else None

    def spawn(self, users, timeout: float = 150) -> float:
        """Start the users' servers at once; return the seconds until all were ready."""
        start = time.monotonic()
        for user in users:
            self.api("POST", f"users/{user}/server")
        waiting = set(users)
        while waiting and time.monotonic() - start < timeout:
            self._note_children()
            for user in sorted(waiting):
                server = (self.api("GET", f"users/{user}").get("servers") or {}).get("", {})
                if server.get("ready"):
                    waiting.discard(user)
                    port = re.search(r":(\d+)", server.get("url", "") or "")
                    if server.get("url") and port:
                        self.server_ports.add(int(port[1]))
            time.sleep(0.5)
        assert not waiting, f"servers of {sorted(waiting)} not ready within {timeout} s:\n{self.tail()}"
        return time.monotonic() - start

    def user(self, user: str, method: str, path: str, **kwargs):
        """A request to a user's server, through the proxy (as a browser would)."""
        import requests

        self._note_children()
        try:
            response = self.http.request(method, f"{self.url}/user/{user}/{path}", timeout=600, **kwargs)
        except requests.RequestException as error:  # say why, with the hub's and servers' log
            pytest.fail(f"{method} /user/{user}/{path}: no answer: {error!r}\n{self.tail()}", pytrace=False)
        assert response.status_code < 400, (
            f"{method} /user/{user}/{path}: {response.status_code} {response.text[:1000]}\n{self.tail()}")
        return response

    def stop(self) -> list[str]:
        """Stop the servers, the hub and its proxy; kill what is left; return what survived."""
        import psutil

        self._note_children()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the hub stops every server and the proxy
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        survivors = []
        for pid, started in sorted(self.seen.items()):
            try:
                proc = psutil.Process(pid)
                if proc.create_time() != started or proc.status() == psutil.STATUS_ZOMBIE:
                    continue  # gone (its pid may be another program's now)
                survivors.append(f"{pid} {' '.join(proc.cmdline())[:120]}")
                proc.kill()
                proc.wait(timeout=10)
            except psutil.Error:
                pass
        self.http.close()
        return survivors

    def ports(self) -> set[int]:
        return {self.port, self.hub_port, self.api_port, *self.server_ports}


@pytest.fixture
def hub(tmp_path):
    """A running JupyterHub for one test; stopped, with its proxy and servers, whatever happens."""
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        require_tool("the Python package jupyterhub is missing (pip install -e '.[test]')",
                     "the JupyterHub classroom test")
    try:
        proxy = hub_proxy.install()
    except RuntimeError as error:
        require_tool(str(error), "the JupyterHub classroom test")
        raise
    hub = Hub(tmp_path, secrets.token_hex(16))
    try:
        hub.start(proxy)
        yield hub
    finally:
        survivors = hub.stop()
        deadline = time.monotonic() + 15
        busy = hub.ports()
        while busy and time.monotonic() < deadline:
            busy = {p for p in busy if not port_is_free(p)}
            time.sleep(0.2) if busy else None
        REPORT["hub: processes left / ports busy after stop"] = f"{len(survivors)} / {len(busy)}"
        assert not survivors, f"processes outlived the hub and had to be killed: {survivors}"
        assert not busy, f"ports still in use after the hub stopped: {sorted(busy)}"


def test_classroom_through_jupyterhub(hub):
    start = time.monotonic()
    exchange = hub.base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)  # as docs/instructors.md says (the sticky bit: tests/test_hub_users.py)
    (hub.etc / "nbgrader_config.py").write_text(deployed("nbgrader_config.py", {EXCHANGE_ROOT: str(exchange)}))
    course = make_course(hub.homes / "instructor" / "dissecting-cnns-3")
    (hub.homes / "instructor" / ".jupyter").mkdir()
    (hub.homes / "instructor" / ".jupyter" / "nbgrader_config.py").write_text(
        deployed("instructor_nbgrader_config.py", {INSTRUCTOR_COURSE: str(course)}))
    for student in STUDENTS:
        write_student_config(hub.homes / student, student)

    for group, members in {f"formgrade-{COURSE_ID}": ["instructor"], f"nbgrader-{COURSE_ID}": list(STUDENTS)}.items():
        assert sorted(hub.api("GET", f"groups/{group}")["users"]) == members, f"hub group {group}"
    startup = hub.spawn(["instructor", *STUDENTS])

    def formgrader(path: str, what: str):
        result = hub.user("instructor", "POST", f"formgrader/api/{path}").json()
        assert result.get("success"), f"formgrader {what} failed:\n{result.get('error') or result.get('log')}"
        return result

    def student(name: str, action: str):
        return hub.user(name, "POST", f"assignments/{action}",
                        params={"course_id": COURSE_ID, "assignment_id": ASSIGNMENT}).json()

    def contents(name: str, path: str):
        return hub.user(name, "GET", f"api/contents/{path}", params={"content": "1"}).json()

    # JupyterHub >= 4.1 forbids framing user servers: the formgrader's JupyterLab panel is blank.
    csp = hub.user("instructor", "GET", "formgrader").headers.get("Content-Security-Policy", "")
    REPORT["hub: Content-Security-Policy of a user server"] = csp
    formgrader(f"assignment/{ASSIGNMENT}/assign", "generate_assignment")
    formgrader(f"assignment/{ASSIGNMENT}/release", "release_assignment")

    secrets_ = secret_lines()
    for name in STUDENTS:
        listed = student(name, "fetch")
        assert listed.get("success"), listed
        mine = [a for a in listed["value"] if a["assignment_id"] == ASSIGNMENT and a["status"] == "fetched"]
        assert mine, f"{name} could not fetch {ASSIGNMENT}: {listed}"
        fetched = contents(name, f"{ASSIGNMENT}/{NOTEBOOK}")["content"]
        problems = leaks(json.dumps(fetched), set()) + leaks(nbformat.writes(nbformat.from_dict(fetched)), secrets_)
        assert not problems, f"{name}'s fetched copy gives away answers or hidden tests: {problems}"
        if name == "alice":
            nb = solve(nbformat.from_dict(fetched))
            hub.user(name, "PUT", f"api/contents/{ASSIGNMENT}/{NOTEBOOK}",
                     json={"type": "notebook", "format": "json", "content": nb})
        submitted = student(name, "submit")
        assert submitted.get("success", True) and "value" in submitted, f"{name} could not submit: {submitted}"

    collected = formgrader(f"assignment/{ASSIGNMENT}/collect", "collect")
    assert sorted(p.name for p in (course / "submitted").iterdir()) == sorted(STUDENTS), collected["log"]
    for name in STUDENTS:
        formgrader(f"submission/{ASSIGNMENT}/{name}/autograde", f"autograde of {name}")
    formgrader(f"assignment/{ASSIGNMENT}/generate_feedback", "generate_feedback")
    formgrader(f"assignment/{ASSIGNMENT}/release_feedback", "release_feedback")

    scores = {}
    for name in STUDENTS:
        sub = hub.user("instructor", "GET", f"formgrader/api/submission/{ASSIGNMENT}/{name}").json()
        scores[name] = (sub["score"], sub["max_score"])
    assert scores["alice"][0] == scores["alice"][1] > 0, f"alice's solution did not get full marks: {scores}"
    assert scores["bob"][0] == 0 < scores["bob"][1], f"bob's unsolved notebook earned points: {scores}"

    for name in STUDENTS:
        student(name, "fetch_feedback")
        folder = contents(name, f"{ASSIGNMENT}/feedback")["content"]
        htmls = [f for run in folder if run["type"] == "directory"
                 for f in contents(name, run["path"])["content"] if f["name"].endswith(".html")]
        assert len(htmls) == 1, f"{name} fetched {len(htmls)} feedback files: {[f['path'] for f in htmls]}"
        html = contents(name, htmls[0]["path"])["content"]
        own = (course / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
        assert html == own, f"{name} did not get their own feedback"
        assert feedback_score(html) == scores[name], f"{name}'s feedback shows another score"
        assert not shown_hidden_lines(html), f"{name}'s feedback shows hidden tests: {shown_hidden_lines(html)}"
        assert not external_scripts(html), f"{name}'s feedback loads {external_scripts(html)}"
    total = time.monotonic() - start
    REPORT["hub classroom (alice full, bob zero)"] = (
        f"{total:.0f} s, of which {startup:.0f} s starting three servers; scores "
        + ", ".join(f"{n} {s[0]:g}/{s[1]:g}" for n, s in scores.items()))
    assert "frame-ancestors 'none'" in csp, (
        f"user servers no longer forbid framing ({csp!r}): update the formgrader note in docs/instructors.md")


# --------------------------------------------------------------------------- without the hub
BROKEN = {
    "dupe": "a copied answer cell (two cells with one grade_id)",
    "dupetest": "a copied test cell",
    "notest": "the test cell deleted",
    "retyped": "the answer cell changed to markdown",
    "nometa": "the notebook's metadata cleared",
}
# Submissions no repair can save: named, not graded, and the rest of the class is graded.
UNREADABLE = {"empty": "an empty file in place of the notebook",
              "notnb": "a file that is no notebook (a Python script saved as .ipynb)"}
# Sound in structure, only odd: graded like any other, with nothing to report.
ERROR_SAVED = "errorsaved"


def break_submission(kind: str, nb) -> None:
    answer, test = _cell(nb, "class_counts"), _cell(nb, "test_class_counts")
    if kind in ("dupe", "dupetest"):  # a copy of the answer or the test cell, just below it
        index = answer if kind == "dupe" else test
        twin = copy.deepcopy(nb.cells[index])
        twin.pop("id", None)
        if nb.nbformat_minor >= 5:
            twin["id"] = f"copied-{kind}"
        nb.cells.insert(index + 1, twin)
    elif kind == "notest":
        del nb.cells[test]
    elif kind == ERROR_SAVED:  # the student ran a broken version, fixed the code and saved without running it
        nb.cells[answer].outputs = [nbformat.v4.new_output("error", ename="NameError", evalue="name 'y' is not defined",
                                                            traceback=["NameError: name 'y' is not defined"])]
        nb.cells[answer].execution_count = 3
    elif kind == "retyped":
        cell = nb.cells[answer]
        cell.cell_type = "markdown"
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    elif kind == "nometa":
        nb.metadata = nbformat.NotebookNode()
    else:
        raise ValueError(kind)


class FastClassroom:
    """The classroom without a hub: nbgrader's API for the instructor, its exchange classes for
    each student (home folder and exchange cache of their own)."""

    def __init__(self, base: Path):
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        self.base = base
        self.exchange = base / "exchange"
        self.exchange.mkdir(parents=True)
        self.course = make_course(base / "instructor" / "dissecting-cnns-3")
        self.config = course_notebooks.load_config(self.course)
        self.config.Exchange.root = str(self.exchange)
        self.api = NbGraderAPI(coursedir=CourseDirectory(config=self.config), config=self.config)

    def instructor(self, action: str, *args) -> dict:
        result = getattr(self.api, action)(ASSIGNMENT, *args)
        assert result["success"], f"nbgrader {action} failed:\n{result.get('error')}\n{result['log'][-3000:]}"
        return result

    def nbgrader(self, *args: str) -> subprocess.CompletedProcess:
        """The nbgrader command line in the course folder (it reads the course's nbgrader_config.py)."""
        return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=self.course, capture_output=True,
                              text=True, timeout=120)

    def home(self, student: str) -> Path:
        return self.base / "home" / student

    def student(self, name: str, action: str) -> None:
        from nbgrader.auth import Authenticator
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.exchange import ExchangeFactory
        from traitlets.config import Config

        config = Config()
        config.CourseDirectory.course_id = COURSE_ID
        config.CourseDirectory.assignment_id = ASSIGNMENT
        config.CourseDirectory.student_id = name
        config.Exchange.root = str(self.exchange)
        config.Exchange.cache = str(self.home(name) / ".nbgrader-cache")
        config.Exchange.assignment_dir = str(self.home(name))
        self.home(name).mkdir(parents=True, exist_ok=True)
        app = getattr(ExchangeFactory(config=config), action)(
            coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config), config=config)
        app.start()

    def notebook(self, name: str) -> Path:
        return self.home(name) / ASSIGNMENT / NOTEBOOK

    def scores(self) -> dict:
        from nbgrader.api import Gradebook, MissingEntry

        out = {}
        with Gradebook(self.config.CourseDirectory.db_url) as gb:
            for name in self.students:
                try:
                    sub = gb.find_submission(ASSIGNMENT, name)
                except MissingEntry:
                    out[name] = None
                    continue
                out[name] = {"score": sub.score, "max_score": sub.max_score,
                             "needs_manual_grade": sub.needs_manual_grade}
        return out


@pytest.fixture(scope="module")
def fast(tmp_path_factory):
    """The whole flow without the hub, run once for the module's tests."""
    start = time.monotonic()
    if not feedback_mathjax.problem():  # the feedback's MathJax (without npm: test_feedback_works_offline skips)
        feedback_mathjax.install()
    room = FastClassroom(tmp_path_factory.mktemp("fast-classroom"))
    room.instructor("generate_assignment")
    room.instructor("release_assignment")
    room.students = [*STUDENTS, "carol", *BROKEN, ERROR_SAVED, *UNREADABLE]
    for name in room.students:
        room.student(name, "FetchAssignment")
        path = room.notebook(name)
        nb = nbformat.read(path, as_version=4)
        if name == "alice" or name in BROKEN or name == ERROR_SAVED:
            solve(nb)
        if name == "carol":
            nb.cells[_cell(nb, "class_counts")].source = CAROL_ANSWER
        if name in BROKEN or name == ERROR_SAVED:
            break_submission(name, nb)
        nbformat.write(nb, path)
        if name == "empty":
            path.write_text("")
        if name == "notnb":
            path.write_text("import torch\nprint(torch.__version__)\n")
        room.student(name, "Submit")
    room.instructor("collect")
    assert sorted(p.name for p in (room.course / "submitted").iterdir()) == sorted(room.students)

    # nbgrader alone, on the copied cell (costs nothing: it stops before running the notebook), and on
    # the deleted test cell, whose silent zero the course's export flags.
    room.dupe_alone = room.api.autograde(ASSIGNMENT, "dupe")
    room.alone = {name: room.api.autograde(ASSIGNMENT, name) for name in ("dupetest", "empty")}
    room.notest_alone = room.api.autograde(ASSIGNMENT, "notest")
    room.export_csv = room.course / "grades-before-repair.csv"
    room.export_log = room.nbgrader("export", "--to", str(room.export_csv))
    # The course's grading: the pre-flight check with repairs, then every student alone.
    grade_start = time.monotonic()
    room.rows = course_notebooks.grade(ASSIGNMENT, root=room.course)
    room.grade_seconds = time.monotonic() - grade_start
    room.preflight = {name: [p for p in row["problems"] if not p.startswith("not autograded")]
                      for name, row in room.rows.items() if row["problems"]}
    room.export_after = room.nbgrader("export", "--to", str(room.course / "grades.csv"))
    room.check_again = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "course_notebooks.py"), "check", ASSIGNMENT, "--repair",
         "--course", str(room.course)], capture_output=True, text=True, timeout=120)
    room.final = room.scores()
    room.instructor("generate_feedback")
    room.instructor("release_feedback")
    for name in room.students:
        room.student(name, "FetchFeedback")
    room.seconds = time.monotonic() - start
    REPORT[f"fast classroom, no hub ({len(room.students)} students)"] = (
        f"{room.seconds:.0f} s, of which {room.grade_seconds:.0f} s grading, one student at a time")
    return room


def _feedback(room: FastClassroom, name: str) -> list[Path]:
    return sorted((room.home(name) / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))


def test_fast_classroom_flow(fast):
    """Release, fetch, submit, collect, autograde and feedback without a hub: alice full, bob zero."""
    assert all(row["graded"] for name, row in fast.rows.items() if name not in UNREADABLE), fast.rows
    secrets_ = secret_lines()
    fetched = (fast.home("bob") / ASSIGNMENT / NOTEBOOK).read_text()
    assert not leaks(fetched, secrets_), f"bob's fetched copy gives away answers: {leaks(fetched, secrets_)}"
    alice, bob = fast.final["alice"], fast.final["bob"]
    assert alice["score"] == alice["max_score"] > 0, alice
    assert bob["score"] == 0 < bob["max_score"], bob
    for name in fast.students:
        files = _feedback(fast, name)
        if name in UNREADABLE:  # not graded: no feedback (the instructor asks them for the notebook)
            assert not files, f"{name} was not graded but fetched feedback"
            continue
        assert len(files) == 1, f"{name} fetched {len(files)} feedback files"
        own = fast.course / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert files[0].read_text() == own.read_text(), f"{name} did not get their own feedback"


def test_feedback_hides_the_hidden_tests(fast):
    """carol fails only a hidden test: her feedback has her score and error, not the hidden code."""
    carol = fast.final["carol"]
    assert carol["score"] == 0 < carol["max_score"], f"carol's answer should fail the hidden test: {carol}"
    hidden = hidden_test_lines()
    graded = nbformat.read(fast.course / "autograded" / "carol" / ASSIGNMENT / NOTEBOOK, as_version=4)
    test = graded.cells[_cell(graded, "test_class_counts")]
    errors = [o for o in test.outputs if o.output_type == "error"]
    raw = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", "\n".join(errors[0].traceback)) if errors else ""
    assert errors and any(line in raw for line in hidden), (
        "carol's answer no longer fails in the hidden tests (negative control: the raw traceback "
        "quotes the failing hidden line)")
    html = _feedback(fast, "carol")[0].read_text()
    assert feedback_score(html) == (carol["score"], carol["max_score"])
    shown = shown_hidden_lines(html)
    assert not shown and "HIDDEN TESTS" not in html, f"carol's feedback shows hidden tests: {shown}"
    assert errors[0].ename in html, "carol's feedback does not say which error her answer raised"
    REPORT["feedback of a failed hidden test"] = (
        f"score {carol['score']:g}/{carol['max_score']:g}, shows {errors[0].ename}: "
        f"{errors[0].evalue[:60]!r}, no hidden-test line")


def test_nbgrader_default_feedback_leaks_hidden_tests(fast):
    """Negative control: nbgrader's own feedback preprocessors show carol the hidden tests."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = copy.deepcopy(fast.config)
    config.GenerateFeedback.preprocessors = ["nbgrader.preprocessors.GetGrades",
                                             "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
    config.CourseDirectory.feedback_directory = "feedback-nbgrader-default"
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    result = api.generate_feedback(ASSIGNMENT, "carol")
    assert result["success"], result.get("error")
    html = (fast.course / "feedback-nbgrader-default" / "carol" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert shown_hidden_lines(html), "the leak check would not see a leak"


def test_feedback_works_offline(fast):
    """The feedback loads nothing from anywhere: MathJax is inside it (tests/test_hub_users.py
    checks in Chromium, through a hub, that its formulas are typeset)."""
    html = _feedback(fast, "alice")[0].read_text()
    assert not external_scripts(html), f"the feedback loads {external_scripts(html)}"
    require_tool(None if feedback_mathjax.installed() else feedback_mathjax.NPM_MISSING, "the feedback MathJax test")
    scripts = re.findall(r"""<script[^>]*\bsrc=["']([^"']+)""", html)
    assert not scripts, f"the feedback loads scripts: {scripts}"
    inlined = feedback_mathjax.SCRIPT.read_text().replace("<!--", "\\x3C!--")
    assert inlined in html, "the feedback does not carry build/npm-feedback's MathJax"
    REPORT["feedback MathJax"] = f"inside each feedback file ({len(html) / 1e6:.1f} MB for notebook 00)"


def test_feedback_exporter_names_a_missing_mathjax_file(tmp_path):
    """A configured MathJax file that is not there stops the feedback with its path; nbconvert's
    MathJax block is replaced, never left pointing at the CDN."""
    exporter_class = course_notebooks.load_config().GenerateFeedback.exporter_class
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("$x^2$")])
    with pytest.raises(FileNotFoundError, match="nowhere.js"):
        exporter_class(mathjax_file=str(tmp_path / "nowhere.js")).from_notebook_node(nb)
    require_tool(feedback_mathjax.problem(), "the feedback MathJax test")
    html, _ = exporter_class(mathjax_file=str(feedback_mathjax.install())).from_notebook_node(nb)
    assert "libs/mathjax" not in html and "window.MathJax = " in html and "MathJax.Hub.Config" not in html


def test_broken_submissions_are_reported_and_graded(fast):
    """Each broken submission is graded like alice's, after the pre-flight check names and repairs
    its problem; nbgrader alone crashes on the copied cell. No crash of the batch, no silent score."""
    alone = fast.dupe_alone
    crash = re.findall(r"^[\w.]*Error: .*$", alone.get("error") or "", re.M)
    REPORT["broken: copied cell, nbgrader alone"] = (
        "graded" if alone["success"] else f"autograde crashed: {crash[0] if crash else alone.get('error', '')[-200:]}")
    alice = fast.final["alice"]
    assert all(fast.rows[name]["graded"] for name in fast.students if name not in UNREADABLE), fast.rows
    for kind, what in BROKEN.items():
        found = fast.preflight.get(kind, [])
        score = fast.final[kind]
        REPORT[f"broken: {what}"] = (
            f"pre-flight: {'; '.join(found) or 'nothing found'} -> graded {score['score']:g}/{score['max_score']:g}"
            + (" (needs manual grade)" if score["needs_manual_grade"] else ""))
        assert found, f"the pre-flight check does not report {what}"
        assert score["score"] == alice["score"] and score["max_score"] == alice["max_score"], (
            f"{what}: graded {score}, alice's identical answer {alice}")
        assert not score["needs_manual_grade"], f"{what}: left 'needs manual grading'"
    assert set(fast.preflight) == set(BROKEN) | set(UNREADABLE), (
        f"the pre-flight check flags sound submissions: {fast.preflight}")
    assert fast.final[ERROR_SAVED]["score"] == alice["score"], "an error saved in an answer changes nothing"
    assert not fast.rows[ERROR_SAVED]["problems"]


def test_an_unreadable_submission_is_named_and_the_class_is_still_graded(fast):
    """An empty file and a non-notebook: named with what to do, not autograded; everyone else is."""
    for kind, what in UNREADABLE.items():
        row = fast.rows[kind]
        REPORT[f"broken: {what}"] = "; ".join(row["problems"])
        assert not row["graded"] and row["score"] is None, row
        assert any("is not a readable notebook" in p and "ask the student" in p for p in row["problems"]), row
        assert any(p.startswith("not autograded") for p in row["problems"]), row
    # What the guide says nbgrader alone does with them (and with a copied test cell): it crashes.
    for name in ("dupetest", "empty"):
        alone = fast.alone[name]
        REPORT[f"broken: {name}, nbgrader alone"] = "graded" if alone["success"] else (
            "autograde crashed: " + [line for line in alone.get("error", "").splitlines() if line.strip()][-1][:160])
        assert not alone["success"], f"nbgrader alone now grades {name}: update docs/instructors.md"
    graded = [name for name, row in fast.rows.items() if row["graded"]]
    assert len(graded) == len(fast.students) - len(UNREADABLE), fast.rows
    # check --repair cannot repair them: it says so and exits non-zero.
    assert fast.check_again.returncode == 1, fast.check_again.stdout + fast.check_again.stderr
    assert "could not be repaired: empty, notnb" in fast.check_again.stdout, fast.check_again.stdout


def test_a_deleted_test_cell_is_flagged_in_the_export_and_repaired_by_grade(fast):
    """nbgrader alone gives the deleted test 0 points, waiting for a manual grade: the course's
    export names the cell; the course's grade command puts it back and grades it."""
    import csv

    assert fast.notest_alone["success"], fast.notest_alone.get("error")
    assert fast.export_log.returncode == 0, fast.export_log.stdout + fast.export_log.stderr
    with open(fast.export_csv, newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert rows["notest"]["ungraded_test_cells"] == f"{NOTEBOOK.removesuffix('.ipynb')}/test_class_counts", rows["notest"]
    # The copied cell crashed nbgrader's autograde after the gradebook had the submission: its test
    # has no score either, and is flagged too.
    assert rows["dupe"]["ungraded_test_cells"] == rows["notest"]["ungraded_test_cells"], rows["dupe"]
    # After the course's grade command, nothing is left to flag (the column can be empty).
    assert fast.export_after.returncode == 0, fast.export_after.stderr
    with open(fast.course / "grades.csv", newline="") as handle:
        after = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(after) >= set(fast.students) - set(UNREADABLE), sorted(after)
    assert all(row["ungraded_test_cells"] == "" for name, row in after.items() if name not in UNREADABLE), after
    assert float(rows["notest"]["score"]) < fast.final["alice"]["score"], "the silent zero the column flags"
    REPORT["broken: the test cell deleted, nbgrader export"] = (
        f"score {rows['notest']['score']}, ungraded_test_cells={rows['notest']['ungraded_test_cells']!r}")
    assert fast.rows["notest"]["graded"] and not fast.rows["notest"]["ungraded_tests"], fast.rows["notest"]


def test_preflight_names_each_problem():
    """The pre-flight check on notebooks in memory: each break is named, a sound copy passes."""
    released = nbformat.read(SOURCE, as_version=4)
    assert course_notebooks.check_submission(released, copy.deepcopy(released)) == []
    expected = {"dupe": "grade_id 'class_counts' is on 2 cells", "dupetest": "grade_id 'test_class_counts' is on 2 cells",
                "notest": "cell 'test_class_counts' is missing",
                "retyped": "changed from code to markdown", "nometa": "kernelspec"}
    for kind, words in expected.items():
        nb = copy.deepcopy(released)
        break_submission(kind, nb)
        problems = course_notebooks.check_submission(released, nb)
        assert any(words in p for p in problems), f"{kind}: {problems}"
        fixes = course_notebooks.repair_submission(released, nb)
        assert fixes and course_notebooks.check_submission(released, nb) == [], (kind, fixes)


# --------------------------------------------------------------------------- course administration
# docs/instructors.md, "Course administration": the roster, a due date and the late policy, as the
# guide writes them. A two-point assignment of its own keeps the notebook runs to a kernel's start.
ROSTER = """id,first_name,last_name,email
alice,Alice,Kim,alice@example.org
dave,Dave,Lee,dave@example.org
"""
LATE = "late_policy"
DUE = "2026-12-01 17:00:00 UTC"
SUBMITTED_AT = {"alice": "2026-12-01 16:59:30.000000 UTC",  # on time
                "dave": "2026-12-01 19:30:00.000000 UTC"}  # 2 h 30 min late: 3 started hours
POLICY = "c.LatePenaltyPerHour.percent_per_hour = 10"


def late_policy_notebook():
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"display_name": "Python 3 (ipykernel)",
                                                           "language": "python", "name": "python3"}})
    meta = {"schema_version": 3, "task": False, "locked": False}
    nb.cells = [
        nbformat.v4.new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                                  metadata={"nbgrader": {**meta, "grade": False, "solution": True,
                                                         "grade_id": "double"}}),
        nbformat.v4.new_code_cell("assert double(3) == 6",
                                  metadata={"nbgrader": {**meta, "grade": True, "solution": False, "locked": True,
                                                         "grade_id": "test_double", "points": 2}}),
    ]
    return nb


def test_roster_due_date_and_late_penalty(tmp_path):
    """The roster is imported from a CSV, the due date is set with `nbgrader db`, and autograde takes the
    course's per-hour late penalty from a late submission only, in the gradebook and in the export."""
    import csv

    from nbgrader.api import Gradebook

    guide = (ROOT / "docs" / "instructors.md").read_text()
    for text in (ROSTER, POLICY, "nbgrader db student import roster.csv", "nbgrader db assignment add "):
        assert text in guide, f"docs/instructors.md no longer shows {text!r}"
    start = time.monotonic()
    course = make_course(tmp_path / "course")
    folder = course / "notebooks" / LATE
    folder.mkdir()
    nbformat.write(late_policy_notebook(), folder / f"{LATE}.ipynb")
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\n{POLICY}\n")
    (course / "roster.csv").write_text(ROSTER)

    def nbgrader(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done.stderr

    nbgrader("db", "student", "import", "roster.csv")
    nbgrader("db", "assignment", "add", LATE, f"--duedate={DUE}")
    nbgrader("generate_assignment", LATE)
    released = course / "release" / LATE / f"{LATE}.ipynb"
    for student, stamp in SUBMITTED_AT.items():  # what `nbgrader collect` leaves: the notebook and its timestamp
        nb = nbformat.read(released, as_version=4)
        nb.cells[0].source = "def double(x):\n    return x + x"
        target = course / "submitted" / student / LATE
        target.mkdir(parents=True)
        nbformat.write(nb, target / f"{LATE}.ipynb")
        (target / "timestamp.txt").write_text(stamp)
    log = nbgrader("autograde", LATE)
    nbgrader("export", "--to", "grades.csv")

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        students = {s.id: (s.first_name, s.last_name, s.email) for s in gb.students}
        assert students == {"alice": ("Alice", "Kim", "alice@example.org"), "dave": ("Dave", "Lee", "dave@example.org")}
        assert str(gb.find_assignment(LATE).duedate) == "2026-12-01 17:00:00", "generate_assignment lost the due date"
        subs = {name: gb.find_submission(LATE, name) for name in SUBMITTED_AT}
        got = {name: (sub.total_seconds_late, sub.score, sub.late_submission_penalty) for name, sub in subs.items()}
    assert got["alice"] == (0, 2.0, 0), got
    assert got["dave"][0] == 2.5 * 3600, got
    assert got["dave"][1:] == (2.0, pytest.approx(0.6)), f"3 started hours at 10 % of 2 points: {got}; {log[-2000:]}"
    with open(course / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle) if row["assignment"] == LATE}
    assert (rows["dave"]["last_name"], float(rows["dave"]["raw_score"]), float(rows["dave"]["late_submission_penalty"]),
            float(rows["dave"]["score"])) == ("Lee", 2.0, pytest.approx(0.6), pytest.approx(1.4)), rows["dave"]
    assert (float(rows["alice"]["late_submission_penalty"]), float(rows["alice"]["score"])) == (0.0, 2.0), rows["alice"]
    REPORT["roster, due date and late penalty (nbgrader db, autograde, export)"] = f"{time.monotonic() - start:.0f} s"


def test_late_policy_plugin_follows_its_settings():
    """The course's plugin as nbgrader_config.py configures it: no penalty until a policy is chosen,
    nbgrader's 'zero' still works, and the per-hour penalty counts started hours and stops at zero."""
    from traitlets.config import Config

    plugin_class = course_notebooks.load_config().AssignLatePenalties.plugin_class
    assert plugin_class.__name__ == "LatePenaltyPerHour", plugin_class
    assert plugin_class().late_submission_penalty("x", 2.0, 3600) is None  # the repository's default: none
    zero = Config()
    zero.LateSubmissionPlugin.penalty_method = "zero"
    assert plugin_class(config=zero).late_submission_penalty("x", 2.0, 60) == 2.0
    per_hour = Config()
    per_hour.LatePenaltyPerHour.percent_per_hour = 10.0
    plugin = plugin_class(config=per_hour)
    assert [plugin.late_submission_penalty("x", 2.0, s) for s in (1, 3600, 3601)] == pytest.approx([0.2, 0.2, 0.4])
    assert plugin.late_submission_penalty("x", 2.0, 30 * 3600) == 2.0


# --------------------------------------------------------------------------- the hub's image
HUB_IMAGE = ROOT / "deploy" / "hub-image" / "Dockerfile"


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile: comments dropped, continued lines joined."""
    out, current = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or (not current and not line.strip()):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        word, _, rest = (current + line).strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        current = ""
    return out


def check_hub_image(text: str) -> list[str]:
    """What is wrong with a recipe for the hub's single-user image (empty: nothing)."""
    import shlex
    import tomllib

    problems, copies, installs = [], {}, []
    for word, rest in dockerfile_instructions(text):
        if "learner_config" in rest or "postBuild" in rest:
            problems.append(f"{word} {rest}: Binder's learner setup turns the Assignments tab off")
        if word in ("COPY", "ADD"):
            *sources, dest = [a for a in shlex.split(rest) if not a.startswith("--")]
            for source in sources:
                if not (ROOT / source).exists():
                    problems.append(f"COPY of {source}, which the repository does not have")
                target = dest.rstrip("/") + "/" + Path(source).name if dest.endswith("/") else dest
                copies[source] = target
        if word == "RUN":
            for command in re.split(r"&&|;|\|\|", rest):
                args = shlex.split(command)
                if "install" not in args and not args[:3] in (["mamba", "env", "update"], ["conda", "env", "update"]):
                    continue
                installs.append(args)
    environments = [a for a in installs if a[:3] in (["mamba", "env", "update"], ["conda", "env", "update"])]
    pips = [a for a in installs if a[:2] == ["pip", "install"] or a[:4] == ["python", "-m", "pip", "install"]]
    for args in installs:
        if args not in environments and args not in pips:
            problems.append(f"installs outside the course's lists: {' '.join(args)}")
    env_files = {a[a.index("--file") + 1] for a in environments if "--file" in a}
    if not environments or env_files != {copies.get("binder/environment.yml")}:
        problems.append(f"the packages must come from binder/environment.yml alone (files: {env_files or 'none'})")
    course = copies.get("pyproject.toml", "").rsplit("/", 1)[0]
    for args in pips:
        targets = [a for a in args[args.index("install") + 1:] if not a.startswith("-")]
        if "--no-deps" not in args or targets != [course]:
            problems.append(f"pip may install only the course package, without dependencies: {' '.join(args)}")
    if not pips:
        problems.append("the course package is not installed")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = {"pyproject.toml", project["project"]["readme"], *project["project"]["license-files"],
              *{name.split(".")[0] for name in project["tool"]["setuptools"]["packages"]},
              *project["tool"]["setuptools"]["package-dir"].values()} - {"course_utils.assets"}
    for name in sorted(needed):
        if copies.get(name) != f"{course}/{name}":
            problems.append(f"the package's {name} is not copied into {course or 'the build folder'}")
    roles = (CLASSROOM / "jupyterhub_roles.py").read_text()
    student = re.search(r'^STUDENT_CONFIG = "(.+)"$', roles, re.M).group(1)
    import yaml
    mount = yaml.safe_load((CLASSROOM / "z2jh_config.yaml").read_text())["singleuser"]["extraFiles"]["nbgrader-config"]
    for source, dest in (("tests/classroom/student_jupyter", student),
                         ("tests/classroom/nbgrader_config.py", mount["mountPath"])):
        if copies.get(source) != dest:
            problems.append(f"{source} must be copied to {dest} (found: {copies.get(source)})")
    return problems


def test_hub_image_recipe():
    """deploy/hub-image/Dockerfile, read without docker: the course's package list and package, no learner
    config, and the very files of tests/classroom that the hub tests use, where the hub's hook looks."""
    text = HUB_IMAGE.read_text()
    assert check_hub_image(text) == []
    # The files it copies are those the hub tests deploy.
    users_test = (ROOT / "tests" / "test_hub_users.py").read_text()
    assert 'CLASSROOM / "student_jupyter"' in users_test and '"jupyterhub_roles.py"' in users_test
    # Each check can fail: a recipe broken in each way is refused.
    broken = {
        "learner config": text + "RUN python tools/learner_config.py /etc/jupyter\n",
        "a second package list": text + "RUN python -m pip install torch torchvision\n",
        "conda install": text.replace("mamba clean", "mamba install --yes nbgitpuller && mamba clean"),
        "the root environment.yml": text.replace("binder/environment.yml", "environment.yml"),
        "dependencies of the package": text.replace("--no-deps ", ""),
        "another student folder": text.replace("tests/classroom/student_jupyter", "binder"),
        "student settings elsewhere": text.replace("/etc/jupyter/student", "/etc/jupyter/students"),
        "no nbgrader config": text.replace("COPY tests/classroom/nbgrader_config.py /etc/jupyter/nbgrader_config.py\n", ""),
        "no assets": re.sub(r"COPY [^\n]* assets [^\n]*\n", "", text),
    }
    for what, recipe in broken.items():
        assert recipe != text, f"control {what!r} changed nothing"
        assert check_hub_image(recipe), f"a recipe with {what} passed"


# --------------------------------------------------------------------------- sizing
SERVER_MB = 256  # a user's Jupyter server beside its kernels (JupyterLab: about 120 MB measured, docs/instructors.md)


def _bytes(size) -> float:
    """Kubernetes' and TLJH's sizes: "1.5G", "3G", "512M" (powers of 1024, as both read them)."""
    match = re.fullmatch(r"([0-9.]+)([KMGT]?)i?", str(size))
    assert match, f"not a size: {size!r}"
    return float(match.group(1)) * 1024 ** " KMGT".index(match.group(2) or " ")


def sizing_problems(values: dict, guide: str, peaks_mb: list[float] | None) -> list[str]:
    """What contradicts the guide's sizing: the notebooks' memory ceiling and measured peaks against
    z2jh's guarantee and limit, TLJH's limits against z2jh's, and one training thread everywhere."""
    from jupyterhub.spawner import LocalProcessSpawner
    from traitlets.config.loader import PyFileConfigLoader

    problems = []
    single = values["singleuser"]
    guarantee, limit = _bytes(single["memory"]["guarantee"]), _bytes(single["memory"]["limit"])
    ceiling_mb = float(re.search(r"^MEMORY_LIMIT_MB = ([0-9.]+)", (ROOT / "notebooks" / "conftest.py").read_text(),
                                 re.M).group(1))
    if limit < (ceiling_mb + SERVER_MB) * 2**20:
        problems.append(f"memory limit {single['memory']['limit']} is below a kernel the notebook tests allow "
                        f"({ceiling_mb:.0f} MB) and its server")
    stated = re.search(r"highest kernel peak:\s+\*\*(\d+) MB\*\*", guide)
    if not stated:
        problems.append("the guide states no highest kernel peak")
    elif guarantee < (float(stated.group(1)) + SERVER_MB) * 2**20:
        problems.append(f"memory guarantee {single['memory']['guarantee']} is below the stated peak and a server")
    if stated and peaks_mb and max(peaks_mb) > 1.1 * float(stated.group(1)):
        problems.append(f"a notebook now peaks at {max(peaks_mb):.0f} MB, above the guide's {stated.group(1)} MB")
    tljh = dict(re.findall(r"^tljh-config set limits\.(memory|cpu) (\S+)$", guide, re.M))
    if tljh != {"memory": str(single["memory"]["limit"]), "cpu": str(single["cpu"]["limit"])}:
        problems.append(f"TLJH's limits {tljh} are not z2jh's")
    if float(single["cpu"]["guarantee"]) > float(single["cpu"]["limit"]):
        problems.append("cpu guarantee above the limit")
    threads = single.get("extraEnv", {}).get("OMP_NUM_THREADS")
    line = re.search(r"^echo '(c\.Spawner\.environment.*)' > /opt/tljh/config/jupyterhub_config\.d/(\S+)$", guide, re.M)
    if not line:
        problems.append("the guide sets no training threads on TLJH")
    else:
        import tempfile
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / line.group(2)).write_text(line.group(1) + "\n")
            config = PyFileConfigLoader(line.group(2), path=folder).load_config()
        if LocalProcessSpawner(config=config).environment.get("OMP_NUM_THREADS") != threads or threads is None:
            problems.append(f"TLJH's and z2jh's OMP_NUM_THREADS differ ({threads!r} on z2jh)")
    return problems


def test_hub_sizing_matches_the_notebooks():
    """The per-student memory and CPU of z2jh_config.yaml and the guide's TLJH commands hold a kernel that the
    notebook tests allow, the guarantee holds the peak the guide states (and, where `make test-notebooks` has
    written build/notebook_budgets.json, the peak measured now); each check can fail."""
    import yaml

    values = yaml.safe_load((CLASSROOM / "z2jh_config.yaml").read_text())
    guide = (ROOT / "docs" / "instructors.md").read_text()
    budgets = ROOT / "build" / "notebook_budgets.json"
    peaks = [row["peak_mb"] for row in json.loads(budgets.read_text()).values()] if budgets.exists() else None
    REPORT["sizing: notebook peaks compared"] = f"{len(peaks)} measured" if peaks else "none (no build/notebook_budgets.json)"
    assert sizing_problems(values, guide, peaks) == []
    for what, change in {
        "a limit below the notebooks' ceiling": lambda v, g: v["singleuser"]["memory"].update(limit="2G") or g,
        "a guarantee below the peak": lambda v, g: v["singleuser"]["memory"].update(guarantee="1G") or g,
        "TLJH's limit not z2jh's": lambda v, g: g.replace("limits.memory 3G", "limits.memory 4G"),
        "threads only on TLJH": lambda v, g: v["singleuser"].pop("extraEnv") and g,
        "other threads on TLJH": lambda v, g: g.replace('"OMP_NUM_THREADS": "1"', '"OMP_NUM_THREADS": "4"'),
    }.items():
        broken = copy.deepcopy(values)
        text = change(broken, guide)
        assert sizing_problems(broken, text, peaks), f"{what} passed"
    assert sizing_problems(values, guide, [9999.0]), "a peak above the guide's passed"


# --------------------------------------------------------------------------- the deployment guide
def test_the_guide_shows_the_tested_configuration_files():
    """Every configuration file of docs/instructors.md's JupyterHub section is a file of
    tests/classroom/, shown unchanged; Zero to JupyterHub's values embed the same files."""
    import yaml

    guide = (ROOT / "docs" / "instructors.md").read_text()
    blocks = re.findall(r"<!-- file: (\S+) -->\n```[a-z]*\n(.*?)```", guide, re.S)
    expected = {f"tests/classroom/{name}" for name in (
        "nbgrader_config.py", "instructor_nbgrader_config.py", "jupyterhub_course.py", "jupyterhub_roles.py",
        "student_jupyter/jupyter_server_config.d/dissecting-cnns-3-student.json",
        "student_jupyter/labconfig/page_config.json", "z2jh_exchange_pvc.yaml", "z2jh_config.yaml")} | {
        "deploy/hub-image/Dockerfile"}
    assert {name for name, _ in blocks} == expected, "the guide's configuration files changed"
    for name, text in blocks:
        assert text == (ROOT / name).read_text(), f"docs/instructors.md shows another {name}"
    values = yaml.safe_load((CLASSROOM / "z2jh_config.yaml").read_text())
    single = values["singleuser"]
    assert single["extraFiles"]["nbgrader-config"]["stringData"] == (CLASSROOM / "nbgrader_config.py").read_text()
    assert single["extraFiles"]["nbgrader-config"]["mountPath"] == "/etc/jupyter/nbgrader_config.py"
    assert values["hub"]["extraConfig"][COURSE_ID] == (CLASSROOM / "jupyterhub_course.py").read_text()
    assert values["hub"]["extraConfig"][f"{COURSE_ID}-roles"] == (CLASSROOM / "jupyterhub_roles.py").read_text()
    mounts = {m["name"]: m["mountPath"] for m in single["storage"]["extraVolumeMounts"]}
    volumes = {v["name"]: v for v in single["storage"]["extraVolumes"]}
    assert mounts == {"nbgrader-exchange": EXCHANGE_ROOT}
    pvc = yaml.safe_load((CLASSROOM / "z2jh_exchange_pvc.yaml").read_text())
    assert volumes["nbgrader-exchange"]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    # The hub files name the course of the repository's nbgrader_config.py.
    assert course_notebooks.load_config().CourseDirectory.course_id == COURSE_ID
    assert f'course_id = "{COURSE_ID}"' in (CLASSROOM / "nbgrader_config.py").read_text()
    assert f"formgrade-{COURSE_ID}" in (CLASSROOM / "jupyterhub_course.py").read_text()
