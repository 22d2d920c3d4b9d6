"""``python -m course_utils.fullscale --help``; also ``torchrun ... -m course_utils.fullscale``."""

from .cli import main

if __name__ == "__main__":  # importing this module (pkgutil.walk_packages does) runs nothing
    raise SystemExit(main())
