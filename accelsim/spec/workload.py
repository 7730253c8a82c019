"""Workload YAML -> frozen Layer / Workload dataclasses (a ``base:`` file resolved first by ``derive``).

Every layer kind is stored as one general grouped convolution shape so the rest of the simulator
has one set of loop bounds:

* ``conv``: input (C, H, W), K filters of R x S, stride, explicit padding, groups (depthwise:
  groups == C == K).
* ``fc``: C inputs -> K outputs, a 1 x 1 convolution on a 1 x 1 map; ``batch`` rows share weights.
* ``matmul``: A (m x k, the activations) times B (k x n, the weights), ``count`` independent
  products (e.g. attention heads), stored as a grouped 1 x 1 convolution on an m x 1 map with
  groups = count. Rows of A are the "windows" a bit-serial design reuses weights across.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from accelsim import bundled
from accelsim.errors import SpecError
from accelsim.spec.derive import derive
from accelsim.spec.reader import Reader, load_yaml

DISTRIBUTIONS = ("relu_normal", "half_normal", "normal", "laplace", "uniform", "student_t", "half_t")
SIGNED_DISTS = ("normal", "laplace", "uniform", "student_t")


class LayerKind(enum.Enum):
    CONV = "conv"
    FC = "fc"
    MATMUL = "matmul"


@dataclass(frozen=True)
class Values:
    """How one operand's values are made: a seeded distribution, or a real tensor from a file."""

    dist: str = "relu_normal"
    density: float = 1.0        # fraction of non-zero values, honoured exactly by the generator
    dof: float = 4.0            # student_t / half_t degrees of freedom (heavy tails)
    file: Path | None = None    # .npy or .npz with real values (ints used as-is, floats quantized)
    key: str | None = None      # array name inside an .npz
    range_bits: int | None = None   # synthetic values span this many of the layer's bits (a
                                    # profiled precision in a wider container); None or more: all

    @property
    def signed(self) -> bool:
        return self.dist in SIGNED_DISTS


def out_size(size: int, kernel: int, stride: int, pad: int) -> int:
    """Output positions of a convolution along one axis (padding on both sides)."""
    return (size + 2 * pad - kernel) // stride + 1


@dataclass(frozen=True)
class Shape:
    """Loop bounds of a grouped convolution (all layer kinds map onto it)."""

    n: int
    c: int
    h: int
    w: int
    k: int
    r: int
    s: int
    stride_h: int = 1
    stride_w: int = 1
    pad_h: int = 0
    pad_w: int = 0
    groups: int = 1

    @property
    def out_h(self) -> int:
        return out_size(self.h, self.r, self.stride_h, self.pad_h)

    @property
    def out_w(self) -> int:
        return out_size(self.w, self.s, self.stride_w, self.pad_w)

    @property
    def c_per_group(self) -> int:
        return self.c // self.groups

    @property
    def k_per_group(self) -> int:
        return self.k // self.groups

    @property
    def windows(self) -> int:
        """Output positions per filter (batch included): the rows of the im2col matrix."""
        return self.n * self.out_h * self.out_w

    @property
    def reduction(self) -> int:
        """Length of one output's dot product."""
        return self.c_per_group * self.r * self.s

    @property
    def macs(self) -> int:
        return self.windows * self.k * self.reduction


@dataclass(frozen=True)
class Layer:
    name: str
    kind: LayerKind
    shape: Shape
    act_bits: int
    wgt_bits: int
    act: Values
    wgt: Values

    @property
    def macs(self) -> int:
        return self.shape.macs


@dataclass(frozen=True)
class Workload:
    name: str
    file: str
    seed: int
    layers: tuple[Layer, ...]
    notes: str = ""

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    def select(self, names: list[str]) -> "Workload":
        """The workload restricted to the named layers, in workload order."""
        known = {layer.name for layer in self.layers}
        for name in names:
            if name not in known:
                import difflib
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise SpecError(self.file, "layers", message=f"no layer named '{name}'{hint}")
        wanted = set(names)
        return Workload(self.name, self.file, self.seed,
                        tuple(l for l in self.layers if l.name in wanted), self.notes)


_LAYER_KEYS = {
    LayerKind.CONV: ("in_channels", "in_size", "out_channels", "kernel", "stride", "padding",
                     "groups", "batch"),
    LayerKind.FC: ("in_features", "out_features", "batch"),
    LayerKind.MATMUL: ("m", "k", "n", "count"),
}


