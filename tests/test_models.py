"""Tests of ``course_utils.models`` against torchvision, the ResNet paper and ``torch.nn``."""

from __future__ import annotations

import re

import pytest
import torch
import torchvision
from torch import nn

from testkit import deadline
from course_utils import models
from course_utils.measure import count_macs, count_parameters

IMAGENET = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]

# torchvision's counts (num_classes=1000), the same for the paper's v1 and torchvision's v1.5.
TORCHVISION_PARAMS = {
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
}

# He et al. (2015), Table 1, last row: "FLOPs" (multiply-adds) at 224x224, x 10^9.
PAPER_GMACS = {"resnet18": 1.8, "resnet34": 3.6, "resnet50": 3.8, "resnet101": 7.6, "resnet152": 11.3}

# He et al. (2015), Table 6: parameters of the CIFAR-10 nets with option A, in millions.
PAPER_CIFAR_MPARAMS = {"resnet20": 0.27, "resnet32": 0.46, "resnet44": 0.66, "resnet56": 0.85, "resnet110": 1.7}


def _meta(build, *args, **kwargs) -> nn.Module:
    """Build a model on the meta device: shapes only, no memory, no init cost.

    Counting parameters and multiply-adds needs only shapes, so the big nets are
    measured on meta to keep the suite fast; ``test_meta_and_cpu_counts_agree``
    checks that this gives the same numbers as on the CPU.
    """
    with torch.device("meta"):
        return build(*args, **kwargs)


def _shortcut_convs(model: nn.Module) -> int:
    return sum(isinstance(b.shortcut, nn.Sequential) for b in model.modules()
               if isinstance(b, (models.BasicBlock, models.Bottleneck)))


def _blocks(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, (models.BasicBlock, models.Bottleneck))]


# --- the ImageNet ResNets -----------------------------------------------------------------

@pytest.mark.parametrize("name", IMAGENET)
def test_imagenet_params_equal_torchvision(name: str) -> None:
    ours = count_parameters(_meta(models.get_model, name))
    reference = count_parameters(_meta(getattr(torchvision.models, name), weights=None))
    assert ours == reference, f"{name}: {ours:,} parameters, torchvision has {reference:,}"
    assert ours == TORCHVISION_PARAMS[name]


@pytest.mark.parametrize("name", IMAGENET)
def test_imagenet_macs_reproduce_paper(name: str) -> None:
    gmacs = count_macs(_meta(models.get_model, name), (1, 3, 224, 224)) / 1e9
    assert gmacs == pytest.approx(PAPER_GMACS[name], rel=0.02), (
        f"{name}: {gmacs:.3f} G multiply-adds, the paper says {PAPER_GMACS[name]} G")


def test_resnet50_is_v1_not_torchvisions_v1_5() -> None:
    ours = count_macs(_meta(models.resnet50), (1, 3, 224, 224))
    theirs = count_macs(_meta(torchvision.models.resnet50, weights=None), (1, 3, 224, 224))
    assert theirs / 1e9 == pytest.approx(4.09, abs=0.01)  # v1.5 strides the 3x3
    assert ours < 0.96 * theirs, "the v1 bottleneck should be ~6% cheaper than torchvision's v1.5"


def test_meta_and_cpu_counts_agree() -> None:
    cpu, meta = models.resnet18(), _meta(models.resnet18)
    assert count_parameters(cpu) == count_parameters(meta)
    assert count_macs(cpu, (1, 3, 224, 224)) == count_macs(meta, (1, 3, 224, 224)) == 1_814_073_344


def test_bottleneck_strides_in_first_1x1() -> None:
    block = models.Bottleneck(256, 128, stride=2)
    assert block.conv1.stride == (2, 2) and block.conv1.kernel_size == (1, 1)
    assert block.conv2.stride == (1, 1)
    assert block(torch.randn(1, 256, 8, 8)).shape == (1, 512, 4, 4)


@pytest.mark.parametrize("name", IMAGENET)
def test_imagenet_output_shape(name: str) -> None:
    # ResNet-101/152 only repeat ResNet-50's blocks; their shapes are checked on
    # the meta device, which skips initialising 45-60 M weights on the CPU.
    device = "meta" if name in ("resnet101", "resnet152") else "cpu"
    with torch.device(device):
        model = models.get_model(name, num_classes=7).eval()
        x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert model(x).shape == (1, 7)


