"""``accelsim import onnx|scalesim`` and ``accelsim export scalesim`` (plugged into accelsim.cli)."""
from __future__ import annotations

import sys
from pathlib import Path

from accelsim.bundled import resolve
from accelsim.errors import SpecError


def add_commands(sub) -> None:
    from accelsim.workload.importers.scalesim import FORMS, PADDING
    imp = sub.add_parser("import", help="a workload from an ONNX model or a SCALE-Sim topology")
    src = imp.add_subparsers(dest="source", required=True)

    o = src.add_parser("onnx", help="Conv / Gemm / MatMul layers and weights of an ONNX model")
    o.add_argument("model", help="the .onnx file")
    o.add_argument("--output", "-o", help="workload YAML to write (default: <model>.yaml here); "
                   "weights go to the .npz of the same name")
    o.add_argument("--batch", type=int, default=1,
                   help="size of a symbolic first input dimension (default: 1)")
    o.add_argument("--dim", action="append", default=[], metavar="NAME=N",
                   help="size of a named symbolic input dimension (e.g. seq=128), or of one "
                        "dimension by INPUT.AXIS (e.g. x.2=48, for unnamed ones); repeatable "
                        "(default: none)")
    o.add_argument("--act-bits", type=int, default=8,
                   help="activation precision of every layer, bits (default: 8)")
    o.add_argument("--wgt-bits", type=int, default=8,
                   help="weight precision of every layer, bits (default: 8)")
    o.add_argument("--no-weights", action="store_true",
                   help="synthetic weights, no .npz (external weight data is not read) "
                   "(default: the model's weights)")
    o.add_argument("--no-fold-bn", action="store_true",
                   help="keep conv weights as stored (default: fold a following BatchNorm)")
    o.set_defaults(func=cmd_import_onnx)

    s = src.add_parser("scalesim", help="a SCALE-Sim topology CSV (conv or GEMM form)")
    s.add_argument("topology", help="the topology .csv")
    s.add_argument("--output", "-o", help="workload YAML to write (default: <topology>.yaml here)")
    s.add_argument("--form", choices=FORMS, default="auto",
                   help="CSV form (default: from the header)")
    s.add_argument("--padding", choices=PADDING, default="pre-padded",
                   help="pre-padded: IFMAP sizes include padding (SCALE-Sim's semantics, default); "
                        "same: they are unpadded map sizes, (R-1)/2 padding added per side")
    s.add_argument("--act-bits", type=int, default=8, help="default 8: SCALE-Sim's one-byte word")
    s.add_argument("--wgt-bits", type=int, default=8, help="weight precision, bits (default: 8)")
    s.set_defaults(func=cmd_import_scalesim)

    exp = sub.add_parser("export", help="a workload in another tool's format")
    dst = exp.add_subparsers(dest="target", required=True)
    e = dst.add_parser("scalesim", help="a SCALE-Sim topology CSV (padding folded into the IFMAP)")
    e.add_argument("workload", help="workload YAML file or bundled name to export")
    e.add_argument("--output", "-o", help="CSV to write (default: <workload>.csv here)")
    e.add_argument("--form", choices=FORMS, default="auto",
                   help="auto: conv form when every conv layer fits it, else GEMM form "
                   "(default: auto)")
    e.set_defaults(func=cmd_export_scalesim)


def cmd_import_onnx(args) -> int:
    from accelsim.workload.importers.onnx_import import read_onnx
    _bits(args)
    if args.batch < 1:
        raise SpecError("--batch", "", "a positive integer", args.batch)
    out = _out(args.output, args.model, ".yaml")
    imported = read_onnx(args.model, batch=args.batch, dims=_dims(args.dim),
                         act_bits=args.act_bits, wgt_bits=args.wgt_bits,
                         weights=not args.no_weights, fold_bn=not args.no_fold_bn, name=out.stem)
    return _finish(imported, out)


def cmd_import_scalesim(args) -> int:
    from accelsim.workload.importers.scalesim import read_topology
    _bits(args)
    imported = read_topology(args.topology, form=args.form, padding=args.padding,
                             act_bits=args.act_bits, wgt_bits=args.wgt_bits)
    return _finish(imported, _out(args.output, args.topology, ".yaml"))


def cmd_export_scalesim(args) -> int:
    from accelsim.spec.workload import load_workload
    from accelsim.workload.importers.scalesim import export_topology
    out = _out(args.output, args.workload, ".csv")
    if out.suffix != ".csv":
        raise SpecError("--output", "", "a .csv file name", str(out))
    workload = load_workload(resolve("workload", args.workload))
    text, warnings = export_topology(workload, form=args.form)
    try:
        out.write_text(text)
    except OSError as exc:
        raise SpecError(str(out), "", message=f"cannot write: {exc.strerror or exc}") from None
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {out}: {text.count(chr(10)) - 1} rows from {len(workload.layers)} layers")
    return 0


def _finish(imported, out: Path) -> int:
    from accelsim.workload.importers import save
    workload = save(imported, out)
    for w in imported.warnings:
        print(f"warning: {w}", file=sys.stderr)
    extra = f" + weights {out.with_suffix('.npz').name}" if imported.tensors else ""
    print(f"wrote {out}{extra}: {len(workload.layers)} layers, {workload.macs:,} MACs")
    return 0


def _out(given: str | None, source: str, suffix: str) -> Path:
    return Path(given) if given else Path.cwd() / (Path(source).stem + suffix)


def _bits(args) -> None:
    for flag, value in (("--act-bits", args.act_bits), ("--wgt-bits", args.wgt_bits)):
        if not 1 <= value <= 32:
            raise SpecError(flag, "", "an integer in 1..32", value)


def _dims(items: list[str]) -> dict[str, int]:
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            size = int(value)
        except ValueError:
            size = 0
        if not name or size < 1:
            raise SpecError("--dim", "", "NAME=N with N a positive integer", item)
        out[name] = size
    return out
