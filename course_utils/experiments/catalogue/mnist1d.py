"""The catalogue's MNIST-1D runs: the baseline and every technique, each a named setting of one recipe.

:func:`train_technique` trains one of :data:`TECHNIQUES` with :class:`CatalogueRecipe`'s
settings and returns the trained net and its :class:`History`. Every run validates on MNIST-1D's
validation signals (nothing but early stopping uses them) and records, through ``fit``'s
callbacks and :meth:`History.log`:

- ``test_acc``: the test accuracy after every epoch (1000 test signals), for the runs whose curves
  the notebook draws (:data:`TEST_CURVES`: the baseline, shift augmentation, early stopping and the
  wrong-label runs; evaluating the test set every epoch costs about a third of a run);
- for pseudo-labels, ``pseudo_kept`` (how many), ``pseudo_right`` (the share that is right, checked
  with the hidden labels) and ``pseudo_top3`` (the share in the three most frequent classes);
- ``final_acc``, ``final_ece``, ``final_confidence``, ``final_zero_frac``, ``final_small_weights``
  (last epoch only): the test accuracy, the expected calibration error, the mean confidence (highest
  predicted probability), the share of zero hidden activations and the share of weights below
  ``SMALL_WEIGHT`` in magnitude *of the net returned* (after early stopping, the restored one; for
  the ensembles, the ensemble);
- for the ensembles, the members' accuracies (``member_mean``, ``member_min``, ``member_max``,
  ``member_std``) and how often they disagree on the test signals (``disagreement``: not all the
  same class; ``pairwise_disagreement``: averaged over pairs of members);
- for temperature scaling, ``temperature``: the T fitted on the validation signals.

Techniques measured against the common baseline: ``"weight decay"``, ``"early stopping"``,
``"shift augmentation"``, ``"input noise"``, ``"weight noise"``, ``"label smoothing"``,
``"label flips"``, ``"pseudo-labels"``, ``"consistency"``, ``"parameter sharing (CNN)"``,
``"L1 on activations"``, ``"L1 on weights"``, ``"bagging"``, ``"dropout"``, and the controls that
separate what a technique does from what it costs: ``"temperature scaling"`` (the baseline net,
calibrated after training), ``"label smoothing + early stopping"``, ``"seed ensemble"`` (five nets
on all the data), ``"pseudo-labels, true labels"`` and ``"pseudo-labels, capped"``. Three experiments
need a baseline of their own, trained here as well: training on wrong labels (``"wrong labels"``
and the same with label smoothing or early stopping), multi-task learning (``"single task"``
against ``"multi-task"``, measured on the first task), and parameter tying (``"domain B alone"``
against ``"domain B tied to A"`` and ``"domain B fine-tuned from A"``, measured on the second input
distribution).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..._validation import Bool, Float, Instance, Int, OneOf, TensorOf, eval_mode, validate
from ...data import Splits
from ...device import DEVICE, SEED, model_device, torch_threads
from ...models import MLP, ConvNet1d
from ...regularizers.augment import augment_inputs, shift_signals
from ...regularizers.ensembles import Ensemble, bagging, disagreement
from ...regularizers.multitask import MultiHeadMLP, with_task
from ...regularizers.noise import WeightNoise, corrupt_labels, input_noise, label_flips
from ...regularizers.semisupervised import consistency_penalty, pseudo_labels
from ...regularizers.smoothing import expected_calibration_error, fit_temperature, label_smoothing
from ...regularizers.sparsity import ActivationL1, weight_l1, zero_fraction
from ...regularizers.tying import tie_to
from ...train import SMALL_WEIGHT, History, fit, log_accuracy, weight_sparsity
from .recipe import CatalogueRecipe, catalogue_data, other_signals

__all__ = ["PSEUDO_CAP", "SMALL_WEIGHT", "TECHNIQUES", "TEST_CURVES", "catalogue_net", "second_domain",
           "train_technique"]

#: What each setting trains, by its label: (the catalogue's item, one line).
TECHNIQUES: dict[str, tuple[int, str]] = {
    "baseline": (0, "the MLP, nothing added"),
    "weight decay": (1, "L2 penalty ½λ‖w‖² through the optimizer's weight_decay"),
    "shift augmentation": (2, "every training signal circularly shifted by a random amount"),
    "input noise": (3, "Gaussian noise added to every training input"),
    "weight noise": (3, "Gaussian noise added to the weights at every training step"),
    "label smoothing": (3, "soft targets (1 − α)·onehot + α/K"),
    "temperature scaling": (3, "the baseline net, its logits divided by a T fitted on the validation signals"),
    "label flips": (3, "a share of each batch's labels replaced by random classes"),
    "wrong labels": (3, "a fixed share of the training labels wrong (own baseline)"),
    "wrong labels + label smoothing": (3, "the same wrong labels, with label smoothing"),
    "wrong labels + early stopping": (6, "the same wrong labels, with early stopping"),
    "pseudo-labels": (4, "shift augmentation + confident predictions on the other signals as labels"),
    "pseudo-labels, true labels": (4, "the same kept signals with their true labels (an ablation)"),
    "pseudo-labels, capped": (4, "pseudo-labels, at most PSEUDO_CAP per class, the most confident"),
    "consistency": (4, "shift augmentation + the same prediction for two shifts of an unlabelled signal"),
    "single task": (5, "digits below task_split only (own baseline)"),
    "multi-task": (5, "both tasks, one shared trunk and two heads"),
    "early stopping": (6, "stop when the validation loss has not improved for `patience` epochs"),
    "label smoothing + early stopping": (6, "label smoothing, stopped on the validation loss"),
    "domain B alone": (7, "a net trained on the second input distribution only (own baseline)"),
    "domain B tied to A": (7, "the same, its weights pulled toward a net trained on the first distribution"),
    "domain B fine-tuned from A": (7, "the same, started from the first distribution's net, no penalty"),
    "parameter sharing (CNN)": (7, "a 1-D conv net: one small kernel shared by all positions"),
    "L1 on activations": (8, "L1 penalty on the hidden activations"),
    "L1 on weights": (8, "L1 penalty on the weights"),
    "bagging": (9, "average of nets trained on bootstrap samples"),
    "seed ensemble": (9, "average of nets trained on all the signals, from different seeds"),
    "dropout": (10, "dropout after every hidden layer"),
}

#: The runs that record the test accuracy after every epoch (``test_acc``).
TEST_CURVES = ("baseline", "shift augmentation", "early stopping", "wrong labels", "wrong labels + early stopping")

# A weight counts as "zero" for ``final_small_weights`` below ``SMALL_WEIGHT`` (1e-3): the package's one
# threshold, ``train.SMALL_WEIGHT``, the same as notebook 04's ``SPARSITY_THRESHOLD``.
#: ``"pseudo-labels, capped"`` keeps at most this many signals per predicted class.
PSEUDO_CAP = 30

_RUN = {
    "recipe": Instance(CatalogueRecipe, hint="Pass e.g. recipe=experiments.CatalogueRecipe()."),
    "data": [None, Instance(Splits, hint="Pass data=experiments.catalogue_data(recipe) or leave it out.")],
    "threads": [None, Int(1)],
    "device": DEVICE,
    "progress": Bool(),
}
_NAME = OneOf(*TECHNIQUES)


@validate(recipe=_RUN["recipe"], dropout=Float(0, 1, high_open=True), seed=[None, SEED])
def catalogue_net(recipe: CatalogueRecipe, *, dropout: float = 0.0, seed: int | None = None) -> MLP:
    """The baseline's MLP (40 -> ``width`` x ``depth`` -> 10), freshly initialised from ``seed``.

    Nets of the same seed start from identical weights (dropout adds none), so a technique and
    the baseline differ only by the technique. The caller's global random generator is left alone.

    Args:
        recipe: the settings (``width``, ``depth``, ``seed``).
        dropout: dropout's p after every hidden layer (0: none).
        seed: the initialisation's seed; ``None`` is ``recipe.seed``.

    Shape:
        (N, 40) -> (N, 10).
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(recipe.seed if seed is None else seed)
        return MLP(40, 10, width=recipe.width, depth=recipe.depth, dropout=dropout)


