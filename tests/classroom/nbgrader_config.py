# /etc/jupyter/nbgrader_config.py on the hub: read by every user's server and every nbgrader
# command, students' and instructors' alike. It names the course and the exchange folder that
# release, fetch, submit, collect and feedback go through (docs/instructors.md, "Running a class").
c = get_config()  # noqa: F821 - provided by traitlets

c.CourseDirectory.course_id = "dissecting-cnns-3"
c.Exchange.root = "/srv/nbgrader/exchange"
