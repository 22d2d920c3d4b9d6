"""nbgrader configuration of the course (read by every `nbgrader` command run from this folder).

Layout: each notebook folder ``notebooks/<NN_name>/`` is one nbgrader assignment whose
source is ``notebooks/<NN_name>/<NN_name>.ipynb``. nbgrader writes ``release/``,
``submitted/``, ``autograded/``, ``feedback/`` and ``gradebook.db`` next to this file
(all git-ignored). The instructor guide is ``docs/instructors.md``.
"""

import os
import re

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
# After a cell's reply, nbclient waits iopub_timeout seconds (default 4) for the cell's remaining output, and
# nbgrader turns a miss into a crash of the whole autograde. On a loaded 2-core machine a kernel's output thread
# was seen to miss the 4 s (notebook 03's bias-variance cell, 2026-12); 60 s only matters when output is late.
c.Execute.iopub_timeout = 60

# What a student finds in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Release (nbgrader's defaults, stated so that nobody turns them off by accident): outputs
# and hidden tests are removed and test cells are locked; slide metadata is kept.
c.ClearOutput.enabled = True
c.ClearHiddenTests.enabled = True
c.LockCells.lock_grade_cells = True


# Feedback (`nbgrader generate_feedback`). nbgrader's feedback shows every test cell as it ran,
# hidden tests included; these preprocessors hand students their score, their errors and the
# visible tests only: frames of an error's traceback that quote hidden-test lines lose those
# lines, then ClearHiddenTests removes the hidden region from the test cells (scores come from the
# gradebook first, so they do not change). tests/test_classroom.py checks a student who fails a
# hidden test gets feedback with the score and no hidden-test text.
try:
    from nbconvert.preprocessors import Preprocessor as _Preprocessor
    from traitlets import Bool as _Bool
except ImportError:  # traitlets may read this file where nbconvert is missing: nothing to configure
    _Preprocessor, _Bool = object, lambda value: value


class HideHiddenTestTracebacks(_Preprocessor):
    """Remove hidden-test lines from the tracebacks of test cells that hold hidden tests.

    IPython quotes the failing line and its neighbours in each traceback frame; in a test cell
    those may be hidden tests. Such lines are replaced by a note; the error's name and message
    (what a hidden assert's message says) stay.
    """

    enabled = _Bool(True)  # nbconvert's preprocessors are off unless enabled
    note = "    (a line of the hidden tests: not shown)"

    def preprocess_cell(self, cell, resources, index):
        import re

        begin, end = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
        if cell.cell_type != "code" or begin not in cell.source:
            return cell, resources
        hidden, inside = set(), False
        for line in cell.source.splitlines():
            if begin in line or end in line:
                inside = begin in line
                hidden.add(line.strip())
            elif inside and line.strip():
                hidden.add(line.strip())
        ansi = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
        prefix = re.compile(r"^\s*(?:-*>\s*)?\d+\s")  # "---> 11 " or "     10 " before a quoted line
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            frames = []
            for frame in output.get("traceback", []):
                plain = ansi.sub("", frame)
                lines = plain.split("\n")
                quoted = [prefix.sub("", line, count=1).strip() for line in lines]
                if not any(q in hidden for q in quoted if q):
                    frames.append(frame)
                    continue
                kept = []
                for line, q in zip(lines, quoted):
                    if q and q in hidden and prefix.match(line):
                        if kept[-1:] != [self.note]:
                            kept.append(self.note)
                    else:
                        kept.append(line)
                frames.append("\n".join(kept))
            output["traceback"] = frames
        return cell, resources


c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    HideHiddenTestTracebacks,
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# The feedback HTML loads MathJax from a CDN, so formulas break offline; and nbgrader's feedback
# template writes the CDN's address itself, whatever HTMLExporter.mathjax_url says (nbgrader 0.9.6).
# A student opens feedback through their own Jupyter server, on a hub, maybe offline, where neither a
# CDN nor a file of the instructor's disk can be loaded. So the course's exporter makes each feedback
# file carry its MathJax: MathJax 3's one-file build (TeX in, SVG out: no web fonts, which a page that
# Jupyter serves with the CSP "sandbox" could not load without CORS), about 2.3 MB per file. It is
# fetched once with npm into build/npm-feedback (`make feedback-mathjax`; tools/feedback_mathjax.py).
# tests/test_hub_users.py opens a student's feedback through a hub in Chromium, with no network
# beyond the machine, and checks the formulas are typeset.
MATHJAX_SCRIPT = os.path.join(HERE, "build", "npm-feedback", "node_modules", "mathjax", "es5", "tex-svg-full.js")

try:
    from nbconvert.exporters import HTMLExporter as _HTMLExporter
    from traitlets import Unicode as _Unicode
except ImportError:
    _HTMLExporter = None
