"""Tests of ``course_utils.experiments`` and the depth widget: behaviour, references, bad input.

The claims themselves (degradation over seeds, the FLOPs row) are in
``test_claims_residual.py``; here the runs are tiny.
"""

from __future__ import annotations

import json

import pytest
import torch
import torchvision
from torch import nn

from course_utils import data, experiments, measure, models
from course_utils.train import History


@pytest.fixture(scope="module")
def small() -> data.Splits:
    """MNIST-1D with 256 training examples: a run of a few blocks takes a fraction of a second."""
    return data.load_mnist1d(n_train=256, seed=0)


# --- degradation ---------------------------------------------------------------------------

def test_run_degradation_labels_order_and_lengths(small) -> None:
    runs = experiments.run_degradation(num_blocks=(1, 2), residual=(False, True), epochs=2, data=small)
    assert list(runs) == ["plain, 4 layers", "plain, 6 layers", "residual, 4 layers", "residual, 6 layers"]
    for h in runs.values():
        assert isinstance(h, History) and h.epochs == 2
        assert all(0.0 <= e <= 1.0 for e in h.train_error + h.val_error)
    # The cosine schedule spans the run: the second epoch runs at half the initial rate.
    assert runs["plain, 4 layers"].lr == pytest.approx([0.05, 0.025])


def test_run_degradation_repeats_and_leaves_global_state_alone(small) -> None:
    torch.manual_seed(123)
    threads = torch.get_num_threads()
    state = torch.random.get_rng_state()
    first = experiments.run_degradation(num_blocks=(1,), residual=(True,), epochs=2, data=small, seed=3)
    assert torch.equal(torch.random.get_rng_state(), state), "the global generator was touched"
    assert torch.get_num_threads() == threads, "the thread setting was not restored"
    second = experiments.run_degradation(num_blocks=(1,), residual=(True,), epochs=2, data=small, seed=3)
    other = experiments.run_degradation(num_blocks=(1,), residual=(True,), epochs=2, data=small, seed=4)
    label = "residual, 4 layers"
    assert first[label].train_loss == second[label].train_loss
    assert first[label].train_loss != other[label].train_loss


def test_plain_and_residual_start_from_the_same_weights() -> None:
    plain = experiments.degradation._build(3, False, 8, True, seed=5)
    residual = experiments.degradation._build(3, True, 8, True, seed=5)
    for (name, p), (_, r) in zip(plain.named_parameters(), residual.named_parameters()):
        assert torch.equal(p, r), name


def test_final_errors_reads_the_last_epoch(small) -> None:
    runs = experiments.run_degradation(num_blocks=(1,), residual=(False,), epochs=2, data=small)
    h = runs["plain, 4 layers"]
    assert experiments.final_errors(runs) == {
        "plain, 4 layers": {"train error": round(1 - h.train_acc[-1], 3), "test error": round(1 - h.val_acc[-1], 3)}}


def test_degradation_label() -> None:
    assert experiments.degradation_label(20, False) == "plain, 42 layers"
    assert experiments.degradation_label(0, True) == "residual, 2 layers"


def test_gradient_norms_one_per_block_input_first(small) -> None:
    norms = experiments.gradient_norms_at_init(num_blocks=4, data=small)
    assert list(norms) == ["plain, BN", "plain, no BN", "residual, BN", "residual, no BN"]
    assert all(len(v) == 4 and all(x > 0 for x in v) for v in norms.values())
    # The same as measuring by hand with measure.block_grad_norms on a He-initialised model.
    he = experiments.gradient_norms_at_init(num_blocks=4, init="he", batch_norm=(True,), residual=(True,),
                                            data=small, batch_size=32)
    model = experiments.degradation._build(4, True, 16, True, seed=0)
    x, y = small.train[0][:32], small.train[1][:32]
    reference = measure.block_grad_norms(model, x, y, nn.CrossEntropyLoss())
    assert he["residual, BN"] == pytest.approx(list(reference.values()))