@pytest.mark.parametrize(("name", "projections_b"), [("resnet18", 3), ("resnet50", 4)])
def test_shortcut_options_place_projections(name: str, projections_b: int) -> None:
    a, b, c = (_meta(models.get_model, name, shortcut=s) for s in "ABC")
    assert _shortcut_convs(a) == 0
    assert _shortcut_convs(b) == projections_b
    assert _shortcut_convs(c) == len(_blocks(c))
    assert count_parameters(a) < count_parameters(b) < count_parameters(c)


def test_zero_pad_shortcut_subsamples_and_pads() -> None:
    x = torch.randn(2, 3, 5, 5)
    out = models.ZeroPadShortcut(3, 8, stride=2)(x)
    assert out.shape == (2, 8, 3, 3)
    torch.testing.assert_close(out[:, :3], x[:, :, ::2, ::2])
    assert torch.count_nonzero(out[:, 3:]) == 0


@pytest.mark.parametrize(("block", "in_planes", "planes"), [(models.BasicBlock, 8, 16), (models.Bottleneck, 16, 8)])
def test_block_is_relu_of_branch_plus_shortcut(block: type[nn.Module], in_planes: int, planes: int) -> None:
    torch.manual_seed(0)
    b = block(in_planes, planes, stride=2, shortcut="A").eval()
    x = torch.randn(2, in_planes, 8, 8)
    with torch.no_grad():
        out = b(x)
        torch.testing.assert_close(out, torch.relu(b.branch(x) + b.shortcut(x)))
    assert out.shape == (2, planes * block.expansion, 4, 4)


def test_zero_init_residual_makes_blocks_identity() -> None:
    torch.manual_seed(0)
    model = models.resnet18(zero_init_residual=True).eval()
    block = model.layer1[1]  # same shape in and out: identity shortcut
    x = torch.relu(torch.randn(1, 64, 8, 8))
    with torch.no_grad():
        torch.testing.assert_close(block(x), x)
    assert all(torch.all(b.last_bn.weight == 0) for b in _blocks(model))
    assert not torch.all(models.resnet18().layer1[1].bn2.weight == 0)


# --- the CIFAR ResNets ---------------------------------------------------------------------

@pytest.mark.parametrize("name", list(PAPER_CIFAR_MPARAMS))
def test_cifar_params_match_paper(name: str) -> None:
    params = count_parameters(models.get_model(name))
    digits = 1 if name == "resnet110" else 2
    assert round(params / 1e6, digits) == PAPER_CIFAR_MPARAMS[name], f"{name}: {params:,} parameters"


def test_cifar_resnet20_exact_count_and_layers() -> None:
    model = models.resnet20()
    assert count_parameters(model) == 269_722
    weighted = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(weighted) == 20  # option A adds no convolutions


@pytest.mark.parametrize("shortcut", ["A", "B"])
@pytest.mark.parametrize("name", list(PAPER_CIFAR_MPARAMS))
def test_cifar_output_shape(name: str, shortcut: str) -> None:
    model = models.get_model(name, shortcut=shortcut).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_cifar_option_b_adds_two_projections() -> None:
    a, b = models.resnet20(shortcut="A"), models.resnet20(shortcut="B")
    assert _shortcut_convs(a) == 0 and _shortcut_convs(b) == 2
    assert count_parameters(b) == count_parameters(a) + (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64)


def test_cifar_resnet_any_valid_depth() -> None:
    model = models.cifar_resnet(8, num_classes=3)
    assert len(_blocks(model)) == 3
    assert model(torch.randn(2, 3, 16, 16)).shape == (2, 3)


# --- MLP -----------------------------------------------------------------------------------

def test_mlp_shape_and_layers() -> None:
    model = models.MLP(40, 10, width=32, depth=3, dropout=0.2, batch_norm=True)
    assert model(torch.randn(5, 40)).shape == (5, 10)
    assert model(torch.randn(5, 1, 40)).shape == (5, 10)  # inputs are flattened
    assert sum(isinstance(m, nn.Linear) for m in model.modules()) == 4  # 3 hidden + head
    assert sum(isinstance(m, nn.BatchNorm1d) for m in model.modules()) == 3
    assert sum(isinstance(m, nn.Dropout) for m in model.modules()) == 3
    plain = models.MLP(40, 10, width=32, depth=3)
    assert count_parameters(plain) == 40 * 32 + 32 + 2 * (32 * 32 + 32) + 32 * 10 + 10
    assert not any(isinstance(m, (nn.Dropout, nn.BatchNorm1d)) for m in plain.modules())


