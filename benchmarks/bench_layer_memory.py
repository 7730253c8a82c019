"""Peak memory of one value-level layer per datapath, against engine.budget's estimate.

For each design, in a fresh process: a 256->256 3x3 conv at 56x56 (8-bit), traced and run by the
datapath alone after a small warm-up layer (numba compiled), and the peak RSS it added, as a
multiple of the layer's int32 im2col bytes, beside the datapath's declared ``peak_factor``, which
must stay above it, and engine.budget's estimate, which must stay above the measured peak (the
last column above 1).

    python benchmarks/bench_layer_memory.py
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DESIGNS = ("dadn", "pragmatic", "laconic_1k", "tactical_p", "scnn", "dcnn", "dstripes", "tartan",
           "diffy", "diffy_pragmatic", "loom", "vmac_int8", "vsquant_4b", "fgmp", "lns_madam")

_CODE = """
import json, resource
from pathlib import Path
import accelsim
from accelsim.engine.budget import layer_bytes
from accelsim.spec.workload import workload_from_dict
from accelsim.workload.trace import build_trace

def layer(c, hw):
    return workload_from_dict({"name": "m", "layers": [{"name": "c", "kind": "conv", "in_channels": c,
        "in_size": hw, "out_channels": c, "kernel": 3, "padding": 1, "act_bits": 8, "wgt_bits": 8}]},
        Path("bench.yaml"))

datapath = accelsim.load_arch(%(arch)r).build()
small = layer(8, 8)
datapath.run(build_trace(small.layers[0], small, 0))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
big = layer(256, 56)
datapath.run(build_trace(big.layers[0], big, 0))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
s = big.layers[0].shape
print(json.dumps({"added": after - before, "im2col": 4 * s.groups * s.windows * s.reduction,
                  "factor": datapath.peak_factor,
                  "estimate": layer_bytes(big.layers[0], datapath.peak_factor)}))
"""


def main() -> None:
    print(f"{'design':16s} {'added MB':>9s} {'x im2col':>9s} {'declared':>9s} {'estimate MB':>12s} "
          f"{'est/meas':>9s}")
    for design in DESIGNS:
        arch = str(ROOT / f"arch_configs/{design}.yaml")
        out = subprocess.run([sys.executable, "-c", _CODE % {"arch": arch}], capture_output=True,
                             text=True, cwd=ROOT)
        if out.returncode:
            print(f"{design:16s} failed: {out.stderr.strip().splitlines()[-1]}")
            continue
        f = json.loads(out.stdout)
        added = max(f["added"], 1)
        print(f"{design:16s} {added / 2**20:9.0f} {added / f['im2col']:9.2f} {f['factor']:9.1f} "
              f"{f['estimate'] / 2**20:12.0f} {f['estimate'] / added:9.2f}")


if __name__ == "__main__":
    main()