def test_torch_threads_sets_and_restores() -> None:
    before = torch.get_num_threads()
    with experiments.torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with experiments.torch_threads(None):
        assert torch.get_num_threads() == before


def test_load_sweep_round_trip(tmp_path) -> None:
    h = History(train_loss=[1.0], train_acc=[0.5], val_loss=[1.1], val_acc=[0.4], lr=[0.05], epoch_time=[0.1])
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps({"meta": {"num_blocks": [2]}, "runs": {"plain, 6 layers": h.to_dict()}}))
    sweep = experiments.load_sweep(path)
    assert sweep["meta"] == {"num_blocks": [2]}
    assert experiments.sweep_history(sweep, 2, False) == h


# --- the ResNet family ----------------------------------------------------------------------

def test_plain_resnet_is_resnet_without_shortcuts() -> None:
    torch.manual_seed(0)
    plain = experiments.plain_resnet(18, num_classes=10)
    blocks = [m for m in plain.modules() if isinstance(m, models.BasicBlock)]
    assert len(blocks) == 8 and all(b.shortcut is None for b in blocks)
    # Same layers as ResNet-18 with option A (which adds no parameters), so the same count.
    assert measure.count_parameters(plain) == measure.count_parameters(models.resnet18(num_classes=10, shortcut="A"))
    x = torch.randn(2, 64, 8, 8)
    block = blocks[0].eval()
    assert torch.allclose(block(x), torch.relu(block.branch(x)))
    assert plain(torch.randn(2, 3, 64, 64)).shape == (2, 10)


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


def test_count_on_meta_equals_a_real_model() -> None:
    torch.manual_seed(0)
    real = models.resnet18()
    assert experiments.count_on_meta(models.resnet18) == {
        "params": measure.count_parameters(real), "macs": measure.count_macs(real, (1, 3, 224, 224))}


def test_shortcut_table_rows() -> None:
    rows = {r["shortcut"]: r for r in experiments.shortcut_table(34)}
    assert [rows[o]["projections"] for o in "ABC"] == [0, 3, 16]
    assert rows["A"]["params"] < rows["B"]["params"] < rows["C"]["params"]
    assert (rows["B"]["top1"], rows["C"]["top1"], rows["A"]["top1"]) == (21.84, 21.53, None)
    assert experiments.shortcut_table(50)[1]["top1"] == 20.74


def test_conv_layer_costs_of_vgg19() -> None:
    with torch.device("meta"):
        rows = experiments.conv_layer_costs(experiments.vgg19())
    assert [r["type"] for r in rows].count("Conv2d") == 16 and [r["type"] for r in rows].count("Linear") == 3
    assert rows[1]["macs"] == 9 * 64 * 64 * 224 * 224


def test_imagenet_table_is_the_decks() -> None:
    table = experiments.imagenet_table()
    assert len(table) == 10
    by_method = {r["method"]: r for r in table}
    assert by_method["ResNet-152"]["top1"] == 19.38 and by_method["ResNet-152"]["top5"] == 4.49
    assert by_method["PReLU-net"]["macs"] is None
    assert by_method["VGG (v5)"]["params"] == 143_667_240
    assert 1.4e9 < by_method["GoogLeNet (ILSVRC'14)"]["macs"] < 1.6e9  # "1.5 billion multiply-adds"


# --- the depth widget -----------------------------------------------------------------------

def _fake_sweep(small) -> dict:
    runs = experiments.run_degradation(num_blocks=(1, 2), residual=(False, True), epochs=1, data=small)
    recipe = dict(experiments.DEGRADATION_RECIPE, epochs=1)
    return {"meta": {"num_blocks": [1, 2], "seed": 0, "recipe": recipe}, "runs": runs}


def test_depth_explorer_redraws_and_trains_live(small) -> None:
    from course_utils.widgets import depth_explorer

    sweep = _fake_sweep(small)
    widget = depth_explorer(sweep, data=small)
    (depth, shortcuts), (button, status) = widget.children[0].children, widget.children[1].children
    assert depth.value == 2 and shortcuts.value is False
    depth.value = 1
    shortcuts.value = True
    button.click()
    assert "trained live" in status.value, status.value
    assert "residual, 4 layers" in status.value
    assert not button.disabled


