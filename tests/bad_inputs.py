"""The bad-input corpus: each case is files to write and an ``accelsim`` command line that must end
in one ``error:`` line, exit status 2, nothing on stdout and no traceback (tests/test_bad_input.py).

Cases are built from tables: a good file with one value replaced, and whole bad files. ``{d}`` in a
command line is the case's folder; ``TINY`` and ``ARCH`` are the good workload and arch."""
from __future__ import annotations

import copy
import io
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
TINY = str(ROOT / "tests/data/tiny.yaml")

ARCH = {
    "name": "t", "clock": {"frequency_mhz": 1000}, "technology": {"node_nm": 45, "vdd": 0.9},
    "memory": {"dram": {"type": "DDR4"}, "weights_resident": "fit",
               "buffers": {"weights": {"size_kib": 1024}, "activations": {"size_kib": 512}}},
    "datapath": {"kind": "bitparallel", "params": {"tiles": 4, "filters": 4, "lanes": 16, "width": 16}},
}
LAYER = {"name": "c", "kind": "conv", "in_channels": 4, "in_size": 8, "out_channels": 8, "kernel": 3,
         "padding": 1}


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    files: dict = field(default_factory=dict)     # name -> str | bytes | ndarray (saved as .npy)
    env: dict = field(default_factory=dict)


def _put(data: dict, dotted: str, value):
    data = copy.deepcopy(data)
    node = data
    parts = dotted.split(".")
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if value is DELETE:
        del node[parts[-1]]
    else:
        node[int(parts[-1]) if isinstance(node, list) else parts[-1]] = value
    return data


DELETE = object()
HUGE = 10 ** 306

ARCH_EDITS = [
    ("clock.frequency_mhz", [0, -1, "fast", [1], {"a": 1}, True, None, float("nan"), float("inf"), 1e9]),
    ("technology.node_nm", [5, 3, 0, -65, 65.5, "65nm", [65], None, 10 ** 9, 40]),
    ("technology.vdd", [0, 5, "x", -0.9]),
    ("memory.dram.type", ["DDR9", ["DDR4"], {"x": 1}, 1, None]),
    ("memory.dram.bandwidth_gb_s", [0, -1, float("inf"), "lots"]),
    ("memory.dram.latency_ns", [-1, "x"]),
    ("memory.buffers.weights.size_kib", [1e306, HUGE, 1e-9, 0, -1, "big", [1], float("nan"), 2 ** 40]),
    ("memory.buffers.weights.width_bits", [0, 7, 10 ** 9, 3.5]),
    ("memory.buffers.weights.banks", [0, 10 ** 6]),
    ("memory.buffers.weights.kind", ["dram", ["sram"]]),
    ("memory.buffers.activations", [None, [], "x"]),
    ("memory.buffers.weights", [DELETE]),
    ("memory.weights_resident", ["maybe", ["all"], True, {"all": 1}]),
    ("memory.output_bits", [0, 65]),
    ("memory.bandwidht", [1]),
    ("datapath.kind", [["bitparallel"], {"k": "bitparallel"}, 1, None, "bitparalel", ""]),
    ("datapath.params.tiles", [0, -1, "x", 2.5, [4]]),
    ("datapath.params.speed", [1]),
    ("datapath.params", [[1, 2], "x"]),
    ("name", ["", ["a"], "a\x00b"]),
]

LAYER_EDITS = [
    ("kind", [["conv"], {"conv": 1}, "convolution", 1, None]),
    ("in_channels", [0, -1, "x", 1.5, [4], 10 ** 30]),
    ("in_size", [0, [8], [8, 8, 8], "x"]),
    ("out_channels", [0, 10 ** 12]),
    ("kernel", [0, 11, [3, 0]]),
    ("stride", [0, -1]),
    ("padding", [-1, 3, 10, 100, [1, 7], DELETE]),
    ("groups", [0, 3]),
    ("batch", [0]),      # 10**9 on bitparallel is simulated (closed form), not refused
    ("act_bits", [0, 33, 32, "x"]),
    ("wgt_bits", [1, 0, 40]),
    ("act", [{"dist": "gauss"}, {"density": 0}, {"density": 1.5}, {"dist": "normal", "bits": 2}, [1], "x",
             {"file": "missing.npy"}, {"file": "values.txt"}, {"file": "a\x00b.npy"}]),
    ("in_features", [10]),
    ("name", [["c"], ""]),
]
LAYER_BITS = [({"act_bits": 1, "act": {"dist": "normal"}}, "signed_1bit_act"),
              ({"wgt_bits": 1}, "signed_1bit_wgt"),
              ({"act_bits": 32}, "unsigned_32bit_act")]

