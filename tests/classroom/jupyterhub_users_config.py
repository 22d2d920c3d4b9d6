# JupyterHub configuration of the classroom test with unix users (tests/test_hub_users.py); not for
# production. As on a hub of one machine (The Littlest JupyterHub, a plain JupyterHub): PAM checks
# each user's unix password, JupyterHub's LocalProcessSpawner starts each server as its own unix
# user (no --allow-root). The course's hub settings and the per-role server settings are the
# deployment files jupyterhub_course.py and jupyterhub_roles.py, in copies where the test has put its
# own user names and folders (CLASSROOM_ROLES). Ports, folders and names come in CLASSROOM_* variables.
import json
import os

c = get_config()  # noqa: F821 - provided by traitlets
env = os.environ

load_subconfig(os.path.join(os.path.dirname(os.path.abspath(__file__)), "jupyterhub_course.py"))  # noqa: F821
load_subconfig(env["CLASSROOM_ROLES"])  # noqa: F821 - jupyterhub_roles.py with the test's student folder

load_subconfig(os.path.join(os.path.dirname(os.path.abspath(__file__)), "jupyterhub_local.py"))  # noqa: F821

# PAM, as JupyterHub's default: the password is the unix user's. No PAM session: the "login"
# service's session modules (pam_loginuid, pam_systemd) expect a real login and fail in containers.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
instructor, *students = env["CLASSROOM_USERS"].split(",")
c.Authenticator.allowed_users = {instructor, *students}
# jupyterhub_course.py's groups, with the test's user names in place of instructor, alice and bob.
c.JupyterHub.load_groups = {
    "formgrade-dissecting-cnns-3": {"users": [instructor]},
    "nbgrader-dissecting-cnns-3": {"users": students},
}

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [env["CLASSROOM_SINGLEUSER"]]  # the course environment, in a copy the users can run
# The test drives JupyterLab in Chromium through window.jupyterapp.
c.Spawner.args = ["--LabApp.expose_app_in_browser=True"]
c.Spawner.environment = {
    "PATH": env["CLASSROOM_USER_PATH"],  # kernels and nbgrader's alembic come from the course environment
    "JUPYTER_CONFIG_PATH": env["CLASSROOM_ETC"],  # stands for /etc/jupyter (the global nbgrader config)
}
# What the users' copy of the course's Python needs (tests/test_hub_users.py, user_runtime).
c.Spawner.environment.update(json.loads(env.get("CLASSROOM_USER_ENV") or "{}"))
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
