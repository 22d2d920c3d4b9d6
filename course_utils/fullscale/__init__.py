"""Beyond the laptop: the paper's CIFAR-10 runs at full scale, on PyTorch's distributed engine.

The notebooks show every claim of the deck on a CPU in seconds; this package takes a learner
with CIFAR-10 and a GPU (or several) to the paper's own numbers -- Figure 6 (plain-20/32/44/56
against ResNet-20/32/44/56) and Table 6 -- with the course's models and ``History``::

    python -m course_utils.fullscale --download                                   # one GPU
    torchrun --standalone --nproc_per_node=4 -m course_utils.fullscale --download # four

- :mod:`.recipe`: the paper's recipe (:func:`paper_recipe`, ``--scale`` for shorter runs) and nets;
- :mod:`.data`: CIFAR-10 prepared as in the paper, the pad-crop-flip augmentation;
- :mod:`.distributed`: joining the process group ``torchrun`` sets up (NCCL or gloo), threads per process;
- :mod:`.loop`: :func:`train_cifar`, DistributedDataParallel with a ``DistributedSampler``,
  resumable checkpoints, :func:`evaluate_checkpoint`;
- :mod:`.checkpoint`: atomic checkpoints, read by rank 0 and broadcast (no shared filesystem);
- :mod:`.speed`: :class:`Speed`, mixed precision, channels-last, ``torch.compile``, loader workers;
- :mod:`.stopping`: SIGTERM stops a run at the next iteration, with a checkpoint;
- :mod:`.logs`: a CSV per run, TensorBoard when installed;
- :mod:`.results`: results files labelled with hardware and date, Figure 6;
- :mod:`.cli`: the command line. ``docs/fullscale.md`` is the guide.

Importing it starts nothing: no process group, no download.
"""

from .checkpoint import CheckpointError
from .cli import build_parser, main
from .data import DATASETS, FullscaleData, augmentation_params, load_dataset, pad_crop_flip
from .distributed import DistContext, default_threads, distributed
from .loop import FullscaleRun, evaluate_checkpoint, train_cifar
from .recipe import NORMS, PAPER_TABLE6, CifarRecipe, build_model, paper_recipe
from .results import FullscaleResults, describe_hardware, load_results, plot_figure6, stored_cpu_run
from .speed import AMP_MODES, Speed

__all__ = [
    "AMP_MODES",
    "DATASETS",
    "NORMS",
    "PAPER_TABLE6",
    "CheckpointError",
    "CifarRecipe",
    "DistContext",
    "FullscaleData",
    "FullscaleResults",
    "FullscaleRun",
    "augmentation_params",
    "build_model",
    "Speed",
    "build_parser",
    "default_threads",
    "describe_hardware",
    "distributed",
    "evaluate_checkpoint",
    "load_dataset",
    "load_results",
    "main",
    "pad_crop_flip",
    "paper_recipe",
    "plot_figure6",
    "stored_cpu_run",
    "train_cifar",
]