else:
    class OfflineFeedbackExporter(_HTMLExporter):
        """nbgrader's feedback exporter, with MathJax inside the HTML instead of a CDN's address.

        Without the MathJax file the feedback keeps the formulas' TeX as text and the log says how to
        fetch it; with ``mathjax_file`` set to a file that is not there, it is an error.
        """

        mathjax_file = _Unicode(
            "", help="MathJax 3's tex-svg-full.js to put into each feedback file (default: build/npm-feedback's)"
        ).tag(config=True)

        # nbconvert's mathjax macro (templates/base/mathjax.html.j2): a MathJax 2 script and its settings.
        _BLOCK = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
        # The same settings for MathJax 3 ($...$ inline needs saying; MathJax 3 leaves it off). No menu:
        # its accessibility options load more files, from where no file can come.
        _SETTINGS = ("window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
                     "displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true, "
                     "processEnvironments: true, tags: 'ams'}, svg: {fontCache: 'global'}, "
                     "options: {enableMenu: false}};")

        def _script(self):
            path = self.mathjax_file or MATHJAX_SCRIPT
            if not os.path.exists(path):
                if self.mathjax_file:
                    raise FileNotFoundError(f"OfflineFeedbackExporter.mathjax_file: {path} does not exist")
                self.log.warning("feedback without MathJax (formulas stay TeX): %s is missing; fetch it with "
                                 "`make feedback-mathjax` (npm, once)", path)
                return None
            with open(path, encoding="utf-8") as handle:
                code = handle.read()
            # Inside <script>, "</script" would end the element and "<!--" changes how HTML parses
            # it; "\x3C" is "<" in JavaScript strings and regular expressions, where these occur.
            for text in ("</script", "</SCRIPT", "<!--"):
                code = code.replace(text, "\\x3C" + text[1:])
            return code

        def from_notebook_node(self, nb, resources=None, **kw):
            output, resources = super().from_notebook_node(nb, resources, **kw)
            code = self._script()
            block = "<!-- MathJax 3, carried by the feedback (nbgrader_config.py) -->\n"
            if code is not None:
                block += f"<script>{self._SETTINGS}</script>\n<script>{code}</script>"
            output, found = self._BLOCK.subn(lambda _: block, output)
            cdn = _HTMLExporter.mathjax_url.default_value.split("?")[0]
            if found != 1 or cdn in output:
                raise RuntimeError("nbgrader's feedback template changed how it loads MathJax: update "
                                   "OfflineFeedbackExporter in nbgrader_config.py")
            return output, resources

    c.GenerateFeedback.exporter_class = OfflineFeedbackExporter


# Export (`nbgrader export`): grades.csv with one more column, `ungraded_test_cells`. A student who
# deleted a test cell scores 0 for it and the cell waits for manual grading, which nbgrader's CSV
# does not show: a silent zero. The column names each such test cell (a code cell that is graded
# and is no answer), so the instructor sees it; `tools/course_notebooks.py grade` reports the same
# and repairs the submission first (docs/instructors.md, section 4).
try:
    from nbgrader.api import MissingEntry as _MissingEntry
    from nbgrader.plugins.export import CsvExportPlugin as _CsvExportPlugin
except ImportError:
    _CsvExportPlugin = None
else:
    class FlaggedCsvExport(_CsvExportPlugin):
        """nbgrader's CSV export, with the test cells of each submission that have no automatic score."""

        @staticmethod
        def ungraded_tests(gradebook, submission) -> list:
            """``["<notebook>/<grade_id>", ...]``: the submission's test cells waiting for a manual score."""
            found = []
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if not grade.needs_manual_grade or grade.cell.cell_type != "code":
                        continue
                    try:  # a graded code cell that is also an answer is graded by hand on purpose
                        gradebook.find_solution_cell(grade.name, notebook.name, submission.assignment.name)
                    except _MissingEntry:
                        found.append(f"{notebook.name}/{grade.name}")
            return found

        def export(self, gradebook) -> None:
            import csv

            super().export(gradebook)
            dest = self.to or "grades.csv"
            with open(dest, newline="") as handle:
                reader = csv.DictReader(handle)
                rows = list(reader)
                fields = [*(reader.fieldnames or []), "ungraded_test_cells"]
            for row in rows:
                try:
                    submission = gradebook.find_submission(row["assignment"], row["student_id"])
                except _MissingEntry:
                    row["ungraded_test_cells"] = ""
                    continue
                row["ungraded_test_cells"] = " ".join(self.ungraded_tests(gradebook, submission))
            with open(dest, "w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=fields)
                writer.writeheader()
                writer.writerows(rows)

    c.ExportApp.plugin_class = FlaggedCsvExport


# Late submissions. autograde compares each submission's timestamp (written by `nbgrader submit`)
# with the assignment's due date (`nbgrader db assignment add NAME --duedate=...`, or the
# formgrader's "Manage Assignments") and asks a plugin for the penalty. nbgrader's own plugin knows
# two policies, `c.LateSubmissionPlugin.penalty_method = "none"` (its default) or `"zero"`. The
# course's plugin adds a third: `c.LatePenaltyPerHour.percent_per_hour = 10` takes 10 % of the
# score for every hour or part of an hour late, down to zero. At 0 (the default here) it does what
# penalty_method says, so nothing changes until the instructor chooses a policy
# (docs/instructors.md, "Course administration"; tests/test_classroom.py checks it in the gradebook).
try:
    from nbgrader.plugins import LateSubmissionPlugin as _LateSubmissionPlugin
    from traitlets import Float as _Float
except ImportError:
    _LateSubmissionPlugin = None
else:
    class LatePenaltyPerHour(_LateSubmissionPlugin):
        """nbgrader's late-submission plugin with a penalty that grows with each started hour late."""

        percent_per_hour = _Float(
            0.0, min=0.0, max=100.0,
            help="Percent of the score taken for each started hour late (0: penalty_method decides)",
        ).tag(config=True)

        def late_submission_penalty(self, student_id, score, total_seconds_late):
            if self.penalty_method == "zero" or not self.percent_per_hour:
                return super().late_submission_penalty(student_id, score, total_seconds_late)
            import math

            hours = math.ceil(total_seconds_late / 3600)
            self.log.info("%s is %d started hours late: %g %% per hour", student_id, hours, self.percent_per_hour)
            return min(score, score * self.percent_per_hour * hours / 100)

    c.AssignLatePenalties.plugin_class = LatePenaltyPerHour
