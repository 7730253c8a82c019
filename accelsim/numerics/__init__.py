"""Number formats as pure, vectorised numpy functions.

``minifloat`` (FP8/FP6/FP4/FP16/BF16), ``blockscale`` (OCP MX and NVFP4), ``intq`` (integer,
per-channel and VS-Quant per-vector quantization) and ``lns`` (LNS-Madam).  Definitions are
those of docs/references.md (Number formats); each module names the table it follows.
"""
