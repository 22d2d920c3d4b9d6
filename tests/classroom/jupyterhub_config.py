# JupyterHub configuration of the classroom test (tests/test_classroom.py); not for production.
# A hub on 127.0.0.1 with free ports, JupyterHub's dummy authenticator (no passwords) and its
# simple spawner (no unix users: every account is the test's own, with its own home folder
# CLASSROOM_HOMES/<name>). The course's hub settings come from jupyterhub_course.py, the file the
# deployment guide (docs/instructors.md) installs on a real hub. The test passes its ports,
# folders and the token of its own service in CLASSROOM_* environment variables.
import os

c = get_config()  # noqa: F821 - provided by traitlets
env = os.environ

load_subconfig(os.path.join(os.path.dirname(os.path.abspath(__file__)), "jupyterhub_course.py"))  # noqa: F821

load_subconfig(os.path.join(os.path.dirname(os.path.abspath(__file__)), "jupyterhub_local.py"))  # noqa: F821

c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {"instructor", "alice", "bob"}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(env["CLASSROOM_HOMES"], "{username}")
c.Spawner.cmd = [env["CLASSROOM_SINGLEUSER"]]
c.Spawner.args = ["--allow-root"] if os.getuid() == 0 else []
c.Spawner.environment = {
    "PATH": env["PATH"],  # the course's environment: kernels and nbgrader's alembic come from it
    "JUPYTER_CONFIG_PATH": env["CLASSROOM_ETC"],  # stands for /etc/jupyter (the global nbgrader config)
}
if env.get("COURSE_DATA_DIR"):  # the test session's scratch data cache (tests/conftest.py)
    c.Spawner.environment["COURSE_DATA_DIR"] = env["COURSE_DATA_DIR"]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# The test acts as a service with the scopes to start and stop servers and to use them.
c.JupyterHub.services = [{"name": "classroom-test", "api_token": env["CLASSROOM_TOKEN"]}]
c.JupyterHub.load_roles = [{
    "name": "classroom-test",
    "scopes": ["admin:users", "admin:servers", "access:servers", "read:groups"],
    "services": ["classroom-test"],
}]