BAD_WORKLOADS = {
    "empty_layers": "name: w\nlayers: []\n",
    "layers_mapping": "name: w\nlayers: {c: 1}\n",
    "layers_missing": "name: w\n",
    "dup_layer_names": f"name: w\nlayers:\n  - {LAYER}\n  - {LAYER}\n".replace("'", ""),
    "dup_layers_key": f"name: w\nlayers:\n  - {LAYER}\nlayers:\n  - {LAYER}\n".replace("'", ""),
    "dup_key_in_layer": "name: w\nlayers:\n  - {name: c, kind: fc, in_features: 4, out_features: 4, in_features: 8}\n",
    "seed_negative": "name: w\nseed: -1\nlayers: [{name: c, kind: fc, in_features: 4, out_features: 4}]\n",
    "seed_huge": "name: w\nseed: 99999999999\nlayers: [{name: c, kind: fc, in_features: 4, out_features: 4}]\n",
    "defaults_bad": "name: w\ndefaults: {act_bits: 0}\nlayers: [{name: c, kind: fc, in_features: 4, out_features: 4}]\n",
    "defaults_list": "name: w\ndefaults: [1]\nlayers: [{name: c, kind: fc, in_features: 4, out_features: 4}]\n",
    "set_without_base": "name: w\nset: {act_bits: 4}\nlayers: [{name: c, kind: fc, in_features: 4, out_features: 4}]\n",
    "top_list": "- 1\n- 2\n", "top_scalar": "5\n", "empty": "", "only_comment": "# nothing\n",
    "syntax": "name: [w\n", "tabs": "name: w\n\tlayers: []\n", "nul": "name: w\x00\n",
    "nesting_bomb": "[" * 20000, "nesting_bomb_map": "{a: " * 5000,
    "binary": b"\xff\xfe\x00\x01garbage\x89PNG", "latin1": "name: caf\xe9\n".encode("latin-1"),
    "alias_key": "a: &x [1]\n*x : 2\n", "unknown_top": "name: w\nlayer: []\n",
    "name_nul": 'name: "w\\0"\nlayers: [{name: c, kind: fc, in_features: 4, out_features: 4}]\n',
}