def test_mlp_depth_zero_is_linear() -> None:
    model = models.MLP(4, 3, depth=0)
    assert count_parameters(model) == 4 * 3 + 3


# --- plain vs residual conv nets -----------------------------------------------------------

@pytest.mark.parametrize("batch_norm", [True, False])
@pytest.mark.parametrize("num_blocks", [0, 1, 5])
def test_convnet1d_plain_and_residual_are_identical_but_for_shortcuts(num_blocks: int, batch_norm: bool) -> None:
    torch.manual_seed(0)
    plain = models.ConvNet1d(num_blocks=num_blocks, residual=False, batch_norm=batch_norm)
    torch.manual_seed(0)
    res = models.ConvNet1d(num_blocks=num_blocks, residual=True, batch_norm=batch_norm)
    assert count_parameters(plain) == count_parameters(res)
    sd_plain, sd_res = plain.state_dict(), res.state_dict()
    assert sd_plain.keys() == sd_res.keys()
    assert all(torch.equal(sd_plain[k], sd_res[k]) for k in sd_plain)
    weighted = [m for m in plain.modules() if isinstance(m, (nn.Conv1d, nn.Linear))]
    assert len(weighted) == 2 * num_blocks + 2


@pytest.mark.parametrize("residual", [True, False])
def test_convnet1d_shapes(residual: bool) -> None:
    model = models.ConvNet1d(residual=residual)
    assert model(torch.randn(4, 40)).shape == (4, 10)
    assert model(torch.randn(4, 1, 40)).shape == (4, 10)
    with pytest.raises(ValueError, match=re.escape("(4, 1, 30)")):
        model(torch.randn(4, 1, 30))
    assert models.ConvNet1d(input_length=None)(torch.randn(2, 1, 30)).shape == (2, 10)


@pytest.mark.parametrize("residual", [True, False])
def test_convnet2d_shapes(residual: bool) -> None:
    model = models.ConvNet2d(in_channels=1, num_classes=4, residual=residual)
    assert model(torch.randn(3, 1, 8, 8)).shape == (3, 4)


@pytest.mark.parametrize("dim", [1, 2])
def test_zeroed_branch_gives_zero_for_plain_and_identity_for_residual(dim: int) -> None:
    torch.manual_seed(0)
    net_cls = models.ConvNet1d if dim == 1 else models.ConvNet2d
    shape = (3, 16, 12) if dim == 1 else (3, 16, 6, 6)
    x = torch.relu(torch.randn(shape))  # block inputs come out of a ReLU
    for residual in (True, False):
        block = net_cls(residual=residual).blocks[0]
        with torch.no_grad():
            for m in block.branch:
                if isinstance(m, (nn.Conv1d, nn.Conv2d)):
                    m.weight.zero_()
            out = block(x)
        if residual:
            assert block.shortcut is not None
            torch.testing.assert_close(out, x)
        else:
            assert block.shortcut is None
            assert torch.count_nonzero(out) == 0


def test_convnet_zero_init_residual() -> None:
    torch.manual_seed(0)
    for batch_norm in (True, False):
        model = models.ConvNet1d(num_blocks=3, batch_norm=batch_norm, zero_init_residual=True).eval()
        x = torch.relu(torch.randn(2, 16, 40))
        with torch.no_grad():
            for block in model.blocks:
                torch.testing.assert_close(block(x), x)


# --- same seed, same numbers ---------------------------------------------------------------

BUILDERS = {
    "resnet18": lambda: models.resnet18(num_classes=5),
    "bottleneck-resnet": lambda: models.ResNet(models.Bottleneck, [1, 1, 1, 1], num_classes=5),
    "resnet20": lambda: models.resnet20(),
    "mlp": lambda: models.MLP(3 * 16 * 16, 10, dropout=0.5, batch_norm=True),
    "convnet1d": lambda: models.ConvNet1d(),
    "convnet2d": lambda: models.ConvNet2d(),
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_same_seed_same_model(name: str) -> None:
    outputs, states = [], []
    for seed in (0, 0, 1):
        torch.manual_seed(seed)
        model = BUILDERS[name]()
        x = torch.randn(2, 1, 40) if name == "convnet1d" else torch.randn(2, 3, 16, 16)
        outputs.append(model(x))  # train mode: dropout masks are seeded too
        states.append(model.state_dict())
    torch.testing.assert_close(outputs[0], outputs[1], rtol=0, atol=0)
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])
    assert not torch.equal(outputs[0], outputs[2])


