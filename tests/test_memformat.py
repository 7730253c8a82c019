"""Memory formats: exact sizes (the encoded stream decodes back to the codes, and its length is
size_bits), hand-counted sizes, the arch key, and what the engine does with compressed bytes."""
import dataclasses

import numpy as np
import pytest
import yaml

from accelsim import memformat as mf
from accelsim.engine.simulate import simulate
from accelsim.errors import SpecError
from accelsim.spec.arch import load_arch
from accelsim.spec.workload import load_workload
from support import ROOT


def _codes(rng, shape, bits, signed, density):
    lo, hi = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
    x = rng.integers(lo, hi, size=shape) >> rng.integers(0, bits, size=shape)   # mixed widths
    x[rng.random(shape) > density] = 0
    return x


@pytest.mark.parametrize("fmt", mf.FORMATS)
@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize("bits", [2, 8, 16])
@pytest.mark.parametrize("shape", [(1, 37, 3, 2), (2, 16, 1, 1), (40,), (3, 5, 2, 2)])
def test_stream_decodes_bit_for_bit_and_has_the_stated_size(fmt, signed, bits, shape):
    rng = np.random.default_rng([bits, len(shape), signed])
    for density in (1.0, 0.4, 0.02):
        x = _codes(rng, shape, bits, signed, density)
        stream = mf.encode(fmt, x, bits, signed)
        assert stream.size == mf.size_bits(fmt, x, bits, signed)
        np.testing.assert_array_equal(mf.decode(fmt, stream, shape, bits, signed), x)


def test_sizes_counted_by_hand():
    # one brick of 16 unsigned values, widest 5 (3 bits), three non-zeros, in 16-bit containers
    x = np.zeros((1, 16, 1, 1), dtype=np.int64)
    x[0, [0, 7, 15], 0, 0] = [5, 1, 2]
    assert mf.size_bits("raw", x, 16, False) == 256
    assert mf.size_bits("dpred", x, 16, False) == 4 + 16 * 3           # header + 16 x p
    assert mf.size_bits("shapeshifter", x, 16, False) == 4 + 16 + 3 * 3  # + zero mask, non-zeros only
    # entries (0, 5), (6, 1), (7, 2): three 4-bit runs and three 16-bit values
    assert mf.size_bits("zrle", x, 16, False) == 3 * 20
    # signed: -4 needs 3 bits, 3 needs 3 bits, 4 needs 4 (two's complement)
    assert mf.group_widths(np.array([[-4, 3]]), True)[0].tolist() == [[3]]
    assert mf.group_widths(np.array([[-4, 4]]), True)[0].tolist() == [[4]]
    # a run of 40 zeros before a value spends two placeholder entries (16 positions each)
    y = np.zeros(41, dtype=np.int64)
    y[40] = 1
    assert mf.size_bits("zrle", y, 8, False) == 3 * 12


def test_narrow_last_group_and_channel_axis():
    # 20 channels: a group of 16 and one of 4; the groups run along axis 1 (channels)
    x = np.zeros((1, 20, 2, 1), dtype=np.int64)
    x[0, 17, 1, 0] = 255
    width, sizes = mf.group_widths(x, False)
    assert sizes.tolist() == [[16, 4], [16, 4]]
    assert width.tolist() == [[1, 1], [1, 8]]


def _arch(tmp_path, formats, **memory):
    data = yaml.safe_load((ROOT / "arch_configs/dadn.yaml").read_text())
    data["memory"].update(memory)
    if formats is not None:
        data["memory"]["formats"] = formats
    path = tmp_path / "arch.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_arch(path)


def test_formats_key_defaults_to_raw_and_checks_names(tmp_path):
    assert _arch(tmp_path, None).memory.formats == mf.Formats()
    assert _arch(tmp_path, {"activations": "dpred"}).memory.formats == mf.Formats(activations="dpred")
    with pytest.raises(SpecError) as err:
        _arch(tmp_path, {"activations": "dpread"})
    assert "memory.formats.activations" in str(err.value)
    with pytest.raises(SpecError) as err:
        _arch(tmp_path, {"inputs": "dpred"})
    assert "memory.formats.inputs" in str(err.value)