# Value-level (dstripes draws operands): refused up front by the memory budget or the int64 check.
RESOURCE = {
    "conv_512_224": "name: w\nlayers: [{name: c, kind: conv, in_channels: 512, in_size: 448, out_channels: 512, kernel: 3, padding: 1}]\n",
    "matmul_count_1e9": "name: w\nlayers: [{name: c, kind: matmul, m: 128, k: 128, n: 128, count: 1000000000}]\n",
    "conv_100k": "name: w\nlayers: [{name: c, kind: conv, in_channels: 100000, in_size: 100000, out_channels: 100000, kernel: 1}]\n",
    "fc_20k_square": "name: w\nlayers: [{name: c, kind: fc, in_features: 200000, out_features: 200000}]\n",
}
BASE_TARGETS = {
    "list": "- 1\n- 2\n", "scalar": "7\n", "empty": "", "binary": b"\x00\x01\x02\xff",
    "arch": yaml.safe_dump(ARCH), "mapping_no_layers": "name: x\nseed: 1\n",
    "layers_not_list": "name: x\nlayers: 5\n", "nul": "name: x\x00\n",
}
BASE_OWN = {
    "base_plus_layers": f"base: tiny.yaml\nlayers:\n  - {LAYER}\n".replace("'", ""),
    "base_number": "base: 5\n", "base_list": "base: [tiny.yaml]\n", "base_missing": "base: nope.yaml\n",
    "base_self": "base: w.yaml\n", "base_set_list": "base: tiny.yaml\nset: [1]\n",
    "base_overrides_unknown": "base: tiny.yaml\noverrides: {convX: {act_bits: 4}}\n",
    "base_overrides_list": "base: tiny.yaml\noverrides: [1]\n",
    "base_set_bad_value": "base: tiny.yaml\nset: {act_bits: 0}\n",
    "base_empty": "base: ''\n", "base_dup": "base: tiny.yaml\nbase: tiny.yaml\n",
    "base_dir": "base: .\n",
}


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _claims(shape: tuple, dtype: str = "<i4") -> bytes:
    """An .npy header claiming ``shape`` followed by a few bytes of data."""
    header = repr({"descr": dtype, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + b"\x00" * 64


ACT_COUNT = 4 * 8 * 8          # LAYER's activations: c=4, 8x8
GOOD_ACT = np.arange(ACT_COUNT, dtype=np.int32).reshape(1, 4, 8, 8) % 7
OPERAND_FILES = {
    "empty.npy": b"", "truncated.npy": _npy(GOOD_ACT)[:-40], "header_only.npy": _npy(GOOD_ACT)[:60],
    "text.npy": b"1 2 3 4\n", "npz_as.npy": _npz(a=GOOD_ACT), "npy_as.npz": _npy(GOOD_ACT),
    "object.npy": _npy(np.array([{"x": 1}] * ACT_COUNT, dtype=object)),
    "terabytes.npy": _claims((1 << 20, 1 << 20, 1 << 2)), "bad_version.npy": b"\x93NUMPY\x09\x00" + b"x" * 100,
    "bad_header.npy": b"\x93NUMPY\x01\x00\x10\x00{'descr': 1}   \n",
    "wrong_count.npy": _npy(np.zeros(10, dtype=np.int32)), "complex.npy": _npy(GOOD_ACT.astype(np.complex64)),
    "strings.npy": _npy(np.array(["a"] * ACT_COUNT)), "nan.npy": _npy(np.full(GOOD_ACT.shape, np.nan)),
    "too_wide.npy": _npy(GOOD_ACT + 1000), "uint_beyond_int32.npy": _npy((GOOD_ACT.astype(np.uint32) + (1 << 31))),
    "structured.npy": _npy(np.zeros(ACT_COUNT, dtype=[("a", "<i4")])), "bool.npy": _npy(GOOD_ACT > 3),
    "npz_missing_key.npz": _npz(b=GOOD_ACT), "npz_two_arrays.npz": _npz(a=GOOD_ACT, b=GOOD_ACT),
    "npz_truncated.npz": _npz(a=GOOD_ACT)[:-30], "npz_empty.npz": b"", "npz_text.npz": b"PK but not a zip",
    "npz_no_arrays.npz": (lambda: (lambda b: (zipfile.ZipFile(b, "w").close(), b.getvalue())[1])(io.BytesIO()))(),
    "npz_object.npz": _npz(a=np.array([None] * ACT_COUNT, dtype=object)),
    "npz_terabytes.npz": (lambda: (lambda b: (lambda z: (z.writestr("a.npy", _claims((1 << 40,))), z.close()))(
        zipfile.ZipFile(b, "w")) and b.getvalue() or b.getvalue())(io.BytesIO()))(),
    "signed_1bit.npy": _npy(-(GOOD_ACT % 2)),
}
OPERAND_BITS = {"signed_1bit.npy": 1, "uint_beyond_int32.npy": 32}


def _operand_case(name: str) -> Case:
    key = ', key: a' if name == "npz_missing_key.npz" else ""
    bits = OPERAND_BITS.get(name, 8)
    wl = (f"name: w\nlayers:\n  - {{name: c, kind: conv, in_channels: 4, in_size: 8, out_channels: 8, "
          f"kernel: 3, padding: 1, act_bits: {bits}, act: {{file: {name}{key}}}}}\n")
    return Case(f"operand-{name}", ("run", "{d}/arch.yaml", "{d}/w.yaml", "-q"),
                {"arch.yaml": yaml.safe_dump(ARCH), "w.yaml": wl, name: OPERAND_FILES[name]})


SWEEP = {"name": "s", "arch": "arch.yaml", "workload": TINY, "axes": {"datapath.params.tiles": [2, 4]}}
SWEEP_EDITS = [
    ("axes", [{}, [1], None, {"datapath.params.tiles": []}, {"datapath.params.tiles": [{"a": 1}]},
              {"datapath.params.tiles": [0]}, {"datapath.params.tilez": [1]}, {"memory.nope.x": [1]},
              {"a..b": [1]}, {"arch": ["missing.yaml"]}, {"workload": [5]},
              {"datapath.params.tiles": [2, 2]}, {"workload.set.act_bits": [0]}]),
    ("name", ["a\x00b", "", ["x"]]),
    ("arch", ["missing.yaml", 5]),
    ("workload", ["missing.yaml"]),
    ("mode", ["diagonal"]),
    ("layers", [["nope"], "conv1"]),
    ("baseline", ["missing.yaml", 5, {"x": 1}, {"set": {"nope.key": 1}}]),
    ("zip", [[["datapath.params.tiles"]], "x"]),
    ("set", [{"memory.dram.type": "DDR9"}, [1]]),
    ("extra_key", [1]),
]

PLOT_FILES = {
    "empty.csv": b"", "garbage.csv": b"\x00\xff\xfe", "no_columns.csv": b"a,b\n1,2\n",
    "cycles_text.csv": b"layer,cycles,seconds,energy_J,arch,workload\nc,many,1,1,a,w\n",
    "quote.csv": b'layer,cycles\n"c,1\n', "empty.json": b"", "list.json": b'["a", "b"]', "scalar.json": b"5",
    "bomb.json": b"[" * 100000, "truncated.json": b'[{"layer": "c", "cycles"', "empty.parquet": b"",
    "text.parquet": b"not parquet", "truncated.parquet": b"PAR1\x00\x00PAR", "figure.txt": b"x",
}
INDEXES = {
    "list": b"[1, 2]", "no_points": b'{"format": 1, "name": "s", "axes": []}', "not_json": b"{format",
    "format2": b'{"format": 2, "name": "s", "axes": [], "points": []}', "empty": b"",
    "points_not_list": b'{"format": 1, "name": "s", "axes": [], "points": 5}',
    "point_without_id": b'{"format": 1, "name": "s", "axes": [], "points": [{"x": 1}]}',
    "bomb": b'{"a":' * 100000,
    "zero_byte_point": b'{"format": 1, "name": "s", "axes": [], "points": [{"id": "p0", "index": 0}]}',
}

SCALESIM = {
    "empty": "", "header_only": "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n",
    "non_numeric": "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc, x, 8, 3, 3, 4, 8, 1,\n",
    "negative": "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc, -8, 8, 3, 3, 4, 8, 1,\n",
    "short_row": "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc, 8, 8,\n",
    "filter_too_big": "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc, 2, 2, 3, 3, 4, 8, 1,\n",
    "unknown_header": "a, b, c\n1, 2, 3\n", "nul": "Layer, M, N, K,\nq\x00, 1, 2, 3,\n",
    "gemm_zero": "Layer, M, N, K,\nq, 0, 2, 3,\n", "binary": "\xff\xfe\x00",
}


def cases() -> list[Case]:
    out: list[Case] = []
    argv = ("run", "{d}/arch.yaml", TINY, "-q")
    for key, values in ARCH_EDITS:
        for i, v in enumerate(values):
            out.append(Case(f"arch-{key}-{i}", argv, {"arch.yaml": yaml.safe_dump(_put(ARCH, key, v))}))
    for name, text in BAD_WORKLOADS.items():
        out.append(Case(f"arch-file-{name}", argv, {"arch.yaml": text}))
        out.append(Case(f"workload-file-{name}", ("run", "{d}/arch.yaml", "{d}/w.yaml", "-q"),
                        {"arch.yaml": yaml.safe_dump(ARCH), "w.yaml": text}))
    dstripes = str(ROOT / "arch_configs/dstripes.yaml")
    for name, text in RESOURCE.items():
        out.append(Case(f"resource-{name}", ("run", dstripes, "{d}/w.yaml", "-q"), {"w.yaml": text}))
    out.append(Case("arch-dup-memory", argv, {"arch.yaml": yaml.safe_dump(ARCH) + "memory: {}\n"}))
    for key, values in LAYER_EDITS:
        for i, v in enumerate(values):
            wl = yaml.safe_dump({"name": "w", "layers": [_put(LAYER, key, v)]})
            out.append(Case(f"layer-{key}-{i}", ("run", "{d}/arch.yaml", "{d}/w.yaml", "-q"),
                            {"arch.yaml": yaml.safe_dump(ARCH), "w.yaml": wl, "values.txt": "1"}))
    for extra, name in LAYER_BITS:
        wl = yaml.safe_dump({"name": "w", "layers": [{**LAYER, **extra}]})
        out.append(Case(f"layer-{name}", ("run", "{d}/arch.yaml", "{d}/w.yaml", "-q"),
                        {"arch.yaml": yaml.safe_dump(ARCH), "w.yaml": wl}))
    tiny = Path(TINY).read_text()
    for name, target in BASE_TARGETS.items():
        out.append(Case(f"base-to-{name}", ("run", "{d}/arch.yaml", "{d}/w.yaml", "-q"),
                        {"arch.yaml": yaml.safe_dump(ARCH), "w.yaml": "base: b.yaml\n", "b.yaml": target}))
    for name, text in BASE_OWN.items():
        out.append(Case(name, ("run", "{d}/arch.yaml", "{d}/w.yaml", "-q"),
                        {"arch.yaml": yaml.safe_dump(ARCH), "w.yaml": text, "tiny.yaml": tiny}))
    out += [_operand_case(name) for name in OPERAND_FILES]
    for key, values in SWEEP_EDITS:
        for i, v in enumerate(values):
            out.append(Case(f"sweep-{key}-{i}", ("sweep", "{d}/s.yaml", "-o", "{d}/out", "-j", "1", "-q"),
                            {"arch.yaml": yaml.safe_dump(ARCH), "s.yaml": yaml.safe_dump(_put(SWEEP, key, v))}))
    out.append(Case("sweep-same-name-same-stem", ("sweep", "{d}/s.yaml", "-o", "{d}/out", "-q"),
                    {"x/arch.yaml": yaml.safe_dump(ARCH), "y/arch.yaml": yaml.safe_dump(_put(ARCH, "datapath.params.tiles", 2)),
                     "s.yaml": yaml.safe_dump({"workload": TINY, "axes": {"arch": ["x/arch.yaml", "y/arch.yaml"]}})}))
    out.append(Case("sweep-store-is-a-file", ("sweep", "{d}/s.yaml", "-o", "{d}/out", "-q"),
                    {"arch.yaml": yaml.safe_dump(ARCH), "s.yaml": yaml.safe_dump(SWEEP), "out": "x"}))
    for name, data in PLOT_FILES.items():
        out.append(Case(f"plot-{name}", ("plot", "{d}/" + name, "-k", "energy", "-o", "{d}/f.png"), {name: data}))
    for name, data in INDEXES.items():
        files = {"st/sweep.json": data}
        if name == "zero_byte_point":
            files["st/points/p0.parquet"] = b""
        out.append(Case(f"plot-index-{name}", ("plot", "{d}/st", "-k", "energy", "-o", "{d}/f.png"), files))
    for name, text in SCALESIM.items():
        out.append(Case(f"scalesim-{name}", ("import", "scalesim", "{d}/t.csv", "-o", "{d}/t.yaml"),
                        {"t.csv": text.encode("latin-1")}))
    for name, data in {"empty": b"", "garbage": b"\x08\x01\x12\x00garbage", "text": b"hello",
                       "nul": b"\x00" * 64, "yaml": yaml.safe_dump(ARCH).encode()}.items():
        out.append(Case(f"onnx-{name}", ("import", "onnx", "{d}/m.onnx", "-o", "{d}/m.yaml"), {"m.onnx": data}))
    flags = [
        ("layers-comma", ("run", "{d}/arch.yaml", TINY, "--layers", ",")),
        ("layers-spaces", ("run", "{d}/arch.yaml", TINY, "--layers", " , ")),
        ("layers-unknown", ("run", "{d}/arch.yaml", TINY, "--layers", "conv9")),
        ("sample-zero", ("run", "{d}/arch.yaml", TINY, "--sample", "0")),
        ("sample-two", ("run", "{d}/arch.yaml", TINY, "--sample", "2")),
        ("sample-nan", ("run", "{d}/arch.yaml", TINY, "--sample", "nan")),
        ("sample-text", ("run", "{d}/arch.yaml", TINY, "--sample", "x")),
        ("sample-seed-negative", ("run", "{d}/arch.yaml", TINY, "--sample", "0.5", "--sample-seed", "-1")),
        ("sample-seed-text", ("run", "{d}/arch.yaml", TINY, "--sample-seed", "x")),
        ("output-suffix", ("run", "{d}/arch.yaml", TINY, "-o", "{d}/r.txt")),
        ("output-folder", ("run", "{d}/arch.yaml", TINY, "-o", "{d}/no/such/r.csv")),
        ("baseline-missing", ("run", "{d}/arch.yaml", TINY, "--baseline", "{d}/nope.yaml")),
        ("arch-missing", ("run", "{d}/nope.yaml", TINY)),
        ("arch-is-dir", ("run", "{d}", TINY)),
        ("workload-missing", ("run", "{d}/arch.yaml", "{d}/nope.yaml")),
        ("no-args", ("run",)),
        ("unknown-command", ("simulate",)),
        ("unknown-flag", ("run", "{d}/arch.yaml", TINY, "--fast")),
        ("workers-zero", ("sweep", "{d}/s.yaml", "-j", "0")),
        ("workers-negative", ("sweep", "{d}/s.yaml", "-j", "-3")),
        ("workers-text", ("sweep", "{d}/s.yaml", "-j", "x")),
        ("scheduler-empty", ("sweep", "{d}/s.yaml", "--scheduler", "")),
        ("scheduler-and-workers", ("sweep", "{d}/s.yaml", "--scheduler", "tcp://x:1", "-j", "2")),
        ("sweep-missing", ("sweep", "{d}/nope.yaml")),
        ("plot-kind", ("plot", "{d}/st", "-k", "bogus", "-o", "{d}/f.png")),
        ("plot-output-suffix", ("plot", "{d}/st", "-k", "energy", "-o", "{d}/f.jpg")),
        ("plot-missing", ("plot", "{d}/nope.csv", "-k", "energy", "-o", "{d}/f.png")),
        ("validate-only", ("validate", "--only", "Nobody")),
        ("import-batch", ("import", "onnx", "{d}/m.onnx", "--batch", "0")),
        ("import-bits", ("import", "scalesim", "{d}/t.csv", "--act-bits", "0")),
    ]
    for name, args in flags:
        out.append(Case(f"flag-{name}", args, {"arch.yaml": yaml.safe_dump(ARCH),
                                              "s.yaml": yaml.safe_dump(SWEEP)}))
    out.append(Case("memory-budget-env", ("run", "{d}/arch.yaml", TINY, "-q"),
                    {"arch.yaml": yaml.safe_dump(ARCH)}, {"ACCELSIM_MEMORY_BUDGET": "lots"}))
    out.append(Case("memory-budget-small", ("run", dstripes, TINY, "-q"), {}, {"ACCELSIM_MEMORY_BUDGET": "1K"}))
    return out
