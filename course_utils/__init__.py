"""``course_utils``: the machinery behind the course notebooks.

Import the module you need, e.g. ``from course_utils import models, train``.
Importing the package itself does nothing else (no downloads, no seeding).
"""

__version__ = "0.1.0"

__all__ = ["data", "device", "experiments", "grading", "measure", "models", "plots", "train", "widgets"]