def test_engine_moves_compressed_bytes_and_prices_the_codec(tmp_path):
    work = load_workload(ROOT / "tests/data/tiny.yaml")
    off = {"weights_resident": "none", "activations_on_chip": False}
    raw = simulate(_arch(tmp_path, None, **off), work)
    dp = simulate(_arch(tmp_path, {"weights": "dpred", "activations": "dpred", "outputs": "dpred"}, **off), work)
    for r, d in zip(raw.layers, dp.layers):
        assert 0 < d.dram_bytes < r.dram_bytes
        assert d.energy["memcodec"] > 0 and "memcodec" not in r.energy
        assert d.energy["dram"] < r.energy["dram"]
    # weights alone: the weight traffic shrinks by exactly the format's fraction of the codes
    w_only = simulate(_arch(tmp_path, {"weights": "dpred"}, **off), work)
    from accelsim.workload.trace import build_trace
    trace = build_trace(work.layers[0], work, 0)
    frac = mf.fraction("dpred", trace.wgt.codes, 16, trace.wgt.signed)
    w_raw = trace.wgt.codes.size * 16 / 8
    assert w_only.layers[0].dram_bytes == pytest.approx(raw.layers[0].dram_bytes - w_raw * (1 - frac), abs=300)


def test_compressed_footprint_decides_what_stays_on_chip(tmp_path):
    """A layer whose raw input + output overflow the activation buffer but whose compressed ones
    fit stays on chip: no activation traffic at all."""
    work = load_workload(ROOT / "tests/data/tiny.yaml")
    work = dataclasses.replace(work, layers=work.layers[1:2])    # conv2: 20x20x20 in, 20x10x10 out
    trace_bytes = (20 * 20 * 20 + 40 * 10 * 10) * 2               # 16-bit containers
    size_kib = trace_bytes * 0.8 / 1024
    base = {"weights_resident": "all", "activations_on_chip": True,
            "buffers": {"weights": {"kind": "sram", "size_kib": 64, "width_bits": 256},
                        "activations": {"kind": "sram", "size_kib": size_kib, "width_bits": 256}}}
    raw = simulate(_arch(tmp_path, None, **base), work)
    dp = simulate(_arch(tmp_path, {"activations": "dpred", "outputs": "dpred"}, **base), work)
    assert raw.layers[0].dram_bytes > 0
    assert dp.layers[0].dram_bytes == 0


def test_bundled_sweep_crosses_formats_and_designs():
    from accelsim.spec.sweep import load_sweep_spec
    from accelsim.sweep.points import expand
    points = expand(load_sweep_spec(ROOT / "arch_configs/sweeps/memformat_space.yaml"))
    seen = {(p.arch.datapath.kind, p.arch.memory.formats.activations) for p in points}
    assert seen == {(k, f) for k in ("bitparallel", "dstripes", "pragmatic") for f in mf.FORMATS}
    for p in points:
        f = p.arch.memory.formats
        assert f.weights == f.activations == f.outputs
        assert p.arch.memory.weights_resident == "none" and not p.arch.memory.activations_on_chip


@pytest.mark.parametrize("name", ["dpred", "shapeshifter"])
def test_bundled_configs_compress_every_tensor(name):
    a = load_arch(ROOT / f"arch_configs/{name}.yaml")
    assert a.memory.formats == mf.Formats(name, name, name)
    assert a.datapath.kind == "dstripes" and a.datapath.params.group_size == mf.GROUP


def test_weight_side_variant_is_loom_with_per_step_weight_precision():
    a = load_arch(ROOT / "arch_configs/dpred_loom.yaml")
    p = a.datapath.params
    assert a.datapath.kind == "loom" and p.dynamic and p.dynamic_weights and p.group_size == mf.GROUP
    assert a.memory.formats == mf.Formats("dpred", "dpred", "dpred")
