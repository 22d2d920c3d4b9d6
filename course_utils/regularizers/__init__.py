"""Reference implementations of the regularization techniques, one module per notebook.

Each is written from its equations for the course and checked against PyTorch (where PyTorch
has the technique) or autograd by the tests; the notebooks' exercises are graded against them.
"""

__all__: list[str] = []
