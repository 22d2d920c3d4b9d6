"""The course's data files (figures, precomputed results), found in any kind of install.

The files live in the repository's top-level ``assets/`` folder and are shipped inside the
package as ``course_utils.assets``, so :func:`asset_path` finds them with
``importlib.resources`` after ``pip install -e .``, ``pip install .`` or a wheel alike.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from ._validation import unvalidated, validate

__all__ = ["asset_path", "list_assets"]

_PACKAGE = "course_utils.assets"
_SUFFIXES = (".json", ".svg")


@unvalidated("takes no arguments")
def list_assets() -> list[str]:
    """Names of the data files shipped with the course, sorted, e.g. ``["residual_block.svg", ...]``."""
    return sorted(p.name for p in files(_PACKAGE).iterdir() if p.name.endswith(_SUFFIXES))


@validate(name=str)
def asset_path(name: str) -> Path:
    """The path of one of the course's data files.

    Args:
        name: a file name from :func:`list_assets`, e.g. ``"residual_block.svg"``.

    Returns:
        The file's path on disk.

    Raises:
        TypeError: ``name`` is not a string.
        FileNotFoundError: no such file; the message lists the files there are.
    """
    path = Path(str(files(_PACKAGE).joinpath(name)))
    if "/" in name or "\\" in name or not path.is_file():
        raise FileNotFoundError(
            f"asset_path: the course has no data file {name!r}. It has {list_assets()}. "
            "A precomputed result is made by `python assets/precompute.py <topic>`."
        )
    return path
