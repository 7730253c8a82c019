"""Workloads as simulated: loop bounds, operand tensors and per-layer traces."""