_net = catalogue_net


def _probs(model: nn.Module, x: Tensor) -> Tensor:
    was = model.training
    model.eval()
    with torch.no_grad():
        out = F.softmax(model(x), dim=1)
    model.train(was)
    return out


def _finish(history: History, model: nn.Module, test: tuple[Tensor, Tensor], *, zeros: bool = True) -> History:
    """Log the returned net's test accuracy, calibration error, confidence and share of zero activations."""
    x, y = test
    dev = model_device(model)
    probs = _probs(model, x.to(dev))
    history.log("final_acc", float((probs.argmax(1) == y.to(dev)).float().mean()))
    history.log("final_ece", expected_calibration_error(probs, y.to(dev)))
    history.log("final_confidence", float(probs.max(1).values.mean()))
    if zeros:
        history.log("final_zero_frac", zero_fraction(model, x.to(dev)))
        # Rounded to float32, as the stored sweeps hold it (they were made with a float32 mean).
        small = torch.tensor(weight_sparsity(model, SMALL_WEIGHT), dtype=torch.float32)
        history.log("final_small_weights", float(small))
    return history


def _fit(model: nn.Module, train: tuple[Tensor, Tensor], val: tuple[Tensor, Tensor], test: tuple[Tensor, Tensor],
         recipe: CatalogueRecipe, label: str, *, device: str | torch.device | None, progress: bool,
         epochs: int | None = None, seed: int | None = None, zeros: bool = True, finish: bool = True,
         **kwargs) -> History:
    history = fit(model, train, val, epochs=recipe.epochs if epochs is None else epochs,
                  batch_size=recipe.batch_size, optimizer="adam", lr=recipe.lr,
                  seed=recipe.seed if seed is None else seed, device=device, progress=progress,
                  description=label, callbacks=[log_accuracy(test)] if label in TEST_CURVES else None, **kwargs)
    return _finish(history, model, test, zeros=zeros) if finish else history


