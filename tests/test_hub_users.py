"""The classroom with real unix users: JupyterHub's PAM login and LocalProcessSpawner.

tests/test_classroom.py runs the class through a hub of one unix user (root) with the dummy
authenticator. Here every account is a throw-away unix user (an instructor and two students,
``<prefix>-instructor``, ``-alice`` and ``-bob``), as on The Littlest JupyterHub or a plain
JupyterHub on one machine:

- each logs in through the hub's login form with their unix password (PAM): session cookie,
  XSRF token, then their own server, which JupyterHub's LocalProcessSpawner starts as that user
  (no ``--allow-root``). alice and the instructor do it over HTTP (requests), bob in headless
  Chromium;
- nbgrader takes each student's id from their unix user: no home holds a ``student_id``;
- the class runs notebook 00 through the *Assignments* routes and the formgrader's API: release,
  fetch, submit, collect, autograde, feedback, fetch feedback (alice solves it, bob does not);
- the permission model holds, each check beside a control that shows it can fail: bob cannot
  list the exchange's inbound folder nor find alice's submission (the instructor can), nor move
  the course's folder in the exchange aside (in an exchange of mode 777 he can, hence 1777); a
  student cannot read the instructor's source notebook or gradebook (readable with the home mode
  Debian's useradd gives; the instructor can); a student cannot write into the outbound folder
  (the instructor can); a student's server has no formgrader, no "Create Assignment" and no
  course list (the instructor's has), and a student cannot reach the instructor's server;
- bob opens his feedback through the hub in Chromium, with every request outside the hub
  refused, and its formula is typeset by the MathJax the feedback carries (without that script
  the same check finds no typeset formula).

Needs root (useradd, userdel, setuid servers): elsewhere it skips loudly; in CI it must run.
Users, homes, processes and ports are removed whatever happens; users left by a killed run are
recognised by their comment field (the id of a pytest process no longer running) and removed
first, with the temporary folders of that run.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import feedback_mathjax
import nbformat
import pytest
import test_classroom as classroom
from testkit import REPORTS, require_tool

COURSE_ID, ASSIGNMENT, NOTEBOOK = classroom.COURSE_ID, classroom.ASSIGNMENT, classroom.NOTEBOOK
CLASSROOM = classroom.CLASSROOM
ROLES = ("instructor", "alice", "bob")
# Every user this test creates carries this comment (GECOS) and the id of the pytest process that
# made it: a later run removes the users (and temporary folders) of a run that is no longer alive.
MARKER = "dissecting-cnns-3 hub test (throw-away)"
TEMP_PREFIX = "dcnn3-hub-users-"
STUDENT_CONFIG = "/etc/jupyter/student"  # jupyterhub_roles.py's production folder
# A formula for the feedback: notebook 00 has none in its text, so the test's copy gets this cell.
FORMULA_CELL = r"The count of class $k$ among $N$ labels: $$n_k = \sum_{i=1}^{N} [y_i = k]$$"
REPORT = REPORTS.setdefault("classroom", {})
WHAT = "the JupyterHub test with unix users"


# --------------------------------------------------------------------------- unix users
def problem() -> str | None:
    """Why the test cannot run here (None when it can)."""
    if os.geteuid() != 0:
        return "it creates unix users and starts servers as them: run it as root"
    missing = [tool for tool in ("useradd", "userdel", "chpasswd") if not shutil.which(tool)]
    if missing:
        return f"{', '.join(missing)} missing (Debian: passwd)"
    if not Path("/etc/pam.d/login").exists():
        return "no PAM service 'login' (/etc/pam.d/login), which JupyterHub's PAM authenticator uses"
    try:
        import jupyterhub  # noqa: F401
        import pamela  # noqa: F401
    except ImportError as error:
        return f"{error.name} is missing (pip install -e '.[test]')"
    return classroom.hub_proxy.problem()


def _run(*argv: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` failed ({done.returncode}): {done.stderr.strip()}")


def _processes_of(uid: int) -> list:
    import psutil

    found = []
    for proc in psutil.process_iter(["uids"]):
        try:
            if proc.info["uids"] and proc.info["uids"].real == uid:
                found.append(proc)
        except psutil.Error:
            pass
    return found


def remove_user(name: str) -> list[str]:
    """Kill the user's processes, delete the user, their group and home; return what was killed."""
    import psutil

    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return []
    if not entry.pw_gecos.startswith(MARKER):  # never touch an account this test did not create
        raise RuntimeError(f"refusing to delete {name}: not a user of this test (comment {entry.pw_gecos!r})")
    killed = []
    for proc in _processes_of(entry.pw_uid):
        try:
            killed.append(f"{proc.pid} {' '.join(proc.cmdline())[:100]}")
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(_processes_of(entry.pw_uid), timeout=10)
    # What the user's programs left in the shared temporary folders (PyTorch's compile cache,
    # /tmp/torchinductor_<user>, among them): userdel removes only the home and the mail spool.
    for shared in (Path(tempfile.gettempdir()), Path("/var/tmp"), Path("/dev/shm")):
        for entry_path in shared.glob("*") if shared.is_dir() else []:
            try:
                owned = entry_path.lstat().st_uid == entry.pw_uid
            except OSError:
                continue
            if owned and entry_path.is_dir() and not entry_path.is_symlink():
                shutil.rmtree(entry_path, ignore_errors=True)
            elif owned:
                entry_path.unlink(missing_ok=True)
    _run("userdel", "--remove", name)
    return killed