def load_workload(path: str | Path) -> Workload:
    """A workload YAML file, or a bundled workload's name (``load_workload("alexnet")``)."""
    path = bundled.resolve("workload", str(path))
    return workload_from_dict(load_yaml(path), path)


def workload_from_dict(data, path: Path) -> Workload:
    """A workload from a parsed mapping; ``path`` names it in errors and anchors relative files."""
    path = Path(path)
    file = str(path)
    top = Reader(derive(data, path), file)
    name = top.string("name", path.stem)
    seed = top.integer("seed", 0, lo=0, hi=2**32 - 1)
    notes = top.string("notes", "-") if top.has("notes") else ""
    defaults = top.sub("defaults", {})
    base = _layer_defaults(defaults, path.parent)
    defaults.done()
    raw_layers = top.list("layers")
    top.done()
    if not raw_layers:
        raise SpecError(file, "layers", "at least one layer", "an empty list")
    layers, seen = [], set()
    for i, raw in enumerate(raw_layers):
        layer = _read_layer(Reader(raw, file, f"layers[{i}]"), base, path.parent, i)
        if layer.name in seen:
            raise SpecError(file, f"layers[{i}].name", "a unique layer name", layer.name)
        seen.add(layer.name)
        layers.append(layer)
    return Workload(name, file, seed, tuple(layers), notes)


@dataclass(frozen=True)
class _Defaults:
    act_bits: int = 16
    wgt_bits: int = 16
    act: Values = field(default_factory=Values)
    wgt: Values = field(default_factory=lambda: Values(dist="normal"))


def _layer_defaults(r: Reader, folder: Path) -> _Defaults:
    d = _Defaults()
    return _Defaults(
        act_bits=r.integer("act_bits", d.act_bits, lo=1, hi=32),
        wgt_bits=r.integer("wgt_bits", d.wgt_bits, lo=1, hi=32),
        act=_read_values(r, "act", d.act, folder),
        wgt=_read_values(r, "wgt", d.wgt, folder),
    )


def _read_values(r: Reader, name: str, base: Values, folder: Path) -> Values:
    if not r.has(name):
        r.known(name)
        return base
    v = r.sub(name)
    file = v.string("file", "-") if v.has("file") else None
    path = None
    if file is not None:
        path = (folder / file) if not Path(file).is_absolute() else Path(file)
        if not path.exists():
            raise SpecError(r.file, v.key("file"), message=f"tensor file not found: {file}")
        if path.suffix not in (".npy", ".npz"):
            raise SpecError(r.file, v.key("file"), "a .npy or .npz file", file)
    out = Values(
        dist=v.choice("dist", DISTRIBUTIONS, base.dist),
        density=v.number("density", base.density, lo=0.0, hi=1.0, lo_open=True),
        dof=v.number("dof", base.dof, lo=1.0),
        file=path if file is not None else base.file,
        key=v.string("key", "-") if v.has("key") else base.key,
        range_bits=v.integer("range_bits", lo=1, hi=32) if v.has("range_bits") else base.range_bits,
    )
    if v.has("key") and out.file is None:       # else the values would be drawn, silently synthetic
        raise SpecError(r.file, v.key("key"), message="only used with file: (an .npz to take it from)")
    v.done()
    return out


def _pair(r: Reader, name: str, default, lo: int) -> tuple[int, int]:
    raw = r.raw(name) if default is None else r.raw(name, default)
    if isinstance(raw, list):
        if len(raw) != 2:
            raise r.error(name, "an integer or a list of two integers", raw)
        from accelsim.spec.reader import check_int
        return (check_int(raw[0], r.file, r.key(name) + "[0]", lo),
                check_int(raw[1], r.file, r.key(name) + "[1]", lo))
    from accelsim.spec.reader import check_int
    v = check_int(raw, r.file, r.key(name), lo)
    return v, v