# --- norm_layer ----------------------------------------------------------------------------

NORM_BUILDERS = {
    "resnet-basic": lambda norm: models.ResNet(models.BasicBlock, [1, 1, 1, 1], num_classes=10, norm_layer=norm),
    "resnet-bottleneck": lambda norm: models.ResNet(models.Bottleneck, [1, 1, 1, 1], num_classes=10, shortcut="C",
                                                    norm_layer=norm),
    "resnet20": lambda norm: models.resnet20(shortcut="B", norm_layer=norm),
    "plain": lambda norm: models.ResNet(models.PlainBasicBlock, [1, 1, 1, 1], num_classes=10, shortcut="A",
                                        norm_layer=norm),
    "convnet1d": lambda norm: models.ConvNet1d(num_blocks=2, norm_layer=norm),
    "convnet2d": lambda norm: models.ConvNet2d(num_blocks=2, norm_layer=norm),
    "mlp": lambda norm: models.MLP(40, 10, depth=2, batch_norm=True, norm_layer=norm),
}
NORM_INPUTS = {"resnet-basic": (2, 3, 32, 32), "resnet-bottleneck": (2, 3, 32, 32), "resnet20": (2, 3, 32, 32),
               "plain": (2, 3, 32, 32), "convnet1d": (2, 40), "convnet2d": (2, 3, 8, 8), "mlp": (2, 40)}
_BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)


@pytest.mark.parametrize("name", list(NORM_BUILDERS))
def test_norm_layer_replaces_every_batch_norm(name: str) -> None:
    torch.manual_seed(0)
    default = NORM_BUILDERS[name](None)
    n_bn = sum(isinstance(m, _BATCH_NORMS) for m in default.modules())
    assert n_bn > 0
    for norm, kind in [(nn.Identity, nn.Identity), (lambda c: nn.GroupNorm(4, c), nn.GroupNorm)]:
        model = NORM_BUILDERS[name](norm)
        assert not any(isinstance(m, _BATCH_NORMS) for m in model.modules())
        assert sum(type(m) is kind for m in model.modules()) >= n_bn
        out = model(torch.randn(NORM_INPUTS[name]))
        assert out.shape == (2, 10) and torch.isfinite(out).all()
    # Same parameters as BN (gamma and beta per channel) for GroupNorm; none for Identity.
    gn = NORM_BUILDERS[name](lambda c: nn.GroupNorm(4, c))
    assert count_parameters(gn) == count_parameters(default)
    identity = NORM_BUILDERS[name](nn.Identity)
    bn_params = sum(p.numel() for m in default.modules() if isinstance(m, _BATCH_NORMS) for p in m.parameters())
    assert count_parameters(identity) == count_parameters(default) - bn_params


def test_norm_layer_default_is_batch_norm_with_the_same_numbers() -> None:
    torch.manual_seed(0)
    a = models.resnet20()
    torch.manual_seed(0)
    b = models.resnet20(norm_layer=nn.BatchNorm2d)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_zero_init_residual_with_group_norm_and_identity() -> None:
    gn = models.resnet20(zero_init_residual=True, norm_layer=lambda c: nn.GroupNorm(4, c))
    blocks = [m for m in gn.modules() if isinstance(m, models.BasicBlock)]
    assert all(isinstance(b.last_bn, nn.GroupNorm) and torch.all(b.last_bn.weight == 0) for b in blocks)
    assert all(torch.all(m.weight == 1) for m in gn.modules() if isinstance(m, nn.GroupNorm)
               if not any(m is b.last_bn for b in blocks))
    models.resnet20(zero_init_residual=True, norm_layer=nn.Identity)(torch.randn(1, 3, 32, 32))
    net = models.ConvNet1d(zero_init_residual=True, norm_layer=lambda c: nn.GroupNorm(2, c))
    assert all(torch.all(block.last_layer.weight == 0) for block in net.blocks)


def test_norm_layer_works_on_the_meta_device() -> None:
    counts = _meta(models.resnet152, norm_layer=lambda c: nn.GroupNorm(32, c))
    assert count_parameters(counts) == TORCHVISION_PARAMS["resnet152"]


# --- plain nets -----------------------------------------------------------------------------