def _alive(pid: str) -> bool:
    import psutil

    return pid.isdigit() and psutil.pid_exists(int(pid))


def remove_leftovers() -> None:
    """Users and temporary folders of earlier runs that were killed before they cleaned up (a run
    still going, in another pytest, is left alone)."""
    for entry in pwd.getpwall():
        if entry.pw_gecos.startswith(MARKER) and not _alive(entry.pw_gecos.rsplit(" ", 1)[-1]):
            remove_user(entry.pw_name)
    for folder in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*"):
        if not _alive(folder.name[len(TEMP_PREFIX):].split("-")[0]):
            shutil.rmtree(folder, ignore_errors=True)


def create_user(name: str, home: Path, password: str) -> None:
    """A unix user with a home of its own (useradd's default mode) and a password for PAM."""
    _run("useradd", "--create-home", "--home-dir", str(home), "--comment", f"{MARKER} pid {os.getpid()}",
         "--user-group", "--shell", "/bin/bash", name)
    done = subprocess.run(["chpasswd"], input=f"{name}:{password}\n", capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"chpasswd failed for {name}: {done.stderr.strip()}")


def as_user(name: str, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run a command as a unix user, with only that user's own group (what a student's terminal can do)."""
    entry = pwd.getpwnam(name)
    return subprocess.run(argv, user=entry.pw_uid, group=entry.pw_gid, extra_groups=[], cwd="/",
                          env={"PATH": "/usr/bin:/bin", "HOME": entry.pw_dir, **(env or {})}, capture_output=True,
                          text=True, errors="replace",
                          timeout=60)


def can(name: str, action: str, path: Path) -> bool:
    """Whether ``name`` may read a file, list a folder or create a file in a folder.

    Raises:
        RuntimeError: the attempt failed for another reason than a refused permission (a missing
            path would otherwise pass for a protected one).
    """
    if action == "read":
        done = as_user(name, "cat", "--", str(path))
    elif action == "list":
        done = as_user(name, "ls", "-A", "--", str(path))
    elif action == "write":  # create a file in the folder ``path``
        probe = path / f".probe-{secrets.token_hex(4)}"
        done = as_user(name, "sh", "-c", 'echo probe > "$1"', "sh", str(probe))
        if done.returncode == 0:
            probe.unlink()
    elif action == "append":  # change the file ``path``
        done = as_user(name, "sh", "-c", 'printf "" >> "$1"', "sh", str(path))
    elif action == "rename":  # move ``path`` aside (and back, as root, when that worked)
        aside = path.with_name(f"{path.name}-moved-{secrets.token_hex(4)}")
        done = as_user(name, "mv", "-T", "--", str(path), str(aside))
        if done.returncode == 0:
            aside.rename(path)
    else:
        raise ValueError(f"action must be read, list, write, append or rename, not {action!r}")
    if done.returncode == 0:
        return True
    # A folder with the sticky bit refuses to rename another's entry with EPERM, not EACCES.
    if "Permission denied" in done.stderr or "Operation not permitted" in done.stderr:
        return False
    raise RuntimeError(f"{name} could not {action} {path} for another reason: {done.stderr.strip()}")


# --------------------------------------------------------------------------- the users' Python
def user_runtime(base: Path, user: str) -> tuple[Path, dict[str, str]]:
    """The course environment as the unix users can run it: its ``bin`` folder and the environment
    variables it needs.

    The test's virtual environment may rest on a Python the users cannot reach (pyenv's under
    /root, mode 700). Then the test copies that Python's interpreter, its library and standard
    library (without tests and site-packages, about 130 MB) into ``base``, and a new virtual
    environment on the copy borrows the course environment's packages (a .pth file), its Jupyter
    data and settings (links), and gets its own copies of the entry scripts (their first line names
    the interpreter). Another Python will not do, even of the same minor version: packages of the
    course environment may require its patch release (soupsieve 4.1 needs 3.11.5, Debian 12 has
    3.11.2). The course environment itself must be readable by the users.
    """
    check = "import jupyterhub, nbgrader, course_utils"
    bindir = Path(sys.executable).parent
    try:
        if as_user(user, sys.executable, "-c", check).returncode == 0:
            return bindir, {}
    except OSError:  # the user cannot even reach the interpreter
        pass
    python = Path(sys._base_executable).resolve()  # noqa: SLF001 - the interpreter below the venv
    prefix = Path(sys.base_prefix)
    copy = base / "python"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (copy / "bin").mkdir(parents=True)
    shutil.copy2(python, copy / "bin" / version)
    shutil.copytree(prefix / "lib" / version, copy / "lib" / version, symlinks=True,
                    ignore=shutil.ignore_patterns("site-packages", "test", "idlelib", "tkinter", "turtledemo"))
    (copy / "lib" / version / "site-packages").mkdir()
    for library in prefix.glob("lib/libpython*.so*"):
        shutil.copy2(library, copy / "lib" / library.name, follow_symlinks=False)
    # The interpreter looks for its shared library in root's folder first (RUNPATH), which the
    # users cannot enter; LD_LIBRARY_PATH comes before it.
    env = {"LD_LIBRARY_PATH": str(copy / "lib")} if any(prefix.glob("lib/libpython*.so*")) else {}
    venv = base / "runtime"
    _run(str(copy / "bin" / version), "-m", "venv", "--without-pip", str(venv))
    site = venv / "lib" / version / "site-packages"
    course_site = next(p for p in map(Path, sys.path) if p.name == "site-packages" and str(p).startswith(sys.prefix))
    # A line of a .pth file that starts with "import" runs: addsitedir also reads the course
    # environment's own .pth files (the editable install of course_utils is one).
    (site / "course-environment.pth").write_text(f"import site; site.addsitedir({str(course_site)!r})\n")
    for part in ("share", "etc"):
        (venv / part).mkdir(exist_ok=True)
        (venv / part / "jupyter").symlink_to(Path(sys.prefix) / part / "jupyter", target_is_directory=True)
    shebang = f"#!{bindir}/python"
    for script in bindir.iterdir():
        target = venv / "bin" / script.name
        if target.exists() or not script.is_file():
            continue
        with open(script, "rb") as handle:
            first = handle.readline().decode(errors="replace")
        if first.startswith(shebang):
            text = script.read_text()
            target.write_text(f"#!{venv / 'bin' / 'python'}\n" + text.split("\n", 1)[1])
            target.chmod(0o755)
    done = as_user(user, str(venv / "bin" / "python"), "-c", check, env=env)
    if done.returncode != 0:
        require_tool(f"the unix users cannot import the course environment ({sys.prefix} must be readable "
                     f"by everyone): {done.stderr.strip()[-300:]}", WHAT)
    return venv / "bin", env


# --------------------------------------------------------------------------- the hub
class UsersHub(classroom.Hub):
    """The classroom test's hub, configured for unix users; no service token: everyone logs in."""

    def start(self, proxy: Path, env: dict[str, str], timeout: float = 90) -> None:
        import requests

        bindir = Path(sys.executable).parent
        env = dict(os.environ, CLASSROOM_STATE=str(self.state), CLASSROOM_PORT=str(self.port),
                   CLASSROOM_HUB_PORT=str(self.hub_port), CLASSROOM_PROXY_API_PORT=str(self.api_port),
                   CLASSROOM_PROXY=str(proxy), PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}", **env)
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [str(bindir / "jupyterhub"), "-f", str(CLASSROOM / "jupyterhub_users_config.py")],
                cwd=self.state, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"JupyterHub did not answer within {timeout} s:\n{self.tail()}")


