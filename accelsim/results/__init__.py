"""What a simulation returns: ``Result`` and its per-layer records (``result``), the memory-access
and utilization columns they carry (``accesses``), and comparisons against a baseline
(``compare``).

A layer of its own, below the engine that builds results and the reports, sweeps and validation
that read them, so none of those packages has to import another back.
"""
