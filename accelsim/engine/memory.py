"""The DRAM channel as a SimPy resource: one transfer at a time at the interface bandwidth, each
arriving ``latency`` after its last byte left the channel (the channel is pipelined: latency does
not occupy it). On-chip buffers enter only through their capacities (tiling and re-fetch, decided
when a datapath plans its tiles) and the double buffering in ``pipeline``."""
from __future__ import annotations

from dataclasses import dataclass, field

import simpy

from accelsim.spec.arch import Dram


@dataclass
class DramChannel:
    env: simpy.Environment
    spec: Dram
    bytes_read: int = 0
    bytes_written: int = 0
    busy: simpy.Resource = field(init=False)

    def __post_init__(self):
        self.busy = simpy.Resource(self.env, capacity=1)

    def transfer(self, nbytes: int, write: bool = False):
        """SimPy process: move ``nbytes``; completes when the data has arrived."""
        if nbytes <= 0:
            return
        with self.busy.request() as req:
            yield req
            yield self.env.timeout(nbytes / self.spec.bandwidth)
        if write:
            self.bytes_written += nbytes
        else:
            self.bytes_read += nbytes
        yield self.env.timeout(self.spec.latency)
