"""simulate(arch, workload) -> Result: datapaths count, the engine schedules, the cost model prices."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable, Mapping

from accelsim.cost import override_checks, overrides, price
from accelsim.datapaths.base import Part, TooManyTiles, part
from accelsim.engine.pipeline import run_layer
from accelsim.engine.budget import check_budget, tiles_error
from accelsim.engine.residency import check_residency
from accelsim.engine.sampling import Sampling, sampled_run
from accelsim.errors import SpecError
from accelsim.memformat import codec_parts
from accelsim.results import accesses
from accelsim.results.result import LayerResult, Result
from accelsim.spec.arch import Arch
from accelsim.spec.workload import Layer, Workload
from accelsim.workload.trace import LayerTrace, build_trace, shape_trace


def memory_inventory(arch: Arch) -> dict[str, Part]:
    parts = {b.role: part(b.kind, 1, capacity_bytes=b.capacity, width_bits=b.width_bits, banks=b.banks)
             for b in arch.memory.buffers}
    parts["dram"] = part("dram", 1, type=arch.memory.dram.type)
    parts.update(codec_parts(arch.memory.formats, arch.memory.output_bits))
    return parts


def buffer_actions(arch: Arch, actions: Mapping[str, int]) -> dict[str, int]:
    """A datapath's action counts on the arch's buffers: without an output buffer, results are
    written back to the activation memory."""
    out = dict(actions)
    if arch.memory.buffer("outputs") is None and "outputs.write_bits" in out:
        out["activations.write_bits"] = out.get("activations.write_bits", 0) + out.pop("outputs.write_bits")
    return out


def check_layers(arch: Arch, workload: Workload, datapath) -> None:
    """Precisions a datapath cannot hold are input errors, named by the workload key."""
    act_max, wgt_max = datapath.limits()
    for i, layer in enumerate(workload.layers):
        for key, bits, top in (("act_bits", layer.act_bits, act_max), ("wgt_bits", layer.wgt_bits, wgt_max)):
            if bits > top:
                raise SpecError(workload.file, f"layers[{i}].{key}",
                                f"an integer in 1..{top} (the width of {arch.name}'s "
                                f"{arch.datapath.kind} datapath in {Path(arch.file).name or 'code'})", bits)


def simulate(arch: Arch, workload: Workload,
             progress: Callable[[int, int, str], None] | None = None,
             traces: Callable[[Layer, Workload, int], LayerTrace] = build_trace,
             sample: Sampling | None = None) -> Result:
    """Simulate every layer; layers with identical operands and shape are simulated once.

    ``traces`` builds a layer's trace; a sweep passes a cache so that simulations sharing a
    workload (a design and its baseline, successive sweep points) build each trace once.
    With ``sample``, samplable datapaths simulate a seeded fraction of each layer's windows and
    scale up (``engine.sampling``); the per-layer results then carry the estimate's spread."""
    datapath = arch.build()
    check_layers(arch, workload, datapath)
    notes = check_residency(arch, workload)
    what = f"{arch.name}'s {arch.datapath.kind} datapath"
    check_budget(workload, what,
                 datapath.needs_values or arch.memory.formats.compressed, datapath.peak_factor,
                 datapath.peak_per_group)
    if sample is not None and not (datapath.samplable and datapath.needs_values):
        # Shape-level datapaths have no operand values to sample (and run fast in full); others
        # do not split into per-window work. Run in full, and say so.
        why = ("its timing follows from shapes and precisions alone" if not datapath.needs_values
               else "its work is not a sum over independent windows")
        notes += (f"--sample: the {arch.datapath.kind} datapath of {arch.name} cannot be sampled "
                  f"({why}); every layer is simulated in full",)
        sample = None
    inventory: Mapping[str, Part] = {**datapath.inventory(), **memory_inventory(arch)}
    node, vdd = arch.technology.node_nm, arch.technology.vdd
    override_checks.check(arch.costs, inventory, node, vdd)
    with overrides.applied(arch.costs):          # the arch's own prices, if it brings any
        area = price.area(inventory, node, vdd)
    # compressed sizes come from the operand values, whatever the datapath needs
    needs_values = datapath.needs_values or arch.memory.formats.compressed
    roles = accesses.memory_roles(arch.memory.buffers)
    done: dict = {}
    layers = []
    for i, layer in enumerate(workload.layers):
        # A synthetic layer's operands follow from its spec (names aside, see trace.py), so the
        # spec identifies its work without hashing operands; real tensors are identified by value.
        synthetic = layer.act.file is None and layer.wgt.file is None
        key = dataclasses.replace(layer, name="") if synthetic else None
        reused = key in done
        if not reused:
            # Real tensors are still read (a bad file is an input error); synthetic operands of
            # a value-independent datapath are never drawn.
            if synthetic and not needs_values:
                trace = shape_trace(layer, workload, i)
            elif sample is not None and traces is build_trace:
                trace = build_trace(layer, workload, i, lazy=True)   # weights drawn where read
            else:
                trace = traces(layer, workload, i)
            if key is None:
                key = trace.key
                reused = key in done
        if not reused:
            try:
                if sample is None:
                    work, figures = datapath.run(trace), {}
                else:
                    work, figures = sampled_run(datapath, trace, sample)
            except TooManyTiles as err:
                raise tiles_error(workload, i, what, err.tiles) from None
            timing = run_layer(work, arch.memory.dram, arch.clock.frequency_hz)
            actions = buffer_actions(arch, work.actions)
            # flip-flops and the clock tree toggle on every busy cycle; buses carry their bits
            actions.update(price.frame_actions(inventory, work.actions, int(work.compute_cycles.sum())))
            actions["dram.read_bits"] = timing.dram_bytes_read * 8
            actions["dram.write_bits"] = timing.dram_bytes_written * 8
            with overrides.applied(arch.costs):
                joules = price.energy(actions, inventory, node, vdd, timing.seconds)
            counted = accesses.count(work.actions, work.dram_bits, timing.dram_bytes_read,
                                     timing.dram_bytes_written, inventory, roles)
            done[key] = (work, timing, joules, figures, (trace.act.sqnr_db, trace.wgt.sqnr_db), counted)
        work, timing, joules, figures, sqnr, counted = done[key]
        f = arch.clock.frequency_hz
        layers.append(LayerResult(
            name=layer.name, kind=layer.kind.value, macs=layer.macs,
            act_bits=layer.act_bits, wgt_bits=layer.wgt_bits,
            compute_cycles=int(work.compute_cycles.sum()),
            stall_cycles=int(round(timing.stall_seconds * f)),
            cycles=int(round(timing.seconds * f)),
            seconds=timing.seconds, ideal_cycles=work.ideal_cycles, potential=work.potential,
            dram_bytes=timing.dram_bytes_read + timing.dram_bytes_written,
            energy=joules, extra={**work.extra, **figures}, reused=reused,
            act_sqnr_db=sqnr[0], wgt_sqnr_db=sqnr[1], accesses=counted,
        ))
        if progress is not None:
            progress(i + 1, len(workload.layers), layer.name)
    return Result(arch=arch.name, workload=workload.name, datapath=arch.datapath.kind,
                  frequency_hz=arch.clock.frequency_hz, node_nm=node, layers=tuple(layers), area=area,
                  arch_file=arch.file, workload_file=workload.file, notes=notes,
                  user_prices=override_checks.describe(arch.costs, inventory, node, vdd))
