"""The course's data files: figures drawn for the course and precomputed results.

This folder is the source; it is shipped inside the package as ``course_utils.assets``
(see ``pyproject.toml``). Read its files with :func:`course_utils.resources.asset_path`.
``precompute.py`` remakes the stored results: ``python assets/precompute.py <topic>``.
"""