def _read_layer(r: Reader, base: _Defaults, folder: Path, index: int) -> Layer:
    name = r.string("name", f"layer{index}")
    kind = LayerKind(r.choice("kind", [k.value for k in LayerKind]))
    for other, keys in _LAYER_KEYS.items():
        if other is not kind:
            r.known(*[k for k in keys if k not in _LAYER_KEYS[kind]])
    for other, keys in _LAYER_KEYS.items():
        if other is not kind:
            for key in keys:
                if key in r.data and key not in _LAYER_KEYS[kind]:
                    raise SpecError(r.file, r.key(key), message=f"not a key of a {kind.value} layer")
    if kind is LayerKind.CONV:
        c = r.integer("in_channels", lo=1)
        h, w = _pair(r, "in_size", None, 1)
        k = r.integer("out_channels", lo=1)
        kr, ks = _pair(r, "kernel", None, 1)
        sh, sw = _pair(r, "stride", 1, 1)
        # Padding is required whenever the kernel is larger than 1x1: a silently omitted padding
        # shrinks every 3x3 map (the SCALE-Sim ResNet-50 mistake).
        ph, pw = _pair(r, "padding", 0 if (kr, ks) == (1, 1) else None, 0)
        groups = r.integer("groups", 1, lo=1)
        n = r.integer("batch", 1, lo=1)
        if c % groups or k % groups:
            raise SpecError(r.file, r.key("groups"),
                            f"a divisor of in_channels ({c}) and out_channels ({k})", groups)
        if ph >= kr or pw >= ks:
            # Such padding adds whole windows that see only zeros: a typo, not a network.
            raise SpecError(r.file, r.key("padding"), f"padding smaller than the kernel ({kr}x{ks})",
                            f"{ph}x{pw}")
        shape = Shape(n, c, h, w, k, kr, ks, sh, sw, ph, pw, groups)
        if shape.out_h <= 0 or shape.out_w <= 0:
            raise SpecError(r.file, r.key("kernel"),
                            message=f"output size {shape.out_h}x{shape.out_w} <= 0 for input "
                                    f"{h}x{w}, padding {ph}x{pw}, stride {sh}x{sw}")
    elif kind is LayerKind.FC:
        shape = Shape(r.integer("batch", 1, lo=1), r.integer("in_features", lo=1), 1, 1,
                      r.integer("out_features", lo=1), 1, 1)
    else:
        m, kk, nn = r.integer("m", lo=1), r.integer("k", lo=1), r.integer("n", lo=1)
        count = r.integer("count", 1, lo=1)
        shape = Shape(1, kk * count, m, 1, nn * count, 1, 1, groups=count)
    layer = Layer(
        name=name, kind=kind, shape=shape,
        act_bits=r.integer("act_bits", base.act_bits, lo=1, hi=32),
        wgt_bits=r.integer("wgt_bits", base.wgt_bits, lo=1, hi=32),
        act=_read_values(r, "act", base.act, folder),
        wgt=_read_values(r, "wgt", base.wgt, folder),
    )
    if shape.macs >= 1 << 62 or max(shape.n * shape.c * shape.h * shape.w, shape.k * shape.reduction) >= 1 << 62:
        # Counts are int64 everywhere downstream: a layer past that is a typo, never a network.
        raise SpecError(r.file, r.key("kind"), message=f"a layer of {shape.macs:.3g} MACs is beyond what "
                        "the simulator counts (int64); check its sizes")
    for op, bits, values in (("act", layer.act_bits, layer.act), ("wgt", layer.wgt_bits, layer.wgt)):
        _check_container(r, op, bits, values)
        if values.file is not None:
            from accelsim.spec import npyfile
            # the (n, c, h, w) activations or the (k, c/groups, r, s) weights
            want = ((shape.n, shape.c, shape.h, shape.w) if op == "act"
                    else (shape.k, shape.c_per_group, shape.r, shape.s))
            npyfile.check_operand(values.file, values.key, want, r.file, f"{r.path}.{op}")
    r.done()
    return layer


def _check_container(r: Reader, op: str, bits: int, values: Values) -> None:
    """Codes are int32: an unsigned 32-bit code does not fit, and a 1-bit signed code has no
    non-zero value (max-abs quantization would make every operand 0). A file's signedness comes
    from its values, so tensors.from_file checks those."""
    if values.file is not None:
        return
    key = f"{op}_bits" if r.has(f"{op}_bits") else f"{op}.dist"
    if values.signed and bits < 2:
        raise SpecError(r.file, r.key(key), f"at least 2 bits for signed ({values.dist}) values "
                        "(1-bit signed codes are all zero)", bits)
    if not values.signed and bits > 31:
        raise SpecError(r.file, r.key(key), f"at most 31 bits for unsigned ({values.dist}) values "
                        "(codes are stored as int32)", bits)
