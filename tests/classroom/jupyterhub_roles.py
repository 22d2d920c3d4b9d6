# JupyterHub: the server settings of each role. Instructors (the formgrade-<course_id> group) get
# nbgrader's whole interface; every other user's server also reads /etc/jupyter/student, which
# turns off what only an instructor uses: the formgrader (server extension and JupyterLab plugin),
# "Create Assignment" and the course list. This tidies a student's JupyterLab; what keeps students
# out of the solutions, the gradebook and each other's work is unix permissions (docs/instructors.md).
# The Littlest JupyterHub: /opt/tljh/config/jupyterhub_config.d/dissecting-cnns-3-roles.py.
# Zero to JupyterHub: hub.extraConfig in config.yaml; KubeSpawner passes spawner.environment to the
# pod the same way, and the image of deploy/hub-image/Dockerfile holds /etc/jupyter/student.
import os

c = get_config()  # noqa: F821 - provided by traitlets

INSTRUCTORS = "formgrade-dissecting-cnns-3"
STUDENT_CONFIG = "/etc/jupyter/student"


def per_role_config(spawner):
    """Put the student settings first on a non-instructor's Jupyter config path."""
    if INSTRUCTORS in {group.name for group in spawner.user.groups}:
        return
    path = [STUDENT_CONFIG, *filter(None, spawner.environment.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep))]
    # A new dict: the configured one is shared by every user's spawner.
    spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": os.pathsep.join(path)}


c.Spawner.pre_spawn_hook = per_role_config
