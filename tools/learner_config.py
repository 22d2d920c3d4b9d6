"""Configure Jupyter for a learner: hide nbgrader's instructor tools, keep everything else.

Disables the formgrader and create-assignment JupyterLab plugins (and the exchange-based
course and assignment lists, which have no exchange to talk to) and the matching server
extensions, in a Jupyter config folder — the user's (``jupyter --config-dir``) by default.
The widget extension and nbgrader's "Validate" button stay on. Binder's ``postBuild`` runs it;
``tests/test_environments.py`` checks it in a throw-away folder.

Usage: ``python tools/learner_config.py [CONFIG_DIR]``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

LAB_PLUGINS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
               "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:assignment-list"]
SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list",
                     "nbgrader.server_extensions.assignment_list"]


def _update_json(path: Path, update) -> None:
    data = json.loads(path.read_text()) if path.exists() else {}
    update(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def configure(config_dir: Path) -> list[Path]:
    """Write the learner settings into ``config_dir``; return the files written.

    Server extensions are switched off in ``jupyter_server_config.json`` (explicit server
    config wins over the ``jupyter_server_config.d`` files that enable them; ``jupyter server
    extension disable`` refuses nbgrader's extensions in 0.9.6: "could not be found").
    """
    page = config_dir / "labconfig" / "page_config.json"
    server = config_dir / "jupyter_server_config.json"
    _update_json(page, lambda d: d.setdefault("disabledExtensions", {}).update({p: True for p in LAB_PLUGINS}))
    _update_json(server, lambda d: d.setdefault("ServerApp", {}).setdefault("jpserver_extensions", {}).update(
        {e: False for e in SERVER_EXTENSIONS}))
    return [page, server]


def main(argv: list[str]) -> int:
    if argv:
        config_dir = Path(argv[0])
    else:
        from jupyter_core.paths import jupyter_config_dir

        config_dir = Path(jupyter_config_dir())
    for path in configure(config_dir):
        print("learner settings:", path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
