"""One layer as SimPy processes over its tiles: fetch tile i+1 while tile i computes.

A fetcher brings each tile's inputs over the DRAM channel into one of ``slots`` input buffers
(2 = double buffering) and the datapath computes tiles in order as their inputs arrive; each tile's
outputs are written back over the same channel, competing with fetches. Events are per tile, never
per cycle.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from accelsim.datapaths.base import LayerWork
from accelsim.engine.memory import DramChannel
from accelsim.spec.arch import Dram


@dataclass(frozen=True)
class LayerTiming:
    seconds: float
    compute_seconds: float
    stall_seconds: float
    dram_bytes_read: int
    dram_bytes_written: int


def run_layer(work: LayerWork, dram: Dram, frequency_hz: float, slots: int = 2) -> LayerTiming:
    compute = work.compute_cycles.astype(np.float64) / frequency_hz
    total_compute = float(compute.sum())
    if not work.bytes_in.any() and not work.bytes_out.any():
        # Nothing to move: the SimPy run would only add up the compute times.
        return LayerTiming(total_compute, total_compute, 0.0, 0, 0)

    env = simpy.Environment()
    channel = DramChannel(env, dram)
    free = simpy.Container(env, capacity=slots, init=slots)
    ready = [env.event() for _ in range(work.n_tiles)]
    writes = []

    def fetch(i):
        yield env.process(channel.transfer(int(work.bytes_in[i])))
        ready[i].succeed()

    def fetcher():
        # Requests queue on the channel in tile order; latency overlaps the next transfer.
        for i in range(work.n_tiles):
            yield free.get(1)
            env.process(fetch(i))

    def datapath():
        for i in range(work.n_tiles):
            yield ready[i]
            yield env.timeout(compute[i])
            yield free.put(1)
            if work.bytes_out[i]:
                writes.append(env.process(channel.transfer(int(work.bytes_out[i]), write=True)))

    env.process(fetcher())
    done = env.process(datapath())
    env.run(until=done)
    if writes:
        env.run(until=simpy.AllOf(env, writes))
    seconds = float(env.now)
    return LayerTiming(seconds, total_compute, max(seconds - total_compute, 0.0),
                       channel.bytes_read, channel.bytes_written)