class Visitor:
    """One user over HTTP, as a browser: the hub's login form, cookies, XSRF tokens."""

    def __init__(self, hub: UsersHub, name: str, password: str):
        import requests

        self.hub, self.name, self.password = hub, name, password
        self.http = requests.Session()

    def _xsrf(self, path: str) -> dict[str, str]:
        token = self.http.cookies.get("_xsrf", path=path)
        return {"X-XSRFToken": token} if token else {}

    def login(self) -> None:
        """POST the login form with the form's XSRF token; the hub answers with a session cookie."""
        page = self.http.get(f"{self.hub.url}/hub/login", timeout=30)
        token = re.search(r'name="_xsrf"\s+value="([^"]+)"', page.text)
        assert page.ok and token, f"the hub's login page has no XSRF field: {page.status_code} {page.text[:300]}"
        wrong = self.http.post(f"{self.hub.url}/hub/login", allow_redirects=False, timeout=60,
                               data={"username": self.name, "password": "not-" + self.password, "_xsrf": token[1]})
        assert wrong.status_code != 302, f"PAM let {self.name} in with a wrong password"
        done = self.http.post(f"{self.hub.url}/hub/login", allow_redirects=False, timeout=60,
                              data={"username": self.name, "password": self.password, "_xsrf": token[1]})
        assert done.status_code == 302, f"{self.name} could not log in: {done.status_code} {done.text[:300]}"
        assert any(c.name.startswith("jupyterhub-") for c in self.http.cookies), "no session cookie after login"

    def request_server(self) -> None:
        self.http.get(f"{self.hub.url}/hub/spawn/{self.name}", allow_redirects=False, timeout=60)

    def ready(self) -> bool:
        """Whether the user's own server is up (the hub's API, with the user's own cookie and XSRF token)."""
        model = self.http.get(f"{self.hub.url}/hub/api/users/{self.name}", headers=self._xsrf("/hub/"), timeout=30)
        assert model.ok, f"{self.name} cannot read their own hub model: {model.status_code} {model.text[:300]}"
        return bool((model.json().get("servers") or {}).get("", {}).get("ready"))

    def open_server(self) -> None:
        """Open JupyterLab: the server sends the user through the hub's OAuth and sets its own cookies."""
        page = self.http.get(f"{self.hub.url}/user/{self.name}/lab", timeout=120)
        assert page.ok and f"/user/{self.name}/lab" in page.url, (
            f"{self.name}'s JupyterLab: {page.status_code} {page.url}")
        self.lab_page = page.text

    def call(self, method: str, path: str, user: str | None = None, ok: bool = True, **kwargs):
        """A request to a user's server (one's own unless ``user``); ``ok``: fail unless it succeeds."""
        owner = user or self.name
        headers = self._xsrf(f"/user/{owner}/")
        response = self.http.request(method, f"{self.hub.url}/user/{owner}/{path}", headers=headers, timeout=600,
                                     **kwargs)
        if ok:
            assert response.status_code < 300, (
                f"{self.name}: {method} /user/{owner}/{path}: {response.status_code} {response.text[:800]}\n"
                f"{self.hub.tail()}")
        return response


