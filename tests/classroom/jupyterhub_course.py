# JupyterHub settings of the course, the same on every deployment: a group of instructors and a
# group of students, named the way nbgrader's JupyterHub integration expects them
# (formgrade-<course_id>, nbgrader-<course_id>), and JupyterLab as the start page.
# The Littlest JupyterHub: /opt/tljh/config/jupyterhub_config.d/dissecting-cnns-3.py.
# Zero to JupyterHub: hub.extraConfig in config.yaml.
c = get_config()  # noqa: F821 - provided by traitlets

c.JupyterHub.load_groups = {
    "formgrade-dissecting-cnns-3": {"users": ["instructor"]},
    "nbgrader-dissecting-cnns-3": {"users": ["alice", "bob"]},
}
c.Spawner.default_url = "/lab"