# ------------------------------------------------------------------------------------------ techniques
Runner = Callable[[CatalogueRecipe, Splits, "str | torch.device | None", bool], tuple[nn.Module, History]]


def _shift(recipe: CatalogueRecipe) -> Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]:
    return augment_inputs(shift_signals, max_shift=recipe.max_shift)


def _plain(label: str, *, dropout: bool = False, **fit_kwargs: Callable[[CatalogueRecipe], object]) -> Runner:
    """A run of the baseline MLP on the baseline data with some of ``fit``'s arguments set from the recipe."""

    def run(recipe: CatalogueRecipe, data: Splits, device, progress: bool) -> tuple[nn.Module, History]:
        model = _net(recipe, dropout=recipe.dropout if dropout else 0.0)
        kwargs = {k: f(recipe) for k, f in fit_kwargs.items()}
        return model, _fit(model, data.train, data.val, data.test, recipe, label, device=device, progress=progress,
                           **kwargs)

    return run


def _weight_noise(recipe, data, device, progress):
    model = WeightNoise(_net(recipe), recipe.weight_noise)
    return model, _fit(model, data.train, data.val, data.test, recipe, "weight noise", device=device,
                       progress=progress)


def _activation_l1(recipe, data, device, progress):
    model = _net(recipe)
    penalty = ActivationL1(model, recipe.activation_l1)
    try:
        history = _fit(model, data.train, data.val, data.test, recipe, "L1 on activations", device=device,
                       progress=progress, penalty=penalty)
    finally:
        penalty.remove()
    return model, history


def _cnn(recipe, data, device, progress):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(recipe.seed)
        model = ConvNet1d(width=recipe.cnn_width, num_blocks=recipe.cnn_blocks, residual=False)
    return model, _fit(model, data.train, data.val, data.test, recipe, "parameter sharing (CNN)", device=device,
                       progress=progress)


