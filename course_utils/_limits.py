"""Upper bounds on the sizes a caller may ask for, checked before anything is allocated.

A typo such as ``samples=10**9`` or ``width=10**9`` would otherwise reach the memory allocator
(a ``RuntimeError`` from deep inside torch, or minutes of swapping) or a Python loop that never
ends. Each cap is far above what the course uses and far below what a laptop can hold; a call
beyond one is refused with an error in the package's form that names the parameter and the cap:

    The 'samples' parameter of monte_carlo_predict must be an int of at most 10,000
    (course_utils._limits.MAX_SAMPLES). Got 1000000000. ...

The caps, and where they apply:

* :data:`MAX_PARAMETERS`: the parameters of a model the package builds (``MLP``, ``ConvNet1d``,
  ``ConvNet2d``, ``MultiHeadMLP``, ``DropConnectLinear``, ``ResNet``, ``CifarResNet``);
* :data:`MAX_LAYERS`: hidden layers or blocks of such a model;
* :data:`MAX_ELEMENTS`: the numbers in one tensor a function creates (``legendre_features``,
  ``sample_lfd_regression``, ``bootstrap_indices``, ``monte_carlo_predict``, ``overfit_runs``,
  ``count_macs``' example input);
* :data:`MAX_SAMPLES`: ``monte_carlo_predict``'s sampled sub-networks;
* :data:`MAX_DEGREE`: the polynomial degree of ``legendre_features`` (and of the fits built on it);
* :data:`MAX_BINS`: the confidence bins of ``reliability_bins`` and ``expected_calibration_error``.
"""

from __future__ import annotations

from ._validation import invalid

__all__ = ["MAX_BINS", "MAX_DEGREE", "MAX_ELEMENTS", "MAX_LAYERS", "MAX_PARAMETERS", "MAX_SAMPLES",
           "check_at_most"]

#: Parameters of one model: 400 MB in float32, and training holds three or four times that
#: (gradients, optimiser state); within Binder's 2 GB for inference. ResNet-152 has 60 million.
MAX_PARAMETERS = 100_000_000
#: Hidden layers of an MLP, or blocks of a conv net (the deepest net of the ResNet paper has 1202 layers).
MAX_LAYERS = 10_000
#: Numbers in one tensor a function creates: 400 MB in float32, 800 MB in float64 (Binder's limit
#: is 2 GB for everything).
MAX_ELEMENTS = 100_000_000
#: Sub-networks averaged by ``monte_carlo_predict`` (the course uses 50; the average settles long before).
MAX_SAMPLES = 10_000
#: Degree of a Legendre polynomial (the course goes to 200; float64 cannot resolve much more).
MAX_DEGREE = 1_000
#: Confidence bins of a calibration measure (the course uses 10 to 15).
MAX_BINS = 10_000


def check_at_most(param: str, value: int, cap: int, cap_name: str, *, what: str = "an int of",
                  unit: str = "", got: str | None = None, hint: str | None = None) -> None:
    """Raise :func:`invalid` for ``param`` when ``value`` exceeds ``cap``; nothing otherwise.

    The message reads "The '<param>' parameter of <function> must be <what> at most <cap><unit>
    (course_utils._limits.<cap_name>). Got <got>. <hint>"

    Args:
        param: the parameter to blame.
        value: the size asked for, or a size computed from it (e.g. a model's parameter count).
        cap: the largest accepted value, one of this module's constants.
        cap_name: the constant's name, e.g. ``"MAX_SAMPLES"``.
        what: what the parameter must be, before "at most", e.g. ``"a size for a model of"``.
        unit: what ``cap`` counts, after it, e.g. ``" parameters"``.
        got: what was got (default: ``value``).
        hint: how to fix it (default: a sentence saying why there is a cap).
    """
    if value > cap:
        raise invalid(param, f"{what} at most {cap:,}{unit} (course_utils._limits.{cap_name})",
                      repr(value) if got is None else got,
                      hint or "Larger sizes are refused before anything is allocated; "
                              "this one is far beyond what the course needs.")
