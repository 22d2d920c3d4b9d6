# ~/.jupyter/nbgrader_config.py of each instructor: the course is a clone of the repository in
# the instructor's home. nbgrader reads config files from the Jupyter config folders and from the
# folder it runs in, never from CourseDirectory.root, so the course's own settings (timeouts,
# stubs, feedback) are loaded here explicitly; the formgrader then works from any folder.
c = get_config()  # noqa: F821 - provided by traitlets

load_subconfig("/home/jupyter-instructor/dissecting-cnns-3/nbgrader_config.py")  # noqa: F821
