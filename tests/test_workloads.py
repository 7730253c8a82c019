"""The bundled workloads: they load, have the published shapes and MAC counts, their map sizes chain
through the pooling layers that are not listed, and they carry the Stripes precision profiles."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from accelsim.spec.workload import LayerKind, load_workload

WORKLOADS = Path(__file__).resolve().parent.parent / "workloads"

# name -> (layers, conv layers, fc layers, total MACs)
EXPECTED = {
    "alexnet": (8, 5, 3, 724_406_816),
    "nin": (12, 12, 0, 1_100_188_800),
    "googlenet": (58, 57, 1, 1_582_671_872),
    "vgg_m": (8, 5, 3, 1_676_172_320),
    "vgg_s": (8, 5, 3, 2_927_705_120),
    "vgg19": (19, 16, 3, 19_632_062_464),
    "vgg16": (16, 13, 3, 15_470_264_320),
    "resnet50": (54, 53, 1, 4_089_184_256),
}

# Stripes (MICRO 2016) 100%-accuracy conv activation precisions, docs/references.md#stripes-precision-profiles.
STRIPES = {
    "alexnet": "9-8-5-5-7",
    "nin": "8-8-8-9-7-8-8-9-9-8-8-8",
    "googlenet": "10-8-10-9-8-10-9-8-9-10-7",
    "vgg_m": "7-7-7-8-7",
    "vgg_s": "7-8-9-7-9",
    "vgg19": "12-12-12-11-12-10-11-11-13-12-13-13-13-13-13-13",
}

# The pooling that follows a layer's output: (kernel, stride, pad, mode). Caffe rounds up ("ceil"),
# PyTorch rounds down ("floor"); "global" averages the whole map to 1x1.
CAFFE_3S2 = (3, 2, 0, "ceil")
GLOBAL = (0, 0, 0, "global")
POOLS = {
    "alexnet": {"conv1": CAFFE_3S2, "conv2": CAFFE_3S2, "conv5": CAFFE_3S2},
    "nin": {"cccp2": CAFFE_3S2, "cccp4": CAFFE_3S2, "cccp6": CAFFE_3S2, "cccp8-1024": GLOBAL},
    "googlenet": {"conv1/7x7_s2": CAFFE_3S2, "conv2/3x3": CAFFE_3S2,
                  **{f"inception_{m}/{b}": CAFFE_3S2 if m != "5b" else GLOBAL
                     for m in ("3b", "4e", "5b") for b in ("1x1", "3x3", "5x5", "pool_proj")}},
    "vgg_m": {"conv1": CAFFE_3S2, "conv2": CAFFE_3S2, "conv5": CAFFE_3S2},
    "vgg_s": {"conv1": (3, 3, 0, "ceil"), "conv2": (2, 2, 0, "ceil"), "conv5": (3, 3, 0, "ceil")},
    "vgg16": {f"conv{b}_{n}": (2, 2, 0, "floor") for b, n in ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3))},
    "vgg19": {f"conv{b}_{n}": (2, 2, 0, "floor") for b, n in ((1, 2), (2, 2), (3, 4), (4, 4), (5, 4))},
    "resnet50": {"conv1": (3, 2, 1, "floor"), "layer4.2.conv3": GLOBAL},
}


def load(name):
    return load_workload(WORKLOADS / f"{name}.yaml")


def pooled(size: int, pool) -> int:
    k, s, p, mode = pool
    if mode == "global":
        return 1
    rounding = math.ceil if mode == "ceil" else math.floor
    return rounding((size + 2 * p - k) / s) + 1


def producers(name, layers):
    """For each layer, the layers whose (pooled, concatenated) outputs form its input."""
    names = [l.name for l in layers]
    if name == "googlenet":
        outs = ("1x1", "3x3", "5x5", "pool_proj")
        prev, src = ["conv2/3x3"], {"conv2/3x3_reduce": ["conv1/7x7_s2"],
                                    "conv2/3x3": ["conv2/3x3_reduce"]}
        for m in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"):
            p = f"inception_{m}/"
            src.update({p + b: prev for b in ("1x1", "3x3_reduce", "5x5_reduce", "pool_proj")})
            src.update({p + "3x3": [p + "3x3_reduce"], p + "5x5": [p + "5x5_reduce"]})
            prev = [p + b for b in outs]
        src["loss3/classifier"] = prev
        return src
    if name == "resnet50":
        src, prev = {}, "conv1"
        for stage, blocks in enumerate((3, 4, 6, 3), start=1):
            for b in range(blocks):
                p = f"layer{stage}.{b}."
                src.update({p + "conv1": [prev], p + "conv2": [p + "conv1"],
                            p + "conv3": [p + "conv2"]})
                if b == 0:
                    src[p + "downsample.0"] = [prev]
                prev = p + "conv3"   # the residual sum has the shape of conv3's output
        src["fc"] = [prev]
        return src
    return {b: [a] for a, b in zip(names, names[1:])}


@pytest.mark.parametrize("path", sorted(WORKLOADS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundled_workload_loads(path):
    w = load_workload(path)
    assert w.layers and w.macs > 0 and w.notes
    assert w.name == path.stem


@pytest.mark.parametrize("name", EXPECTED)
def test_layer_counts_and_total_macs(name):
    w = load(name)
    layers, convs, fcs, macs = EXPECTED[name]
    assert len(w.layers) == layers
    assert sum(l.kind is LayerKind.CONV for l in w.layers) == convs
    assert sum(l.kind is LayerKind.FC for l in w.layers) == fcs
    assert w.macs == macs
    assert all(l.shape.n == 1 for l in w.layers)


def test_alexnet_macs_match_an_independent_layer_table():
    # (C, H_in, K, kernel, stride, pad, groups): BVLC AlexNet, output = (H + 2p - R) // s + 1.
    table = {"conv1": (3, 227, 96, 11, 4, 0, 1), "conv2": (96, 27, 256, 5, 1, 2, 2),
             "conv3": (256, 13, 384, 3, 1, 1, 1), "conv4": (384, 13, 384, 3, 1, 1, 2),
             "conv5": (384, 13, 256, 3, 1, 1, 2)}
    fc = {"fc6": (256 * 6 * 6, 4096), "fc7": (4096, 4096), "fc8": (4096, 1000)}
    expect = {}
    for n, (c, h, k, r, s, p, g) in table.items():
        out = (h + 2 * p - r) // s + 1
        expect[n] = out * out * k * (c // g) * r * r
    expect.update({n: a * b for n, (a, b) in fc.items()})
    w = load("alexnet")
    assert {l.name: l.macs for l in w.layers} == expect
    assert expect["conv1"] == 105_415_200 and expect["conv2"] == 223_948_800
    assert sum(expect[n] for n in table) == 665_784_864
    assert sum(expect[n] for n in fc) == 58_621_952
    assert sum(expect.values()) == w.macs == 724_406_816


def test_vgg16_macs_match_an_independent_computation():
    total, c, h = 0, 3, 224
    for reps, k in zip((2, 2, 3, 3, 3), (64, 128, 256, 512, 512)):
        for _ in range(reps):
            total += h * h * k * c * 9
            c = k
        h //= 2
    total += 25088 * 4096 + 4096 * 4096 + 4096 * 1000
    assert total == load("vgg16").macs == 15_470_264_320


def test_resnet50_macs_match_an_independent_computation():
    total = 112 * 112 * 64 * 3 * 49            # stem
    c, h = 64, 56
    for blocks, width, first_stride in ((3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2)):
        for b in range(blocks):
            s = first_stride if b == 0 else 1
            ho = h // s
            total += h * h * width * c                      # 1x1 reduce (stride 1: v1.5)
            total += ho * ho * width * width * 9            # 3x3, carries the stride
            total += ho * ho * 4 * width * width            # 1x1 expand
            if b == 0:
                total += ho * ho * 4 * width * c            # projection shortcut
            c, h = 4 * width, ho
    total += 2048 * 1000
    assert total == load("resnet50").macs == 4_089_184_256
    # v1.5: the stride sits on the 3x3; the first 1x1 of a downsampling block keeps the map size
    layers = {l.name: l.shape for l in load("resnet50").layers}
    assert layers["layer2.0.conv1"].stride_h == 1 and layers["layer2.0.conv2"].stride_h == 2
    assert layers["layer2.0.downsample.0"].stride_h == 2


@pytest.mark.parametrize("name", EXPECTED)
def test_map_sizes_and_channels_chain_through_the_pooling(name):
    w = load(name)
    by_name = {l.name: l for l in w.layers}
    pools = POOLS[name]
    assert set(pools) <= set(by_name)
    src = producers(name, w.layers)
    assert set(src) == set(by_name) - {w.layers[0].name}
    first = w.layers[0].shape
    assert (first.c, first.h) == (3, 227 if name == "alexnet" else 224)
    for layer_name, inputs in src.items():
        shape = by_name[layer_name].shape
        sizes = set()
        for p in inputs:
            ps = by_name[p].shape
            pool = pools.get(p)
            sizes.add((pooled(ps.out_h, pool) if pool else ps.out_h,
                       pooled(ps.out_w, pool) if pool else ps.out_w))
        assert len(sizes) == 1, (layer_name, sizes)
        (h, wd), = sizes
        channels = sum(by_name[p].shape.k for p in inputs)
        if by_name[layer_name].kind is LayerKind.FC:
            assert shape.c == channels * h * wd, layer_name
        else:
            assert (shape.h, shape.w, shape.c) == (h, wd, channels), layer_name
    last = w.layers[-1]
    assert last.shape.k == 1000
    if last.kind is LayerKind.CONV:                 # NiN ends in a conv and a global average pool
        assert pools.get(last.name) == GLOBAL


def _profile_index(name, layer_name, ordinal):
    """Which number of the Stripes profile applies to a conv layer."""
    if name != "googlenet":
        return ordinal
    if layer_name.startswith("conv1/"):
        return 0
    if layer_name.startswith("conv2/"):
        return 1
    modules = ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b")
    return 2 + modules.index(layer_name.split("/")[0].removeprefix("inception_"))


@pytest.mark.parametrize("name", STRIPES)
def test_stripes_activation_precision_profile(name):
    profile = [int(b) for b in STRIPES[name].split("-")]
    w = load(name)
    convs = [l for l in w.layers if l.kind is LayerKind.CONV]
    got = [l.act_bits for l in convs]
    want = [profile[_profile_index(name, l.name, i)] for i, l in enumerate(convs)]
    assert got == want
    assert len({_profile_index(name, l.name, i) for i, l in enumerate(convs)}) == len(profile)
    assert all(l.act_bits == 16 for l in w.layers if l.kind is LayerKind.FC)


@pytest.mark.parametrize("name", ["vgg16", "resnet50"])
def test_networks_without_a_stripes_profile_stay_at_16_bits(name):
    assert {l.act_bits for l in load(name).layers} == {16}


@pytest.mark.parametrize("name", EXPECTED)
def test_operand_values(name):
    w = load(name)
    first, rest = w.layers[0], w.layers[1:]
    assert (first.act.dist, first.act.density, first.act.signed) == ("normal", 1.0, True)
    # weights span Loom's profiled precision inside the 16-bit container, where Loom gives one
    loom = WORKLOADS / f"{name}_loom.yaml"
    if loom.exists():
        profiled = {l.name: l.wgt_bits for l in load_workload(loom).layers}
        assert {l.name: l.wgt.range_bits for l in w.layers} == profiled
    else:
        assert {l.wgt.range_bits for l in w.layers} == {None}
    # value models fitted to real captures (benchmarks/fit_value_models.py), named in the notes
    assert "fit_value_models" in w.notes and "PP-OCR" in w.notes
    for layer in w.layers:
        assert (layer.wgt_bits, layer.wgt.dist, layer.wgt.dof, layer.wgt.density) == \
            (16, "student_t", 5, 1.0)
    for layer in rest:
        # inputs of a global average pool (GoogLeNet, ResNet-50 fc) are dense averages of
        # post-ReLU maps; the rest are post-ReLU with 44% zeros and the fitted tail
        fed_by_global_pool = layer.kind is LayerKind.FC and name in ("googlenet", "resnet50")
        if fed_by_global_pool:
            assert (layer.act.dist, layer.act.density) == ("relu_normal", 1.0), layer.name
        else:
            assert (layer.act.dist, layer.act.dof, layer.act.density) == ("half_t", 8, 0.56)
        assert not layer.act.signed
