"""Notebook 04's stored sweeps: the λ, L1, AdamW and width sweeps of :mod:`.decay`, the runs of :mod:`.early_stopping`.

One recipe per experiment, one source of truth: the notebook, the claim test
(``tests/test_claims_weight_decay.py``), the stored sweeps (``WEIGHT_DECAY_SWEEPS``, made by
``python assets/precompute.py weight_decay``) and the λ slider's live run take the same recipe.
"""

from __future__ import annotations

import dataclasses

from ..._validation import OneOf, validate
from ...train import History
from ..sweep import Sweep, SweepSpec, load_sweep
from .decay import _LAM, _POSITIVE_INT, DecayRecipe, _label, run_decay, train_decay_net
from .early_stopping import EarlyStoppingRecipe, early_stopping_label, run_early_stopping, train_early_stopping_net

__all__ = ["WEIGHT_DECAY_SWEEPS", "DecaySweep", "load_weight_decay_sweep"]


class DecaySweep(Sweep[DecayRecipe]):
    """A stored weight-decay sweep: :meth:`history` finds a run by λ (and width)."""

    @validate(lam=_LAM, width=[None, _POSITIVE_INT])
    def history(self, lam: float, width: int | None = None) -> History:
        """The stored :class:`History` of one setting.

        Raises:
            KeyError: the sweep has no such setting; the message lists those it has.
        """
        recipe = self.recipe
        return self.get(_label(recipe, float(lam), recipe.widths[0] if width is None else width))

    def label(self, lam: float, width: int | None = None) -> str:
        """The label of one setting in this sweep."""
        return _label(self.recipe, float(lam), self.recipe.widths[0] if width is None else width)


def _decay_run(recipe: DecayRecipe) -> dict[str, History]:
    return run_decay(recipe, threads=1)


def _decay_labels(recipe: DecayRecipe) -> list[str]:
    return [_label(recipe, lam, width) for width in recipe.widths for lam in recipe.lambdas]


def _decay_repeat(recipe: DecayRecipe) -> tuple[str, History]:
    # The narrowest net with the largest λ: the cheapest run that still uses the penalty.
    width, lam = min(recipe.widths), max(recipe.lambdas)
    return _label(recipe, lam, width), train_decay_net(recipe.method, lam, recipe=recipe, width=width,
                                                       progress=False)[1]


def _early_run(recipe: EarlyStoppingRecipe) -> dict[str, History]:
    return run_early_stopping(recipe, threads=1)


def _early_labels(recipe: EarlyStoppingRecipe) -> list[str]:
    return [early_stopping_label(noise, nv) for noise, nv in recipe.settings()]


def _early_repeat(recipe: EarlyStoppingRecipe) -> tuple[str, History]:
    noise, nv = recipe.settings()[-1]
    return early_stopping_label(noise, nv), train_early_stopping_net(noise, nv, recipe=recipe, progress=False)[1]


_ADAMW = DecayRecipe(method="adamw", lambdas=(0.0, 0.3, 1.0, 3.0, 10.0, 30.0))
_L1 = DecayRecipe(method="l1", lambdas=(0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3))
_WIDTH = DecayRecipe(lambdas=(0.0,), widths=(8, 16, 32, 64, 128, 256, 512))

#: The stored sweeps of notebook 04, made by ``python assets/precompute.py weight_decay``.
WEIGHT_DECAY_SWEEPS: dict[str, SweepSpec] = {
    "lambda": SweepSpec(
        topic="weight_decay", name="lambda", file="weight_decay_lambda_sweep.json", recipe=DecayRecipe(),
        run=_decay_run, labels=_decay_labels, repeat=_decay_repeat,
        description="The λ slider of notebook 04: Adam + L2 penalty ½λΣw², λ from 0 to 0.1, 500 signals.",
    ),
    "l1": SweepSpec(
        topic="weight_decay", name="l1", file="weight_decay_l1_sweep.json",
        recipe=_L1,
        run=_decay_run, labels=_decay_labels, repeat=_decay_repeat,
        description="Adam + L1 penalty λΣ|w|, λ from 0 to 0.003: validation error and sparsity.",
    ),
    "adamw": SweepSpec(
        topic="weight_decay", name="adamw", file="weight_decay_adamw_sweep.json", recipe=_ADAMW,
        run=_decay_run, labels=_decay_labels, repeat=_decay_repeat,
        description="Decoupled weight decay (AdamW, biases not decayed), λ from 0 to 30, beside the L2 sweep.",
    ),
    **{f"{name}_seed{seed}": SweepSpec(
        topic="weight_decay", name=f"{name}_seed{seed}", file=f"weight_decay_{name}_seed{seed}.json",
        recipe=dataclasses.replace(recipe, seed=seed), run=_decay_run, labels=_decay_labels, repeat=_decay_repeat,
        description=f"The {name} sweep again with seed {seed} (initialisation and batch order): the spread over seeds.")
       for name, recipe in (("lambda", DecayRecipe()), ("l1", _L1), ("adamw", _ADAMW), ("width", _WIDTH))
       for seed in (1, 2)},
    "width": SweepSpec(
        topic="weight_decay", name="width", file="weight_decay_width_sweep.json",
        recipe=_WIDTH,
        run=_decay_run, labels=_decay_labels, repeat=_decay_repeat,
        description="Capacity by architecture: hidden widths 8 to 512, no penalty.",
    ),
    "early": SweepSpec(
        topic="weight_decay", name="early", file="weight_decay_early_stopping.json", recipe=EarlyStoppingRecipe(),
        run=_early_run, labels=_early_labels, repeat=_early_repeat,
        description="Early stopping: 3200 signals, clean and 40% wrong labels (validation clean or noisy), "
                    "60 epochs, the clean test set logged every epoch.",
    ),
    **{f"early_seed{seed}": SweepSpec(
        topic="weight_decay", name=f"early_seed{seed}", file=f"weight_decay_early_seed{seed}.json",
        recipe=EarlyStoppingRecipe(seed=seed), run=_early_run, labels=_early_labels, repeat=_early_repeat,
        description=f"The early-stopping runs again with seed {seed}: the spread over seeds.")
       for seed in (1, 2)},
}


@validate(name=OneOf(*WEIGHT_DECAY_SWEEPS))
def load_weight_decay_sweep(name: str = "lambda") -> DecaySweep | Sweep[EarlyStoppingRecipe]:
    """One of notebook 04's stored sweeps, checked against its current recipe.

    Args:
        name: ``"lambda"`` (L2), ``"l1"``, ``"adamw"``, ``"width"``, ``"lambda_seed1"``, ``"lambda_seed2"``,
            ``"l1_seed1"``, ``"l1_seed2"``, ``"adamw_seed1"``, ``"adamw_seed2"``, ``"width_seed1"``, ``"width_seed2"`` (a :class:`DecaySweep`)
            or ``"early"``, ``"early_seed1"``, ``"early_seed2"`` (a plain ``Sweep`` of the early-stopping runs).

    Raises:
        FileNotFoundError: the file is missing.
        StaleAssetError: the file was made from another recipe; rerun
            ``python assets/precompute.py weight_decay``.
    """
    sweep = load_sweep(WEIGHT_DECAY_SWEEPS[name])
    if name.startswith("early"):
        return sweep
    return DecaySweep(sweep.spec, sweep.runs, sweep.made_with)
