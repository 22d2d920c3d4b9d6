"""``python -m course_utils.fullscale --help``; also ``torchrun ... -m course_utils.fullscale``."""

from .cli import main

raise SystemExit(main())
