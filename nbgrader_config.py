"""nbgrader configuration of the course (read by every `nbgrader` command run from this folder).

Layout: each notebook folder ``notebooks/<NN_name>/`` is one nbgrader assignment whose
source is ``notebooks/<NN_name>/<NN_name>.ipynb``. nbgrader writes ``release/``,
``submitted/``, ``autograded/``, ``feedback/`` and ``gradebook.db`` next to this file
(all git-ignored). The instructor guide is ``docs/instructors.md``.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "dissecting-cnns-3"
# Absolute, so that nbgrader finds the course from any working directory.
c.CourseDirectory.root = HERE
c.CourseDirectory.source_directory = "notebooks"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
# Never copy notebook checkpoints or caches into a release (tests/test_grading.py scans
# every released file for solution text, so a paired script with solutions fails CI).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# Execution when autograding (and in `nbgrader validate`). nbgrader's default of 30 s per cell
# kills training cells; a notebook runs in at most 90 s on a 2-core machine, so 300 s per cell
# is generous for real cells and still stops a student's infinite loop. On timeout the kernel
# is interrupted, the cell scores as an error and the rest of the notebook is still graded
# (nbgrader always goes on after an error).
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True

# What a student finds in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Release (nbgrader's defaults, stated so that nobody turns them off by accident): outputs
# and hidden tests are removed and test cells are locked; slide metadata is kept.
c.ClearOutput.enabled = True
c.ClearHiddenTests.enabled = True
c.LockCells.lock_grade_cells = True
