"""``accelsim capture`` and ``accelsim stats`` (plugged into accelsim.cli): real operands."""
from __future__ import annotations

import sys
from pathlib import Path

from accelsim.bundled import resolve
from accelsim.errors import SpecError


def add_commands(sub) -> None:
    c = sub.add_parser("capture", help="real operands: run an ONNX model on images, save the "
                       "layer inputs and weights as a workload (optionally profiled / pruned)")
    c.add_argument("model", help="an .onnx file, or a bundled model: ppocr_cls, ppocr_rec, "
                   "ppocr_det (needs accelsim[models])")
    c.add_argument("--images", nargs="+", action="extend", metavar="DIR_OR_FILE",
                   help="JPEG / PNG files or folders (default: ten photographs that "
                        "scikit-image ships)")
    c.add_argument("-n", type=int, help="use the first N images (default: all)")
    c.add_argument("--output", "-o", help="workload YAML to write (default: <model>_capture.yaml "
                   "here); tensors go to the .npz of the same name")
    c.add_argument("--preprocess", metavar="YAML", help="resize / crop / mean / std / channels (default: ImageNet's, or the "
                   "bundled model's own)")
    c.add_argument("--resize", help="N (shorter side) or HxW (exact); ImageNet default 256")
    c.add_argument("--crop", help="HxW centre crop, or 'none'; ImageNet default 224x224")
    c.add_argument("--mean", help="three comma-separated numbers (on [0, 1] pixels) "
                   "(default: ImageNet's 0.485,0.456,0.406, or the bundled model's own)")
    c.add_argument("--std", help="three comma-separated numbers "
                   "(default: ImageNet's 0.229,0.224,0.225, or the bundled model's own)")
    c.add_argument("--bgr", action="store_true", help="feed channels in BGR order (default: RGB)")
    c.add_argument("--act-bits", type=int, default=8, help="activation bits without --profile (default: 8)")
    c.add_argument("--wgt-bits", type=int, default=8, help="weight bits without --profile (default: 8)")
    c.add_argument("--profile", action="store_true",
                   help="search per-layer precisions and store integer codes at them "
                   "(default: off)")
    c.add_argument("--criterion", choices=("top1", "sqnr"),
                   help="profile criterion (default: top1 for a classifier, else sqnr)")
    c.add_argument("--threshold", type=float,
                   help="top1: agreement fraction (default 1.0); sqnr: dB (default 30)")
    c.add_argument("--max-bits", type=int, default=16, help="profile search ceiling (default: 16)")
    c.add_argument("--prune", action="append", default=[], metavar="[LAYER=]DENSITY",
                   help="magnitude-prune weights to a density, all layers or one; repeatable "
                   "(default: no pruning)")
    c.add_argument("--quiet", "-q", action="store_true", help="no progress bar (default: a bar on a terminal)")
    c.set_defaults(func=cmd_capture)

    s = sub.add_parser("stats", help="per-layer operand statistics that drive value-level "
                       "designs (density, essential bits, Booth terms, zero runs, max/rms)")
    s.add_argument("workload", help="workload YAML file or bundled name")
    s.add_argument("--layers", help="comma-separated layer names (default: all)")
    s.add_argument("--output", "-o", help="also write the table (.csv) (default: print only)")
    s.set_defaults(func=cmd_stats)


def cmd_capture(args) -> int:
    from accelsim.workload import capture, images, zoo
    from accelsim.workload.profile import (CRITERIA, DEFAULT_THRESHOLD, Criterion,
                                           default_criterion, profile, quantized_operands)
    for flag, v in (("--act-bits", args.act_bits), ("--wgt-bits", args.wgt_bits),
                    ("--max-bits", args.max_bits)):
        if not 1 <= v <= 16:
            raise SpecError(flag, "", "an integer in 1..16", v)
    if args.n is not None and args.n < 1:
        raise SpecError("-n", "", "a positive integer", args.n)
    if not args.profile:            # else the profile's settings would be dropped without a word
        for flag, given in (("--criterion", args.criterion is not None),
                            ("--threshold", args.threshold is not None),
                            ("--max-bits", args.max_bits != 16)):
            if given:
                raise SpecError(flag, "", message="only used with --profile")
    model = Path(args.model)
    zoo_entry = None
    if not model.exists() and not model.suffix:          # a bundled model's name
        model = zoo.model_path(args.model)
        zoo_entry = zoo.MODELS[args.model]
    pp = _preprocess(args, zoo_entry)
    prune = _prune(args.prune)
    in_name, dims = capture.input_spec(model)
    paths = images.image_paths(args.images) if args.images else images.default_images()
    paths = paths[: args.n] if args.n else paths
    out = Path(args.output) if args.output else Path.cwd() / f"{model.stem}_capture.yaml"
    if out.suffix not in (".yaml", ".yml"):
        raise SpecError(str(out), "", "an output file name ending in .yaml", out.name)
    bar = None if args.quiet or not sys.stderr.isatty() else _bar
    batch = images.batch(paths, pp, bar)
    capture.check_input(str(model), dims, batch.shape)
    cap = capture.capture(model, batch, act_bits=args.act_bits, wgt_bits=args.wgt_bits,
                          prune=prune, name=out.stem, progress=bar)
    notes = _notes(model, paths, pp, cap)
    quantized, prof = None, None
    if args.profile:
        kind = args.criterion or default_criterion(cap.outputs)
        crit = Criterion(kind, DEFAULT_THRESHOLD[kind] if args.threshold is None
                         else args.threshold)
        assert kind in CRITERIA
        prof = profile(cap, crit, max_bits=args.max_bits, file=str(model), progress=bar)
        quantized = quantized_operands(cap, prof, str(model))
        notes += (f" Precisions: profiled per layer by accelsim (greedy, fixed point with a "
                  f"power-of-two step covering each operand's captured maximum) so that the "
                  f"{crit.describe()} on these images (reached {prof.score:.4g}); "
                  f"criterion={crit.kind} threshold={crit.threshold:g}. Operands are integer "
                  "codes at those precisions; value = code x <key>.scale in the .npz.")
    else:
        notes += (" Precisions: not profiled; float tensors quantized per tensor (max-abs) at "
                  f"{args.act_bits}/{args.wgt_bits} bits when loaded.")
    workload = capture.save_capture(cap, out, notes=notes, quantized=quantized)
    for w in cap.imported.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {out} + {out.with_suffix('.npz').name}: {len(workload.layers)} layers, "
          f"{workload.macs:,} MACs, {len(paths)} images")
    if prof is not None:
        n = len(prof.bits)
        a = sum(b[0] for b in prof.bits.values()) / n
        w = sum(b[1] for b in prof.bits.values()) / n
        print(f"profile: {prof.criterion.describe()}: {prof.score:.4g} after "
              f"{prof.evaluations} runs; mean bits act {a:.2f}, wgt {w:.2f}")
    if cap.densities:
        mean = sum(cap.densities.values()) / len(cap.densities)
        print(f"pruned {len(cap.densities)} layers, mean weight density {mean:.3f}")
    return 0


