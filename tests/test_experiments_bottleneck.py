"""Notebook 02's room: the ResNet family counted, and the deck's tables as data.

The claim (the deck's FLOPs row reproduced) is in ``test_claims_residual.py``.
"""

from __future__ import annotations

import pytest
import torch
import torchvision

from course_utils import experiments, measure, models


def test_architecture_is_read_off_the_builders() -> None:
    assert experiments.architecture("resnet18") == ("basic", (2, 2, 2, 2))
    assert experiments.architecture("resnet34") == ("basic", (3, 4, 6, 3))
    assert experiments.architecture("resnet50") == ("bottleneck", (3, 4, 6, 3))
    assert experiments.architecture("resnet101") == ("bottleneck", (3, 4, 23, 3))
    assert experiments.architecture("resnet152") == ("bottleneck", (3, 8, 36, 3))


def test_family_table_matches_torchvision_and_the_counter() -> None:
    rows = {r["model"]: r for r in experiments.family_table()}
    assert list(rows) == ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]
    assert [rows[n]["depth"] for n in rows] == [18, 34, 50, 101, 152]
    for name, row in rows.items():
        with torch.device("meta"):
            reference = getattr(torchvision.models, name)(weights=None)
        assert row["params"] == measure.count_parameters(reference)
        assert sum(row["stages"].values()) == row["macs"]
    assert rows["resnet18"]["stages"]["conv1"] == 118_013_952  # 7*7*3*64*112*112


def test_shortcut_table_rows() -> None:
    rows = {r["shortcut"]: r for r in experiments.shortcut_table(34)}
    assert [rows[o]["projections"] for o in "ABC"] == [0, 3, 16]
    assert rows["A"]["params"] < rows["B"]["params"] < rows["C"]["params"]
    assert (rows["B"]["top1"], rows["C"]["top1"], rows["A"]["top1"]) == (21.84, 21.53, None)
    assert experiments.shortcut_table(50)[1]["top1"] == 20.74


def test_imagenet_table_is_the_decks() -> None:
    table = experiments.imagenet_table()
    assert len(table) == 10
    by_method = {r["method"]: r for r in table}
    assert by_method["ResNet-152"]["top1"] == 19.38 and by_method["ResNet-152"]["top5"] == 4.49
    assert by_method["PReLU-net"]["macs"] is None
    assert by_method["VGG (v5)"]["params"] == 143_667_240
    assert 1.4e9 < by_method["GoogLeNet (ILSVRC'14)"]["macs"] < 1.6e9  # "1.5 billion multiply-adds"


def test_count_on_meta_equals_a_real_model() -> None:
    torch.manual_seed(0)
    real = models.resnet18()
    assert measure.count_on_meta(models.resnet18) == {
        "params": measure.count_parameters(real), "macs": measure.count_macs(real, (1, 3, 224, 224))}


def test_conv_layer_costs_of_vgg19() -> None:
    with torch.device("meta"):
        rows = measure.conv_layer_costs(models.vgg19())
    assert [r["type"] for r in rows].count("Conv2d") == 16 and [r["type"] for r in rows].count("Linear") == 3
    assert rows[1]["macs"] == 9 * 64 * 64 * 224 * 224


@pytest.mark.parametrize(("call", "error", "name"), [
    (lambda: experiments.architecture("resnet19"), ValueError, "name"),
    (lambda: experiments.family_table(["resnet19"]), ValueError, "names"),
    (lambda: experiments.family_table("resnet18"), TypeError, "names"),
    (lambda: experiments.family_table(shortcut="D"), ValueError, "shortcut"),
    (lambda: experiments.shortcut_table(20), ValueError, "depth"),
    (lambda: measure.count_on_meta(models.resnet18()), TypeError, "builder"),
    (lambda: measure.count_on_meta(lambda: 3), TypeError, "builder"),
    (lambda: measure.stage_costs("resnet50"), TypeError, "model"),
    (lambda: measure.conv_layer_costs(None), TypeError, "model"),
], ids=["arch-name", "family-unknown", "family-str", "family-shortcut", "shortcut-depth", "meta-model",
        "meta-junk", "stage-model", "conv-model"])
def test_bad_input_is_rejected(call, error, name) -> None:
    with pytest.raises(error, match=rf"'{name}' parameter of"):
        call()