def page_config(html: str) -> dict:
    """The page configuration JupyterLab reads from its HTML page (disabled plugins among it)."""
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no jupyter-config-data in the JupyterLab page"
    return json.loads(found[1])


# --------------------------------------------------------------------------- the class
@pytest.fixture
def unix_class(tmp_path):
    """Three unix users, their Python, the course in the instructor's home and a running hub.

    Everything is removed whatever happens: the hub (its proxy and servers), every process of the
    users, the users with their homes and groups, the temporary folders; then the ports are checked.
    """
    require_tool(problem(), WHAT)
    try:
        classroom.hub_proxy.install()
    except RuntimeError as error:  # npm could not fetch it (no network)
        require_tool(str(error), WHAT)
    if not feedback_mathjax.problem():
        feedback_mathjax.install()
    require_tool(None if feedback_mathjax.installed() else feedback_mathjax.NPM_MISSING, WHAT)
    remove_leftovers()
    # Homes and the exchange live where every user can reach them (pytest's tmp_path is root's, mode 700).
    base = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
    base.chmod(0o755)
    run = secrets.token_hex(3)
    names = {role: f"dcnn3hub{run}-{role}" for role in ROLES}
    passwords = {role: secrets.token_urlsafe(12) for role in ROLES}
    hub = UsersHub(tmp_path, token="")
    room = types.SimpleNamespace()
    killed: list[str] = []
    failures: list[str] = []
    try:
        (base / "home").mkdir(mode=0o755)
        for role in ROLES:
            create_user(names[role], base / "home" / names[role], passwords[role])
        room.base, room.hub, room.names, room.passwords = base, hub, names, passwords
        room.home = {role: Path(pwd.getpwnam(names[role]).pw_dir) for role in ROLES}
        room.bindir, room.user_env = user_runtime(base, names["instructor"])
        yield room
    finally:
        survivors = hub.stop()
        for name in names.values():  # each user, even when removing another failed
            try:
                killed += remove_user(name)
            except Exception as error:  # noqa: BLE001 - reported below, after the rest is cleaned up
                failures.append(f"{name}: {error}")
        shutil.rmtree(base, ignore_errors=True)
        deadline = time.monotonic() + 15
        busy = hub.ports()
        while busy and time.monotonic() < deadline:
            busy = {p for p in busy if not classroom.port_is_free(p)}
            time.sleep(0.2) if busy else None
        left = [name for name in names.values() if name in {e.pw_name for e in pwd.getpwall()}]
        left += [str(p) for p in Path(tempfile.gettempdir()).glob(f"*dcnn3hub{run}-*")]
        REPORT["hub with unix users: processes killed / users left / ports busy after stop"] = (
            f"{len(survivors) + len(killed)} / {len(left)} / {len(busy)}")
        assert not left and not failures, f"users or their files not removed: {left} {failures}"
        assert not survivors and not killed, f"processes outlived the hub and had to be killed: {survivors + killed}"
        assert not busy, f"ports still in use after the hub stopped: {sorted(busy)}"


