"""SCALE-Sim topology CSVs in and out (conv form and GEMM form).

SCALE-Sim's conventions, which both directions follow:

* conv form: ``Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
  Num Filter, Strides,`` (+ an optional v3 ``Sparsity`` column, "N:M"); GEMM form (``-i gemm``):
  ``Layer, M, N, K,`` (+ ``Sparsity``), for A (M x K) times B (K x N). One header line; every row
  ends with a comma (SCALE-Sim drops the field after the last comma, so a row without the
  trailing comma loses its stride there; we read it whole but warn).
* No padding column: the IFMAP sizes are the sizes the windows slide over.
* Output size ``ceil((H - R + stride) / stride)``: when ``H - R`` is not a multiple of the stride
  SCALE-Sim counts one more, partial, window than a framework (floor) would.
* A layer name containing ``DP`` is depthwise: SCALE-Sim runs one layer per channel, each with one
  channel and ``Num Filter`` filters.

Import (``--padding``): ``pre-padded`` (default) takes the IFMAP sizes as already padded and gives
the layer padding 0; a partial last window is kept, as SCALE-Sim counts it, by extending the map
with the rows it overhangs (warned), so the workload has SCALE-Sim's output size and MAC count.
``same`` takes them as unpadded map sizes and adds (R-1)/2 padding per side (torchvision's 3x3
pad 1, 7x7 pad 3), with framework (floor) output sizes: for topologies written without padding,
like SCALE-Sim's own ResNet-50 example.

Export folds padding into the IFMAP size and writes only the rows the windows read,
``(out - 1) * stride + R``, so SCALE-Sim's ceil gives the workload's output size exactly. Hence a
topology without partial windows round-trips unchanged (CSV -> workload -> CSV).
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from accelsim.errors import SpecError
from accelsim.spec.workload import Layer, LayerKind, Workload
from accelsim.workload.importers import Imported, conv_layer

CONV_HEADER = ("Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width",
               "Channels", "Num Filter", "Strides")
GEMM_HEADER = ("Layer", "M", "N", "K")
FORMS = ("auto", "conv", "gemm")
PADDING = ("pre-padded", "same")


# -- import -------------------------------------------------------------------------------------
def read_topology(path: str | Path, form: str = "auto", padding: str = "pre-padded",
                  act_bits: int = 8, wgt_bits: int = 8) -> Imported:
    path = Path(path)
    file = str(path)
    rows, header, no_comma = _rows(path)
    form = _form(file, header, rows) if form == "auto" else form
    width = len(CONV_HEADER if form == "conv" else GEMM_HEADER)
    layers, warnings, names, partial, sparse = [], [], set(), [], []
    for line, fields in rows:
        if len(fields) not in (width, width + 1):
            raise SpecError(file, f"line {line}", f"{width} fields ({form} form: "
                            f"{', '.join(CONV_HEADER if form == 'conv' else GEMM_HEADER)}"
                            f"[, Sparsity])", len(fields))
        name = fields[0] or f"layer{len(layers)}"
        if name in names:
            raise SpecError(file, f"line {line}", "a unique layer name", name)
        names.add(name)
        nums = [_positive(file, line, i, v, form) for i, v in enumerate(fields[1:width], 1)]
        if form == "conv":
            layer, extended = _conv(file, line, name, nums, padding)
            if extended:
                partial.append(extended)
        else:
            m, n, k = nums
            layer = {"name": name, "kind": "matmul", "m": m, "k": k, "n": n}
        if len(fields) > width:
            density = _sparsity(file, line, fields[width])
            if density != 1:
                layer["wgt"] = {"density": float(density)}
                sparse.append(name)
        layers.append(layer)
    if not layers:
        raise SpecError(file, "", message="no layer rows after the header")
    if no_comma:
        warnings.append(f"{len(no_comma)} row(s) lack SCALE-Sim's trailing comma (lines "
                        f"{_short(no_comma)}): read whole here, but SCALE-Sim drops their last field")
    if partial:
        warnings.append("partial last windows kept as SCALE-Sim counts them (IFMAP extended): "
                        + _short(partial))
    if sparse:
        warnings.append(f"N:M weight sparsity imported as an unstructured weight density "
                        f"(the N:M pattern is not kept): {_short(sparse)}")
    pad_note = ("IFMAP sizes taken as pre-padded (padding 0)" if padding == "pre-padded"
                else "IFMAP sizes taken as unpadded; padding (R-1)/2 per side added")
    doc = {
        "name": path.stem,
        "seed": 0,
        "notes": f"Imported from the SCALE-Sim topology {path.name} ({form} form; {pad_note}). "
                 f"Values are synthetic (SCALE-Sim is value-blind); {act_bits}-bit activations, "
                 f"{wgt_bits}-bit weights.",
        "defaults": {"act_bits": act_bits, "wgt_bits": wgt_bits},
        "layers": layers,
    }
    return Imported(doc, {}, tuple(warnings))


def _rows(path: Path):
    file = str(path)
    if not path.exists():
        raise SpecError(file, "", message="file not found")
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(file, "", message=f"cannot read file ({exc.__class__.__name__})") from None
    header, rows, no_comma = None, [], []
    for number, text in enumerate(lines, 1):
        text = text.strip()
        if not text:
            continue
        fields = [f.strip() for f in text.split(",")]
        if header is None:
            header = fields
            continue
        if fields[-1] == "":
            fields = fields[:-1]
        else:
            no_comma.append(number)
        rows.append((number, fields))
    if header is None:
        raise SpecError(file, "", message="empty file, expected a SCALE-Sim topology CSV")
    return rows, [h for h in header if h], no_comma


def _form(file: str, header: list[str], rows) -> str:
    names = {h.strip().lower() for h in header}
    if {"m", "n", "k"} <= names:
        return "gemm"
    if len(header) >= len(CONV_HEADER):
        return "conv"
    width = len(rows[0][1]) if rows else 0
    if width in (4, 5):
        return "gemm"
    if width in (8, 9):
        return "conv"
    raise SpecError(file, "line 1", "a SCALE-Sim conv header (" + ", ".join(CONV_HEADER) +
                    ") or GEMM header (" + ", ".join(GEMM_HEADER) + ")", ",".join(header))


def _positive(file: str, line: int, col: int, text: str, form: str) -> int:
    head = (CONV_HEADER if form == "conv" else GEMM_HEADER)[col]
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < 1:
        raise SpecError(file, f"line {line}, {head}", "a positive integer", text)
    return value


def _sparsity(file: str, line: int, text: str) -> Fraction:
    parts = text.split(":")
    try:
        n, m = (int(p) for p in parts)
        if not 0 < n <= m:
            raise ValueError
    except ValueError:
        raise SpecError(file, f"line {line}, Sparsity", "N:M with 0 < N <= M", text) from None
    return Fraction(n, m)


def _conv(file: str, line: int, name: str, nums: list[int], padding: str):
    h, w, r, s, c, k, stride = nums
    if padding == "same":
        pad = ((r - 1) // 2, (s - 1) // 2)
        hh, ww, extended = h, w, None
        if h + 2 * pad[0] < r or w + 2 * pad[1] < s:
            raise SpecError(file, f"line {line}", f"an IFMAP of at least the {r}x{s} filter", f"{h}x{w}")
    else:
        pad = (0, 0)
        if h < r or w < s:
            raise SpecError(file, f"line {line}", f"an IFMAP of at least the {r}x{s} filter", f"{h}x{w}")
        # SCALE-Sim's output size; the map grows to the rows its last window reads
        out_h, out_w = -(-(h - r + stride) // stride), -(-(w - s + stride) // stride)
        hh, ww = (out_h - 1) * stride + r, (out_w - 1) * stride + s
        extended = f"{name} {h}x{w}->{hh}x{ww}" if (hh, ww) != (h, w) else None
    if "DP" in name:
        layer = conv_layer(name, c, hh, ww, c * k, r, s, stride=(stride, stride), pad=pad, groups=c)
    else:
        layer = conv_layer(name, c, hh, ww, k, r, s, stride=(stride, stride), pad=pad)
    return layer, extended


def _short(items: list, n: int = 6) -> str:
    shown = ", ".join(str(i) for i in items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


# -- export -------------------------------------------------------------------------------------
def export_topology(workload: Workload, form: str = "auto") -> tuple[str, tuple[str, ...]]:
    """The workload as a SCALE-Sim topology CSV text, and warnings about what changed."""
    if form == "auto":
        form = "conv" if any(l.kind is LayerKind.CONV for l in workload.layers) and all(
            _conv_form_ok(l) for l in workload.layers) else "gemm"
    warnings: list[str] = []
    renamed, split = [], []
    rows = []
    for layer in workload.layers:
        if form == "conv":
            why = _conv_form_problem(layer)
            if why:
                raise SpecError(workload.file, f"layers.{layer.name}",
                                message=f"cannot be written in SCALE-Sim's conv form ({why}); "
                                        "use --form gemm")
            new = _conv_rows(layer)
        else:
            new = _gemm_rows(layer)
        if len(new) > 1:
            split.append(layer.name)
        for fields in new:
            name = fields[0].replace(",", "_")
            depthwise = form == "conv" and layer.kind is LayerKind.CONV and \
                layer.shape.groups > 1 and layer.shape.c_per_group == 1
            if depthwise and "DP" not in name:
                name += "_DP"
            elif not depthwise and "DP" in name:
                name = name.replace("DP", "dp")
            if name != fields[0]:
                renamed.append(f"{fields[0]}->{name}")
            rows.append([name] + [str(v) for v in fields[1:]])
    if split:
        warnings.append(f"written as one row per group / product (SCALE-Sim runs them one after "
                        f"the other): {_short(split)}")
    if renamed:
        warnings.append(f"renamed for SCALE-Sim's 'DP' (depthwise) naming rule or commas: "
                        f"{_short(renamed)}")
    thin = [l.name for l in workload.layers if l.wgt.density < 1]
    if thin:
        warnings.append(f"weight densities not exported (written as dense): {_short(thin)}")
    header = CONV_HEADER if form == "conv" else GEMM_HEADER
    text = ", ".join(header) + ",\n" + "".join(", ".join(r) + ",\n" for r in rows)
    return text, tuple(warnings)


def _conv_form_problem(layer: Layer) -> str | None:
    s = layer.shape
    if layer.kind is not LayerKind.CONV:
        return None
    if s.n != 1:
        return f"batch {s.n}: the conv form has no batch column"
    if s.stride_h != s.stride_w:
        return f"stride {s.stride_h}x{s.stride_w}: the conv form has one stride column"
    return None


def _conv_form_ok(layer: Layer) -> bool:
    return _conv_form_problem(layer) is None


def _conv_rows(layer: Layer) -> list[list]:
    s = layer.shape
    if layer.kind is not LayerKind.CONV:
        # an (m x k) by (k x n) product is a 1x1 convolution over an m x 1 map
        return [[_part(layer.name, g, s.groups), s.n * s.h * s.w, 1, 1, 1, s.c_per_group,
                 s.k_per_group, 1] for g in range(s.groups)]
    h = (s.out_h - 1) * s.stride_h + s.r       # padding folded in, unread rows left out
    w = (s.out_w - 1) * s.stride_w + s.s
    if s.groups > 1 and s.c_per_group == 1:
        return [[layer.name, h, w, s.r, s.s, s.c, s.k_per_group, s.stride_h]]
    return [[_part(layer.name, g, s.groups), h, w, s.r, s.s, s.c_per_group, s.k_per_group,
             s.stride_h] for g in range(s.groups)]


def _gemm_rows(layer: Layer) -> list[list]:
    s = layer.shape
    return [[_part(layer.name, g, s.groups), s.windows, s.k_per_group, s.reduction]
            for g in range(s.groups)]


def _part(name: str, index: int, count: int) -> str:
    return name if count == 1 else f"{name}.g{index}"