def test_depth_explorer_shows_a_failure_in_the_widget(small) -> None:
    from course_utils.widgets import depth_explorer

    sweep = _fake_sweep(small)
    sweep["meta"]["seed"] = -1  # run_degradation rejects it: the message must reach the learner
    widget = depth_explorer(sweep, data=small)
    button, status = widget.children[1].children
    button.click()
    assert "live training failed" in status.value and "'seed' parameter" in status.value


# --- bad input ------------------------------------------------------------------------------

BAD_INPUT = [
    ("blocks-not-sequence", lambda: experiments.run_degradation(num_blocks=20), TypeError,
     r"'num_blocks' parameter of run_degradation must be a non-empty tuple or list, e.g. \(2, 20\). Got 20"),
    ("blocks-empty", lambda: experiments.run_degradation(num_blocks=()), ValueError,
     r"'num_blocks' parameter of run_degradation must be a non-empty tuple or list"),
    ("blocks-negative", lambda: experiments.run_degradation(num_blocks=(2, -1)), ValueError,
     r"'num_blocks' parameter of run_degradation must be an int in the range \[0, 200\]. Got -1"),
    ("blocks-float", lambda: experiments.run_degradation(num_blocks=(2.0,)), TypeError,
     r"'num_blocks' parameter of run_degradation must be an int .* Got 2.0 of type float"),
    ("blocks-repeated", lambda: experiments.run_degradation(num_blocks=(2, 2)), ValueError,
     r"'num_blocks' parameter of run_degradation must not repeat a value"),
    ("residual-not-bool", lambda: experiments.run_degradation(residual=(0, 1)), TypeError,
     r"'residual' parameter of run_degradation must be a bool .* Got 0 of type int"),
    ("seed-negative", lambda: experiments.run_degradation(seed=-1), ValueError,
     r"'seed' parameter of run_degradation must be an int in the range \[0, .*\]. Got -1"),
    ("epochs-zero", lambda: experiments.run_degradation(epochs=0), ValueError,
     r"'epochs' parameter of run_degradation must be an int in the range \[1, inf\). Got 0"),
    ("width-zero", lambda: experiments.run_degradation(width=0), ValueError,
     r"'width' parameter of run_degradation .* Got 0"),
    ("batch-norm-not-bool", lambda: experiments.run_degradation(batch_norm="yes"), TypeError,
     r"'batch_norm' parameter of run_degradation must be a bool"),
    ("lr-zero", lambda: experiments.run_degradation(lr=0.0), ValueError,
     r"'lr' parameter of run_degradation must be a float in \(0, inf\). Got 0.0"),
    ("batch-size-zero", lambda: experiments.run_degradation(batch_size=0), ValueError,
     r"'batch_size' parameter of run_degradation .* Got 0"),
    ("threads-zero", lambda: experiments.run_degradation(threads=0), ValueError,
     r"'threads' parameter of run_degradation must be an int in the range \[1, inf\). Got 0. Use None"),
    ("progress-not-bool", lambda: experiments.run_degradation(progress=1), TypeError,
     r"'progress' parameter of run_degradation must be a bool"),
    ("data-wrong-type", lambda: experiments.run_degradation(data=(1, 2)), TypeError,
     r"'data' parameter of run_degradation must be None or the Splits of load_mnist1d"),
    ("final-errors-not-dict", lambda: experiments.final_errors([1]), TypeError,
     r"'histories' parameter of final_errors must be a dict"),
    ("label-negative", lambda: experiments.degradation_label(-1, True), ValueError,
     r"'num_blocks' parameter of degradation_label .* Got -1"),
    ("grad-init-unknown", lambda: experiments.gradient_norms_at_init(init="xavier"), ValueError,
     r"'init' parameter of gradient_norms_at_init must be one of \{'default', 'he'\}. Got 'xavier'"),
    ("grad-blocks-zero", lambda: experiments.gradient_norms_at_init(num_blocks=0), ValueError,
     r"'num_blocks' parameter of gradient_norms_at_init must be an int in the range \[1, 200\]. Got 0"),
    ("grad-bn-not-sequence", lambda: experiments.gradient_norms_at_init(batch_norm=True), TypeError,
     r"'batch_norm' parameter of gradient_norms_at_init must be a non-empty tuple or list"),
    ("threads-context", lambda: experiments.torch_threads(0).__enter__(), ValueError,
     r"'num_threads' parameter of torch_threads must be an int in the range \[1, inf\). Got 0"),
    ("sweep-missing", lambda: experiments.load_sweep("/nonexistent/sweep.json"), FileNotFoundError,
     r"no precomputed sweep at /nonexistent/sweep.json. Make it with `python assets/precompute.py`"),
    ("sweep-path-type", lambda: experiments.load_sweep(3), TypeError,
     r"'path' parameter of load_sweep must be None, a str or a pathlib.Path. Got 3"),
    ("sweep-unknown-setting", lambda: experiments.sweep_history({"runs": {}}, 2, True), ValueError,
     r"The sweep passed to sweep_history has no run 'residual, 6 layers'"),
    ("plain-depth", lambda: experiments.plain_resnet(50), ValueError,
     r"'depth' parameter of plain_resnet must be one of \{18, 34\}. Got 50"),
    ("plain-classes", lambda: experiments.plain_resnet(34, num_classes=0), ValueError,
     r"'num_classes' parameter of plain_resnet .* Got 0"),
    ("plain-positional", lambda: experiments.plain_resnet(34, 10), TypeError, r"positional argument"),
    ("vgg-classes", lambda: experiments.vgg19(num_classes=0), ValueError,
     r"'num_classes' parameter of vgg19 .* Got 0"),
    ("meta-builder-not-callable", lambda: experiments.count_on_meta(models.resnet18()), TypeError,
     r"'builder' parameter of count_on_meta must be a callable that returns a model"),
    ("meta-builder-returns-junk", lambda: experiments.count_on_meta(lambda: 3), TypeError,
     r"'builder' parameter of count_on_meta must be a callable that returns a torch.nn.Module"),
    ("family-unknown", lambda: experiments.family_table(["resnet19"]), ValueError,
     r"'names' parameter of family_table must be one of \{'resnet18', .*\}. Got 'resnet19'"),
    ("family-names-str", lambda: experiments.family_table("resnet18"), TypeError,
     r"'names' parameter of family_table must be a list of names"),
    ("family-shortcut", lambda: experiments.family_table(shortcut="D"), ValueError,
     r"'shortcut' parameter of family_table must be one of \{'A', 'B', 'C'\}. Got 'D'"),
    ("shortcut-table-depth", lambda: experiments.shortcut_table(20), ValueError,
     r"'depth' parameter of shortcut_table must be one of \{18, 34, 50, 101, 152\}. Got 20"),
    ("stage-costs-model", lambda: experiments.stage_costs("resnet50"), TypeError,
     r"'model' parameter of stage_costs must be a torch.nn.Module"),
    ("conv-costs-model", lambda: experiments.conv_layer_costs(None), TypeError,
     r"'model' parameter of conv_layer_costs must be a torch.nn.Module"),
]


@pytest.mark.parametrize(("call", "error", "message"), [case[1:] for case in BAD_INPUT],
                         ids=[case[0] for case in BAD_INPUT])
def test_bad_input_is_rejected(call, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


def test_widget_bad_input() -> None:
    from course_utils.widgets import depth_explorer

    with pytest.raises(TypeError, match=r"'sweep' parameter of depth_explorer must be None or the dict"):
        depth_explorer([1, 2])
    with pytest.raises(TypeError, match=r"'data' parameter of depth_explorer must be None or the Splits"):
        depth_explorer({"meta": {}, "runs": {}}, data="mnist")