@pytest.mark.parametrize(("in_planes", "planes", "stride"), [(64, 32, 1), (16, 64, 2), (8, 8, 1)])
def test_plain_basic_block_takes_any_channels_and_has_no_shortcut(in_planes: int, planes: int, stride: int) -> None:
    block = models.PlainBasicBlock(in_planes, planes, stride)
    assert block.shortcut is None
    x = torch.randn(2, in_planes, 8, 8)
    torch.testing.assert_close(block(x), torch.relu(block.branch(x)))
    assert block(x).shape == (2, planes, 8 // stride, 8 // stride)


def test_plain_resnet_matches_resnet_with_option_a_but_for_the_shortcuts() -> None:
    plain, residual = _meta(models.plain_resnet, 34), _meta(models.resnet34, shortcut="A")
    assert count_parameters(plain) == count_parameters(residual)
    assert count_macs(plain, (1, 3, 224, 224)) == count_macs(residual, (1, 3, 224, 224))
    assert all(isinstance(m, models.PlainBasicBlock) for m in plain.modules() if isinstance(m, models.BasicBlock))


def test_vgg19_is_torchvisions() -> None:
    vgg = _meta(models.vgg19, num_classes=10)
    assert count_parameters(vgg) == count_parameters(_meta(torchvision.models.vgg19, num_classes=10))


# --- bad input -----------------------------------------------------------------------------

BAD_INPUT = [
    ("unknown-shortcut", lambda: models.resnet18(shortcut="D"), ValueError,
     r"'shortcut' parameter of resnet18 must be one of \{'A', 'B', 'C'\}. Got 'D'"),
    ("shortcut-lowercase-cifar", lambda: models.resnet20(shortcut="a"), ValueError,
     r"'shortcut' parameter of resnet20 .* Got 'a'"),
    ("num-classes-zero", lambda: models.resnet50(num_classes=0), ValueError,
     r"'num_classes' parameter of resnet50 must be an int in the range \[1, inf\). Got 0"),
    ("num-classes-float", lambda: models.ConvNet1d(num_classes=10.0), TypeError,
     r"'num_classes' parameter of ConvNet1d must be an int .* Got 10.0 of type float"),
    ("num-blocks-negative", lambda: models.ConvNet1d(num_blocks=-1), ValueError,
     r"'num_blocks' parameter of ConvNet1d must be an int in the range \[0, inf\). Got -1"),
    ("width-zero", lambda: models.ConvNet2d(width=0), ValueError,
     r"'width' parameter of ConvNet2d must be an int in the range \[1, inf\). Got 0"),
    ("width-string", lambda: models.ConvNet1d(width="16"), TypeError,
     r"'width' parameter of ConvNet1d must be an int .* Got '16' of type str"),
    ("mlp-width-zero", lambda: models.MLP(10, 2, width=0), ValueError,
     r"'width' parameter of MLP must be an int in the range \[1, inf\). Got 0"),
    ("dropout-too-big", lambda: models.MLP(10, 2, dropout=1.5), ValueError,
     r"'dropout' parameter of MLP must be a float in \[0, 1\). Got 1.5"),
    ("dropout-one", lambda: models.MLP(10, 2, dropout=1.0), ValueError,
     r"'dropout' parameter of MLP must be a float in \[0, 1\). Got 1.0"),
    ("dropout-string", lambda: models.MLP(10, 2, dropout="0.5"), TypeError,
     r"'dropout' parameter of MLP must be a float .* Got '0.5' of type str"),
    ("mlp-depth-negative", lambda: models.MLP(10, 2, depth=-2), ValueError,
     r"'depth' parameter of MLP .* Got -2"),
    ("batch-norm-not-bool", lambda: models.MLP(10, 2, batch_norm=1), TypeError,
     r"'batch_norm' parameter of MLP must be a bool .* Got 1 of type int"),
    ("cifar-depth-not-6n+2", lambda: models.cifar_resnet(21), ValueError,
     r"'depth' parameter of cifar_resnet must be an int of the form 6n \+ 2 .* Got 21"),
    ("cifar-depth-too-small", lambda: models.CifarResNet(depth=2), ValueError,
     r"'depth' parameter of CifarResNet must be an int in the range \[8, inf\). Got 2"),
    ("unknown-model-name", lambda: models.get_model("resnet19"), ValueError,
     r"'name' parameter of get_model must be one of \{'resnet18', .*'resnet110'\}. Got 'resnet19'"),
    ("model-name-not-str", lambda: models.get_model(18), TypeError,
     r"'name' parameter of get_model must be one of \{'resnet18', .* Got 18 of type int"),
    ("block-not-class", lambda: models.ResNet(nn.Conv2d(3, 3, 1), [2, 2, 2, 2]), TypeError,
     r"'block' parameter of ResNet must be the class BasicBlock or Bottleneck"),
    ("layers-wrong-length", lambda: models.ResNet(models.BasicBlock, [2, 2, 2]), ValueError,
     r"'layers' parameter of ResNet must be a list of 4 ints .* Got \[2, 2, 2\]"),
    ("zero-init-plain", lambda: models.ConvNet1d(residual=False, zero_init_residual=True), ValueError,
     r"'zero_init_residual' parameter of ConvNet1d must be False when residual=False"),
    ("builder-positional", lambda: models.resnet18(10), TypeError, r"positional argument"),
]


@pytest.mark.parametrize(("build", "error", "message"), [case[1:] for case in BAD_INPUT],
                         ids=[case[0] for case in BAD_INPUT])
def test_bad_input_is_rejected(build, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()


# --------------------------------------------------------------------------- sizes beyond the caps (issue 19)


@pytest.mark.parametrize(("build", "param", "got"), [
    (lambda: models.MLP(5, 3, width=10**9), "width", r"1000000000, which makes 1,000,000,010,000,000,003 parameters"),
    (lambda: models.MLP(10**12, 3, depth=0), "in_features", r"1000000000000, which makes"),
    (lambda: models.ConvNet1d(width=10**7), "width", r"10000000, which makes about"),
    (lambda: models.ConvNet2d(in_channels=3, num_classes=10**10), "num_classes", r"10000000000, which makes about"),
])
def test_a_model_too_large_to_allocate_is_refused_before_allocating(build, param, got) -> None:
    with pytest.raises(ValueError, match=rf"The '{param}' parameter of (MLP|ConvNet1d|ConvNet2d) must be a size for a "
                                         rf"net of at most 100,000,000 parameters \(course_utils._limits."
                                         rf"MAX_PARAMETERS\). Got {got}"):
        build()


@pytest.mark.parametrize(("build", "param", "got"), [
    (lambda: models.resnet18(num_classes=10**8), "num_classes", r"100000000, which makes at least 51,3\d\d,\d{3},\d{3} parameters"),
    (lambda: models.ResNet(models.BasicBlock, [2, 2, 200, 2]), "layers", r"\[2, 2, 200, 2\], which makes at least 246,617,064 parameters"),
    (lambda: models.cifar_resnet(20, num_classes=10**7), "num_classes", r"10000000, which makes at least 650,290,304 parameters with depth=20"),
    (lambda: models.cifar_resnet(6 * 1600 + 2), "depth", r"9602, which makes at least 154,829,450 parameters with num_classes=10"),
])
def test_a_resnet_too_large_to_allocate_is_refused_at_once(build, param, got) -> None:
    with deadline(10, "building the ResNet"), pytest.raises(
            ValueError, match=rf"The '{param}' parameter of (ResNet|resnet18|cifar_resnet) must be a size for a net of at most "
                              rf"100,000,000 parameters \(course_utils._limits.MAX_PARAMETERS\). Got {got}"):
        build()


@pytest.mark.parametrize(("build", "param"), [(lambda: models.MLP(5, 3, width=2, depth=10**7), "depth"),
                                              (lambda: models.ConvNet1d(width=2, num_blocks=10**7), "num_blocks"),
                                              (lambda: models.cifar_resnet(6 * 10**6 + 2), "depth")])
def test_a_model_too_deep_to_build_is_refused_at_once(build, param) -> None:
    with deadline(10, "building the model"), pytest.raises(
            ValueError, match=rf"The '{param}' parameter of \w+ must be an int of at most 10,000 "
                              r"\(course_utils._limits.MAX_LAYERS\). Got (10000000|6000002)\."):
        build()


def test_a_resnet_with_too_many_blocks_is_refused_at_once() -> None:
    with deadline(10, "building the ResNet"), pytest.raises(
            ValueError, match=r"The 'layers' parameter of ResNet must be a list of blocks that add up to at most "
                              r"10,000 \(course_utils._limits.MAX_LAYERS\). Got \[1, 1, 1, 100000\], 100,003 blocks\."):
        models.ResNet(models.Bottleneck, [1, 1, 1, 10**5])


def test_the_largest_resnets_of_the_paper_are_within_the_caps() -> None:
    """The caps refuse only what no one means: ResNet-152 and the 1202-layer CIFAR net build."""
    assert sum(p.numel() for p in models.resnet152().parameters()) == 60_192_808
    assert models.cifar_resnet(1202).depth == 1202