def _wrong(label: str, **fit_kwargs: Callable[[CatalogueRecipe], object]) -> Runner:
    def run(recipe, data, device, progress):
        x, y = data.train
        noisy = (x, corrupt_labels(y, recipe.wrong_labels, 10, seed=recipe.seed))
        model = _net(recipe)
        kwargs = {k: f(recipe) for k, f in fit_kwargs.items()}
        return model, _fit(model, noisy, data.val, data.test, recipe, label, device=device, progress=progress,
                           **kwargs)

    return run


class _Scaled(nn.Module):
    """A classifier's logits divided by a fixed temperature."""

    def __init__(self, model: nn.Module, temperature: float) -> None:
        super().__init__()
        self.model, self.temperature = model, temperature

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x) / self.temperature


def _temperature(recipe, data, device, progress):
    model = _net(recipe)
    history = _fit(model, data.train, data.val, data.test, recipe, "temperature scaling", device=device,
                   progress=progress, finish=False)
    x, y = data.val
    dev = model_device(model)
    with torch.no_grad():
        logits = model.eval()(x.to(dev))
    temperature = fit_temperature(logits, y.to(dev))
    scaled = _Scaled(model, temperature)
    history.log("temperature", temperature)
    return scaled, _finish(history, scaled, data.test)


def _capped(teacher: nn.Module, pool_x: Tensor, kept: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
    """At most PSEUDO_CAP kept signals per predicted class: the ones the teacher is surest of."""
    confidence = _probs(teacher, pool_x[kept].to(model_device(teacher))).max(1).values.cpu()
    counts = [0] * 10
    chosen = []
    for i in torch.argsort(confidence, descending=True, stable=True).tolist():
        if counts[int(labels[i])] < PSEUDO_CAP:
            counts[int(labels[i])] += 1
            chosen.append(i)
    rows = torch.tensor(sorted(chosen), dtype=torch.long)
    return kept[rows], labels[rows]


def _pseudo(label: str) -> Runner:
    """Pseudo-labels as labelled (``"pseudo-labels"``), capped per class, or with the hidden true labels."""

    def run(recipe, data, device, progress):
        teacher, _ = _plain("shift augmentation", batch_transform=_shift)(recipe, data, device, progress)
        pool_x, pool_y = other_signals(recipe)
        kept, labels = pseudo_labels(teacher, pool_x.to(model_device(teacher)), recipe.pseudo_threshold)
        kept, labels = kept.cpu(), labels.cpu()
        if label == "pseudo-labels, capped":
            kept, labels = _capped(teacher, pool_x, kept, labels)
        elif label == "pseudo-labels, true labels":
            labels = pool_y[kept]
        x, y = data.train
        train = (torch.cat([x, pool_x[kept]]), torch.cat([y, labels]))
        model = _net(recipe)
        history = _fit(model, train, data.val, data.test, recipe, label, device=device, progress=progress,
                       batch_transform=_shift(recipe))
        history.log("pseudo_kept", float(len(kept)))
        history.log("pseudo_right", float((labels == pool_y[kept]).float().mean()) if len(kept) else math.nan)
        counts = torch.bincount(labels, minlength=10).sort(descending=True).values
        history.log("pseudo_top3", float(counts[:3].sum() / len(kept)) if len(kept) else math.nan)
        return model, history

    return run


def _consistency(recipe, data, device, progress):
    pool_x, _ = other_signals(recipe)
    model = _net(recipe)
    penalty = consistency_penalty(pool_x, recipe.consistency, partial(shift_signals, max_shift=recipe.max_shift),
                                  batch_size=recipe.batch_size)
    return model, _fit(model, data.train, data.val, data.test, recipe, "consistency", device=device,
                       progress=progress, batch_transform=_shift(recipe), penalty=penalty)


def _tasks(pair: tuple[Tensor, Tensor], split: int) -> tuple[Tensor, Tensor]:
    x, y = pair
    return with_task(x, (y >= split).long()), y


def _multitask(multi: bool) -> Runner:
    label = "multi-task" if multi else "single task"

    def run(recipe, data, device, progress):
        split = recipe.task_split
        both = _tasks(data.train, split)
        first = (both[0][both[1] < split], both[1][both[1] < split])
        x_test, y_test = _tasks(data.test, split)
        test_a = (x_test[y_test < split], y_test[y_test < split])
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(recipe.seed)
            model = MultiHeadMLP(40, (split, 10 - split), width=recipe.width, depth=recipe.depth)
        train = both if multi else first
        # The same number of optimizer steps for both: the single task has fewer examples per epoch.
        epochs = recipe.epochs if multi else math.ceil(recipe.epochs * len(both[1]) / len(first[1]))
        history = _fit(model, train, _tasks(data.val, split), test_a, recipe, label, device=device,
                       progress=progress, epochs=epochs, zeros=False)
        test_b = (x_test[y_test >= split], y_test[y_test >= split])
        log_accuracy(test_b, "task_b_acc")(history.epochs - 1, model, history)  # the returned net, in the last epoch
        return model, history

    return run


@validate(x=TensorOf("floating", ndim=2, desc="a floating-point tensor of signals (N, L)"))
def second_domain(x: Tensor) -> Tensor:
    """The second input distribution of the tying experiment: the signals blurred, amplified, offset.

    ``1.5 · (x * [1, 2, 3, 2, 1] / 9) + 0.5``, a smoothing filter along each signal followed by a
    gain and an offset: the same digits, seen through a different "sensor".

    Args:
        x: signals (N, L).

    Returns:
        Signals (N, L).
    """
    kernel = torch.tensor([1.0, 2.0, 3.0, 2.0, 1.0], dtype=x.dtype, device=x.device) / 9
    return 1.5 * F.conv1d(x[:, None], kernel[None, None], padding=2)[:, 0] + 0.5


def _source_model(recipe: CatalogueRecipe, device, progress: bool) -> nn.Module:
    """Model A: the baseline MLP trained on the other training signals, in the first domain."""
    x, y = other_signals(recipe)
    model = _net(recipe, seed=recipe.seed + 1)
    fit(model, (x, y), None, epochs=recipe.source_epochs, batch_size=recipe.batch_size, optimizer="adam",
        lr=recipe.lr, seed=recipe.seed + 1, device=device, progress=progress, description="model A (domain A)")
    return model


def _domain_b(label: str) -> Runner:
    """Model B on the second domain: alone, tied to model A, or started from model A's weights."""

    def run(recipe, data, device, progress):
        moved = [(second_domain(x), y) for x, y in (data.train, data.val, data.test)]
        kwargs = {}
        source = None
        if label != "domain B alone":
            source = _source_model(recipe, device, progress)
        if label == "domain B tied to A":
            kwargs["penalty"] = tie_to(source, recipe.tying)
        model = _net(recipe)
        if label == "domain B fine-tuned from A":
            model.load_state_dict(source.state_dict())
        history = _fit(model, *moved, recipe, label, device=device, progress=progress, **kwargs)
        if source is not None:
            log_accuracy(moved[2], "source_acc_on_b")(history.epochs - 1, source, history)
        return model, history

    return run


def _ensemble(label: str) -> Runner:
    """Bagging (each member on its own bootstrap sample) or a seed ensemble (every member on all the data)."""

    def run(recipe, data, device, progress):
        histories: list[History] = []
        # Member i of seed s uses seed s * members + i (initialisation, shuffling and bootstrap sample), so
        # that the ensembles of different seeds share no member; the seed ensemble's first member is the
        # baseline net.
        first = (recipe.seed * recipe.members) % (2**32 - recipe.members)

        def train_one(x: Tensor, y: Tensor) -> nn.Module:
            i = len(histories)
            member = _net(recipe, seed=first + i)
            histories.append(_fit(member, (x, y), data.val, data.test, recipe, f"{label}: member {i + 1}",
                                  device=device, progress=progress, seed=first + i, finish=False))
            return member

        if label == "bagging":
            members = bagging(train_one, data.train, recipe.members, seed=first)
        else:
            members = [train_one(*data.train) for _ in range(recipe.members)]
        model = Ensemble(members)
        x, y = data.test
        dev = model_device(model)
        accs = [float((_probs(m, x.to(dev)).argmax(1).cpu() == y).float().mean()) for m in members]
        mean = sum(accs) / len(accs)
        history = _finish(histories[0], model, data.test)
        history.log("member_mean", mean)
        history.log("member_min", min(accs))
        history.log("member_max", max(accs))
        history.log("member_std", (sum((a - mean) ** 2 for a in accs) / len(accs)) ** 0.5)
        with eval_mode(model):
            history.log("disagreement", disagreement(members, x.to(dev)))
            history.log("pairwise_disagreement", disagreement(members, x.to(dev), pairwise=True))
        return model, history

    return run


_RUNNERS: dict[str, Runner] = {
    "baseline": _plain("baseline"),
    "weight decay": _plain("weight decay", weight_decay=lambda r: r.weight_decay),
    "shift augmentation": _plain("shift augmentation", batch_transform=_shift),
    "input noise": _plain("input noise", batch_transform=lambda r: input_noise(r.input_noise)),
    "weight noise": _weight_noise,
    "label smoothing": _plain("label smoothing", batch_transform=lambda r: label_smoothing(r.smoothing, 10)),
    "label flips": _plain("label flips", batch_transform=lambda r: label_flips(r.label_flips, 10)),
    "wrong labels": _wrong("wrong labels"),
    "wrong labels + label smoothing": _wrong("wrong labels + label smoothing",
                                             batch_transform=lambda r: label_smoothing(r.smoothing, 10)),
    "wrong labels + early stopping": _wrong("wrong labels + early stopping", early_stopping=lambda r: r.patience),
    "pseudo-labels": _pseudo("pseudo-labels"),
    "pseudo-labels, true labels": _pseudo("pseudo-labels, true labels"),
    "pseudo-labels, capped": _pseudo("pseudo-labels, capped"),
    "temperature scaling": _temperature,
    "label smoothing + early stopping": _plain("label smoothing + early stopping",
                                               batch_transform=lambda r: label_smoothing(r.smoothing, 10),
                                               early_stopping=lambda r: r.patience),
    "consistency": _consistency,
    "single task": _multitask(False),
    "multi-task": _multitask(True),
    "early stopping": _plain("early stopping", early_stopping=lambda r: r.patience),
    "domain B alone": _domain_b("domain B alone"),
    "domain B tied to A": _domain_b("domain B tied to A"),
    "domain B fine-tuned from A": _domain_b("domain B fine-tuned from A"),
    "parameter sharing (CNN)": _cnn,
    "L1 on activations": _activation_l1,
    "L1 on weights": _plain("L1 on weights", penalty=lambda r: weight_l1(r.weight_l1)),
    "bagging": _ensemble("bagging"),
    "seed ensemble": _ensemble("seed ensemble"),
    "dropout": _plain("dropout", dropout=True),
}


@validate(name=_NAME, **_RUN)
def train_technique(name: str, recipe: CatalogueRecipe, *, data: Splits | None = None, threads: int | None = 1,
                    device: str | torch.device | None = "cpu", progress: bool = False) -> tuple[nn.Module, History]:
    """Train one setting of the catalogue; return the trained net and its history.

    Args:
        name: one of :data:`TECHNIQUES`, e.g. ``"label smoothing"``.
        recipe: the settings, e.g. ``CatalogueRecipe()``; every setting uses its seed.
        data: the baseline's data; ``None`` loads :func:`catalogue_data` ``(recipe)``. (The other
            training signals, for items 4 and 7, always come from :func:`other_signals` ``(recipe)``.)
        threads: PyTorch CPU threads during the run (restored afterwards); ``None`` keeps the setting.
        device: ``"cpu"`` (the default, for repeatable numbers), ``None`` for the best available one.
        progress: show a progress bar.

    Returns:
        ``(net, history)``: the net as returned (restored to its best epoch by early stopping, an
        :class:`~course_utils.regularizers.Ensemble` for bagging) and the history with
        ``test_acc`` per epoch and ``final_acc``, ``final_ece`` (and where it applies
        ``final_zero_frac``) in its last epoch. Multi-task runs measure the first task's test
        signals, the domain-B runs the second domain's.
    """
    splits = catalogue_data(recipe) if data is None else data
    with torch_threads(threads):
        return _RUNNERS[name](recipe, splits, device, progress)