def _course(room) -> Path:
    """The instructor's course (notebook 00 with a formula added), owned by the instructor."""
    instructor = room.names["instructor"]
    course = classroom.make_course(room.home["instructor"] / COURSE_ID)
    source = course / "notebooks" / ASSIGNMENT / NOTEBOOK
    nb = nbformat.read(source, as_version=4)
    nb.cells.insert(classroom._cell(nb, "class_counts"), nbformat.v4.new_markdown_cell(FORMULA_CELL))
    nbformat.write(nb, source)
    config = room.home["instructor"] / ".jupyter" / "nbgrader_config.py"
    config.parent.mkdir()
    config.write_text(classroom.deployed("instructor_nbgrader_config.py", {classroom.INSTRUCTOR_COURSE: str(course)}))
    _run("chown", "-R", f"{instructor}:{instructor}", str(room.home["instructor"]))
    return course


def test_classroom_with_unix_users(unix_class, browser):
    room, hub = unix_class, unix_class.hub
    start = time.monotonic()
    names, home = room.names, room.home
    instructor, alice, bob = (names[r] for r in ROLES)
    etc = room.base / "etc"
    (etc / "student").mkdir(parents=True)
    shutil.copytree(CLASSROOM / "student_jupyter", etc / "student", dirs_exist_ok=True)
    # Control for the exchange's mode: in a folder every user may write to (777), bob moves a folder
    # of the instructor's aside, and could put one of his own in its place; the sticky bit (1777)
    # stops that. Whoever owns the course's folder in the exchange receives every submission.
    modes = {}
    for mode in (0o777, 0o1777):
        scratch = room.base / f"scratch-{mode:o}"
        (scratch / "course").mkdir(parents=True)
        _run("chown", f"{instructor}:{instructor}", str(scratch / "course"))
        scratch.chmod(mode)
        modes[f"{mode:o}"] = can(bob, "rename", scratch / "course")
        shutil.rmtree(scratch)
    REPORT["hub with unix users: a student can move the instructor's folder in an exchange of mode"] = modes
    assert modes == {"777": True, "1777": False}, f"the rename check does not tell the modes apart: {modes}"
    exchange = room.base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)  # as docs/instructors.md says
    (etc / "nbgrader_config.py").write_text(
        classroom.deployed("nbgrader_config.py", {classroom.EXCHANGE_ROOT: str(exchange)}))
    roles = hub.state / "jupyterhub_roles.py"
    roles.write_text(classroom.deployed("jupyterhub_roles.py", {STUDENT_CONFIG: str(etc / "student")}))
    for path in [etc, *etc.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    course = _course(room)
    solutions = course / "notebooks" / ASSIGNMENT / NOTEBOOK

    # Permission control: with the home mode useradd gave (Debian: 755), a student reads the solutions.
    default_mode = oct(home["instructor"].stat().st_mode & 0o777)
    readable_by_default = can(alice, "read", solutions)
    home["instructor"].chmod(0o700)  # docs/instructors.md: an instructor's home is private
    REPORT["hub with unix users: instructor's home as useradd made it"] = (
        f"mode {default_mode}, solutions readable by a student: {readable_by_default}")

    hub.start(classroom.hub_proxy.install(), {
        "CLASSROOM_ETC": str(etc), "CLASSROOM_ROLES": str(roles), "CLASSROOM_USERS": ",".join(names.values()),
        "CLASSROOM_SINGLEUSER": str(room.bindir / "jupyterhub-singleuser"),
        "CLASSROOM_USER_PATH": f"{room.bindir}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "CLASSROOM_USER_ENV": json.dumps(room.user_env)})
    staff, student = (Visitor(hub, names[r], room.passwords[r]) for r in ("instructor", "alice"))
    for visitor in (staff, student):
        visitor.login()
        visitor.request_server()

    # bob: the same in headless Chromium, every request outside the hub refused and recorded.
    context = browser.new_context()
    outside: list[str] = []

    def only_the_hub(route):
        if route.request.url.startswith(hub.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_hub)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{hub.url}/hub/login", wait_until="domcontentloaded")
        page.fill("input[name=username]", bob)
        page.fill("input[name=password]", room.passwords["bob"])
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(re.compile(rf"/user/{re.escape(bob)}/lab"), timeout=240_000)
        page.wait_for_function("window.jupyterapp && window.jupyterapp.commands.hasCommand("
                               "'nbgrader:open-assignment-list')", timeout=120_000)
        startup = time.monotonic() - start
        page.evaluate("async () => { await window.jupyterapp.restored; return true; }")  # every plugin has started
        commands = page.evaluate("""() => Object.fromEntries(['nbgrader:open-assignment-list',
            'nbgrader:open-formgrader', 'nbgrader:open-create-assignment', 'nbgrader:open-course-list']
            .map(c => [c, window.jupyterapp.commands.hasCommand(c)]))""")

        deadline = time.monotonic() + 180
        waiting = {staff, student}
        while waiting and time.monotonic() < deadline:
            waiting = {v for v in waiting if not v.ready()}
            time.sleep(0.5) if waiting else None
        assert not waiting, f"servers of {[v.name for v in waiting]} not ready:\n{hub.tail()}"
        for visitor in (staff, student):
            visitor.open_server()
        # Each server is its user's process, started without --allow-root (this hub's children only:
        # other hubs on the machine are none of the test's business).
        import psutil

        servers = {}
        for proc in psutil.Process(hub.process.pid).children(recursive=True):
            try:
                command = " ".join(proc.cmdline())
                if "jupyterhub-singleuser" in command:
                    servers[pwd.getpwuid(proc.uids().real).pw_name] = command
            except (psutil.Error, KeyError):
                pass
        assert set(servers) == set(names.values()), f"servers by unix user: {servers}"
        assert not any("--allow-root" in command for command in servers.values()), servers

        def in_browser(method: str, path: str):
            """bob's server from bob's page: fetch() with the server's XSRF cookie, as JupyterLab does."""
            status, text = page.evaluate("""async ([method, url]) => {
                const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || '';
                const r = await fetch(url, {method, headers: {'X-XSRFToken': decodeURIComponent(xsrf)}});
                return [r.status, await r.text()]; }""", [method, f"/user/{bob}/{path}"])
            assert status < 300, f"bob: {method} {path}: {status} {text[:800]}\n{hub.tail()}"
            return json.loads(text) if text else None

        def formgrader(path: str, what: str):
            result = staff.call("POST", f"formgrader/api/{path}").json()
            assert result.get("success"), (
                f"formgrader {what} failed:\n{result.get('log', '')[-3000:]}\n{result.get('error')}")
            return result

        query = f"course_id={COURSE_ID}&assignment_id={ASSIGNMENT}"
        formgrader(f"assignment/{ASSIGNMENT}/assign", "generate_assignment")
        formgrader(f"assignment/{ASSIGNMENT}/release", "release_assignment")

        secrets_ = classroom.secret_lines()
        fetched = {}
        for name in (alice, bob):
            listed = (student.call("POST", f"assignments/fetch?{query}").json() if name == alice
                      else in_browser("POST", f"assignments/fetch?{query}"))
            assert listed.get("success"), listed
            assert any(a["assignment_id"] == ASSIGNMENT and a["status"] == "fetched" for a in listed["value"]), listed
            path = f"api/contents/{ASSIGNMENT}/{NOTEBOOK}?content=1"
            fetched[name] = (student.call("GET", path).json() if name == alice else in_browser("GET", path))["content"]
            text = nbformat.writes(nbformat.from_dict(fetched[name]))
            problems = classroom.leaks(json.dumps(fetched[name]), set()) + classroom.leaks(text, secrets_)
            assert not problems, f"{name}'s fetched copy gives away answers or hidden tests: {problems}"
        solved = classroom.solve(nbformat.from_dict(fetched[alice]))
        student.call("PUT", f"api/contents/{ASSIGNMENT}/{NOTEBOOK}",
                     json={"type": "notebook", "format": "json", "content": solved})
        assert student.call("POST", f"assignments/submit?{query}").json().get("success"), "alice could not submit"
        assert in_browser("POST", f"assignments/submit?{query}").get("success"), "bob could not submit"

        collected = formgrader(f"assignment/{ASSIGNMENT}/collect", "collect")
        # Student ids are the unix users: nobody wrote one into a home.
        assert sorted(p.name for p in (course / "submitted").iterdir()) == sorted([alice, bob]), collected["log"]
        configs = [h for r, h in home.items() if r != "instructor" and (h / ".jupyter" / "nbgrader_config.py").exists()]
        assert not configs, f"a student's home configures nbgrader: {configs}"

        # ----- the permission model, each check beside its control
        inbound = exchange / COURSE_ID / "inbound"
        mine = sorted(p.name for p in inbound.iterdir() if p.name.startswith(f"{alice}+"))
        assert mine and can(instructor, "list", inbound), "control: the instructor lists the inbound folder"
        assert not can(bob, "list", inbound), "bob can list the exchange's inbound folder (alice's submissions)"
        found = as_user(bob, "sh", "-c", f'for f in "$1"/{alice}+*; do [ -e "$f" ] && echo "$f"; done', "sh",
                        str(inbound))
        assert alice not in found.stdout, f"bob finds alice's submission: {found.stdout}"
        assert can(alice, "list", inbound / mine[0]), "control: alice can read her own submission"
        REPORT["hub with unix users: alice's submission, by its exact path"] = (
            f"{'readable' if can(bob, 'list', inbound / mine[0]) else 'unreadable'} by bob "
            "(nbgrader's protection is the random part of its name in an unlistable folder)")

        gradebook = course / "gradebook.db"
        for secret in (solutions, gradebook):
            assert can(instructor, "read", secret), f"control: the instructor reads {secret.name}"
            assert not can(alice, "read", secret), f"a student reads the instructor's {secret.name}"
        assert not can(bob, "list", course), "a student lists the instructor's course"
        denied = student.call("GET", f"api/contents/{COURSE_ID}/notebooks/{ASSIGNMENT}/{NOTEBOOK}",
                              user=instructor, ok=False)
        assert denied.status_code == 403, f"alice reached the instructor's server: {denied.status_code}"
        assert staff.call("GET", f"api/contents/{COURSE_ID}/notebooks/{ASSIGNMENT}/{NOTEBOOK}").ok

        assert not can(bob, "rename", exchange / COURSE_ID), "a student moves the course's exchange folder aside"
        outbound = exchange / COURSE_ID / "outbound"
        for folder in (outbound, outbound / ASSIGNMENT):
            assert can(instructor, "write", folder), f"control: the instructor writes into {folder.name}"
            assert not can(alice, "write", folder), f"a student writes into the exchange's {folder.name}"
        assert can(instructor, "append", outbound / ASSIGNMENT / NOTEBOOK), "control: the instructor's release"
        assert not can(bob, "append", outbound / ASSIGNMENT / NOTEBOOK), "a student changes the released notebook"

        for path in ("formgrader", "formgrader/api/assignments"):
            assert staff.call("GET", path).status_code == 200, f"control: the instructor's {path}"
            own = student.call("GET", path, ok=False)
            assert own.status_code == 404, f"a student's server answers {path}: {own.status_code}"
        other = student.call("GET", "formgrader", user=instructor, ok=False)
        assert other.status_code == 403, f"a student opens the instructor's formgrader: {other.status_code}"
        plugins = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment")
        off = {v.name: set(page_config(v.lab_page).get("disabledExtensions", [])) for v in (staff, student)}
        assert not off[instructor] & set(plugins), f"control: the instructor's JupyterLab lacks {off[instructor]}"
        assert set(plugins) <= off[alice], f"alice's JupyterLab has the instructor's plugins: {off[alice]}"
        assert commands["nbgrader:open-assignment-list"], f"control: bob's JupyterLab has nbgrader's: {commands}"
        assert not any(v for c, v in commands.items() if c != "nbgrader:open-assignment-list"), (
            f"bob's JupyterLab offers the formgrader, Create Assignment or the course list: {commands}")

        # ----- grading and feedback
        for name in (alice, bob):
            formgrader(f"submission/{ASSIGNMENT}/{name}/autograde", f"autograde of {name}")
        formgrader(f"assignment/{ASSIGNMENT}/generate_feedback", "generate_feedback")
        formgrader(f"assignment/{ASSIGNMENT}/release_feedback", "release_feedback")
        scores = {}
        for name in (alice, bob):
            sub = staff.call("GET", f"formgrader/api/submission/{ASSIGNMENT}/{name}").json()
            scores[name] = (sub["score"], sub["max_score"])
        assert scores[alice][0] == scores[alice][1] > 0, f"alice's solution did not get full marks: {scores}"
        assert scores[bob][0] == 0 < scores[bob][1], f"bob's unsolved notebook earned points: {scores}"

        assert student.call("POST", f"assignments/fetch_feedback?{query}").json().get("success")
        assert in_browser("POST", f"assignments/fetch_feedback?{query}").get("success")
        feedback = {}
        for name in (alice, bob):
            own_home = home["alice" if name == alice else "bob"]
            found = sorted((own_home / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
            assert len(found) == 1, f"{name} fetched {len(found)} feedback files"
            own = (course / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
            assert found[0].read_text() == own, f"{name} did not get their own feedback"
            assert classroom.feedback_score(own) == scores[name], f"{name}'s feedback shows another score"
            assert found[0].stat().st_uid == pwd.getpwnam(name).pw_uid, f"{name}'s feedback is not {name}'s"
            feedback[name] = found[0].relative_to(own_home)

        # ----- bob reads his feedback in Chromium: the formula is typeset, nothing comes from outside
        REPORT["hub with unix users: JupyterLab's requests outside the hub (refused)"] = sorted(set(outside))
        outside.clear()
        errors.clear()
        url = f"{hub.url}/user/{bob}/files/{feedback[bob].as_posix()}"
        shown = page.goto(url, wait_until="load")
        assert shown.status == 200, f"bob's feedback page: {shown.status}"
        page.wait_for_selector("mjx-container svg", timeout=60_000)
        typeset = page.evaluate("""() => ({containers: document.querySelectorAll('mjx-container').length,
            errors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
            sum: [...document.querySelectorAll('mjx-container')].some(m => m.innerHTML.includes('2211'))})""")
        assert typeset["containers"] >= 3 and typeset["sum"] and not typeset["errors"], typeset
        # Control: the same page without the script MathJax came in shows no typeset formula.
        html = (home["bob"] / feedback[bob]).read_text()
        bare = re.sub(r"<script>[^<]*?window\.MathJax = .*?</script>\s*<script>.*?</script>", "", html, flags=re.S)
        assert len(bare) < len(html) - 1_000_000, "control: the MathJax script was not found to strip"
        page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=bare))
        page.goto(url, wait_until="load")
        page.wait_for_timeout(2000)
        assert page.locator("mjx-container").count() == 0, "control: formulas typeset without MathJax"
        assert not outside, f"pages asked for something outside the hub: {sorted(set(outside))}"
        # nbgrader's feedback template leaves out jQuery, which nbconvert's placeholder for a widget
        # output calls ("$ is not defined"): not ours to mend, and not about the formulas.
        widgets = html.count("output_widget_view")
        unexplained = [e for e in errors if e != "$ is not defined"] + ["$ is not defined"] * max(
            0, errors.count("$ is not defined") - 2 * widgets)
        REPORT["hub with unix users: script errors in the feedback page"] = (
            f"{len(errors)}: {sorted(set(errors))} (widget outputs in the page: {widgets})")
        assert not unexplained, f"script errors in bob's feedback pages: {errors}"
    finally:
        context.close()

    total = time.monotonic() - start
    REPORT["hub with unix users (PAM, LocalProcessSpawner)"] = (
        f"{total:.0f} s, of which {startup:.0f} s logging in and starting three servers; scores "
        + ", ".join(f"{n.rsplit('-', 1)[1]} {s[0]:g}/{s[1]:g}" for n, s in scores.items())
        + f"; feedback {len(html) / 1e6:.1f} MB with its MathJax")
