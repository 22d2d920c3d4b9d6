# The part of the classroom tests' hub configurations that only places the hub on this machine: a
# hub on 127.0.0.1 with the free ports the test chose, its proxy, and its database, secrets and pid
# file in the test's temporary state folder (CLASSROOM_* environment variables). Loaded by
# jupyterhub_config.py (tests/test_classroom.py) and jupyterhub_users_config.py (tests/test_hub_users.py).
import os

c = get_config()  # noqa: F821 - provided by traitlets
env = os.environ

state = env["CLASSROOM_STATE"]
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(env["CLASSROOM_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env["CLASSROOM_HUB_PORT"])
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env['CLASSROOM_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.command = [env["CLASSROOM_PROXY"]]
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "proxy.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server
c.JupyterHub.cleanup_proxy = True