def _preprocess(args, zoo_entry):
    from accelsim.workload import images, zoo
    base = images.Preprocess()
    if zoo_entry is not None:
        base = images.Preprocess(resize=zoo_entry.size, crop=None, mean=zoo.PPOCR_MEAN,
                                 std=zoo.PPOCR_STD)
    pp = images.load_preprocess(args.preprocess, base) if args.preprocess else base
    kw = {}
    if args.resize:
        kw["resize"] = images.parse_size(args.resize, "--resize")
    if args.crop:
        crop = None if args.crop.lower() == "none" else images.parse_size(args.crop, "--crop")
        kw["crop"] = (crop, crop) if isinstance(crop, int) else crop
    for flag in ("mean", "std"):
        text = getattr(args, flag)
        if text:
            try:
                vals = tuple(float(v) for v in text.split(","))
            except ValueError:
                vals = ()
            if len(vals) != 3 or (flag == "std" and min(vals) <= 0):
                raise SpecError(f"--{flag}", "", "three comma-separated numbers"
                                + (" > 0" if flag == "std" else ""), text)
            kw[flag] = vals
    if args.bgr:
        kw["channels"] = "bgr"
    from dataclasses import replace
    return replace(pp, **kw)


def _prune(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, _, value = item.rpartition("=")
        try:
            d = float(value)
        except ValueError:
            d = -1.0
        if not 0 < d <= 1:
            raise SpecError("--prune", "", "[LAYER=]DENSITY with a density in (0, 1]", item)
        out[name or "*"] = d
    return out


def _notes(model: Path, paths, pp, cap) -> str:
    shown = ", ".join(p.name for p in paths[:10]) + (" ..." if len(paths) > 10 else "")
    resize = (f"resized to {pp.resize[0]}x{pp.resize[1]}" if isinstance(pp.resize, tuple)
              else f"shorter side resized to {pp.resize}" if pp.resize else "not resized")
    crop = f", centre crop {pp.crop[0]}x{pp.crop[1]}" if pp.crop else ""
    text = (f"Captured by accelsim from {model.name} (run in onnxruntime after its constant "
            f"folding and Conv+BatchNorm fusion) on {len(paths)} images ({shown}), {resize}"
            f"{crop}, mean {list(pp.mean)}, std {list(pp.std)}, {pp.channels.upper()}. "
            "Weights: the model's (fused) initializers; activations: each layer's real input "
            "in that run.")
    if cap.densities:
        text += (f" Weights magnitude-pruned (no retraining) in {len(cap.densities)} layers to "
                 f"densities {sorted(set(round(d, 3) for d in cap.densities.values()))}.")
    return text


def _bar(done: int, total: int, label: str) -> None:
    width = 24
    fill = int(width * done / max(total, 1))
    end = "\n" if done == total else ""
    print(f"\r  [{'#' * fill}{'.' * (width - fill)}] {done}/{total} {label[:40]:40s}", end=end,
          file=sys.stderr, flush=True)


def cmd_stats(args) -> int:
    from accelsim.spec.workload import load_workload
    from accelsim.workload.stats import table
    if args.output and Path(args.output).suffix != ".csv":     # checked before the statistics run
        raise SpecError("--output", "", "a .csv file name", args.output)
    workload = load_workload(resolve("workload", args.workload))
    if args.layers:
        workload = workload.select([n.strip() for n in args.layers.split(",") if n.strip()])
    df = table(workload)
    if args.output:
        try:
            df.to_csv(args.output, index=False)
        except OSError as exc:
            raise SpecError(args.output, "", message=f"cannot write: {exc.strerror or exc}") \
                from None
    with __import__("pandas").option_context("display.max_rows", None, "display.width", 200,
                                             "display.max_columns", None):
        print(df.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    return 0
