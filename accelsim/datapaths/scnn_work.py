"""One layer on SCNN: cycles per step from ``numerics.sparse_kernels.scnn_cycles``, then drains, memory
traffic and action counts (the organisation and its approximations are described in ``scnn``).

Steps run in the order of SCNN's loop nest: for each group of the layer, image and band, for each
output-channel group (Kc filters): one step per input channel, then the part of the accumulator
drain that the next group's compute does not hide. Bits that must arrive before a step: the
weights of (input channel, output-channel group), and when activations stream through DRAM the
band's input channel (first output-channel group only: the IARAM keeps it for the others). The
outputs of a group leave after its drain when they stream through DRAM, with the partial sums of
rows another band owns (written, and read back by their owner).
"""
from __future__ import annotations

import numpy as np

from accelsim.datapaths import scnn_planar as planar
from accelsim.numerics.sparse_kernels import scnn_cycles

COUNTS = ("products", "valid", "blocks", "stall", "wfifo_entries", "halo", "drained", "iaram_reads",
          "iaram_writes", "wfifo_writes", "out_entries", "out_spilled", "pe_cycles", "step_cycles",
          "placeholders")


def scnn_work(dp, trace):
    p = dp.p
    plane, act = planar.operands(trace, p.fc_side)
    n_img, groups = act.shape[0], act.shape[1]
    eb, mem = dp.entry_bits, dp.arch.memory
    fifo_bits = mem.capacity("weights") * 8 // p.pes
    tot = dict.fromkeys(COUNTS, 0.0)
    cycles, bits_in, bits_out = [], [], []
    kc_seen, bands_seen, spill_seen = 0, 0, False
    for g in range(groups):
        tilings, kc, spill, ratio = dp.plan(plane, act[:, g])
        n_kg = planar.ceil_div(plane.k, kc)
        kc_used = np.minimum(kc, plane.k - kc * np.arange(n_kg))
        w_ptr, w_cols, w_entries, w_ph = dp.weights(plane, planar.weight_nonzeros(trace, p.fc_side, g), kc)
        n_ph = plane.sh * plane.sw
        w_stream = np.diff(w_ptr).reshape(plane.c, n_ph, n_kg).sum(axis=1)          # (c, kg) entries
        resident = mem.weights_resident == "all" or (
            mem.weights_resident == "fit" and w_entries * eb <= fifo_bits)
        kc_seen, bands_seen, spill_seen = kc, len(tilings), spill
        tot["placeholders"] += w_ph
        for n in range(n_img):
            for t in tilings:
                a_ptr, a_cols, a_streams, a_ph = dp.activations(plane, act[n, g], t)
                geom = dp.geom(plane, t, kc)
                smax, ssum, stats = scnn_cycles(a_ptr, a_cols[0], a_cols[1], w_ptr,
                                                dp.offsets(w_cols[0], geom), w_cols[1], w_cols[2],
                                                t.ry0, t.rx0, geom, dp.bank_of(geom, kc),
                                                p.bank_queue)
                region = t.region
                drain = planar.ceil_div(kc_used[:, None] * region[None, :], p.banks).max(axis=1)
                compute = smax.sum(axis=1)
                exposed = np.maximum(drain - np.append(compute[1:], 0), 0)
                steps = np.concatenate([smax, exposed[:, None]], axis=1)       # (kg, c + drain)
                w_in = np.zeros(steps.shape)
                w_out = np.zeros(steps.shape)
                if not resident:
                    w_in[:, :plane.c] += w_stream.T * eb
                positions = (t.band.oy1 - t.band.oy0) * plane.ow
                a_entries = int(a_streams.sum())
                if spill:
                    # partial sums for rows another band owns go out and come back as well
                    cross = kc_used * int(t.outside.sum()) * p.acc_bits
                    w_in[0, :plane.c] += a_streams.sum(axis=1) * eb
                    w_in[:, plane.c] += cross
                    w_out[:, plane.c] = kc_used * positions * ratio * eb + cross
                cycles.append(steps.reshape(-1))
                bits_in.append(w_in.reshape(-1))
                bits_out.append(w_out.reshape(-1))
                for key, v in zip(COUNTS[:5], stats):
                    tot[key] += int(v)
                tot["halo"] += plane.k * int(t.halo.sum())
                tot["drained"] += plane.k * int(region.sum())
                tot["iaram_reads"] += n_kg * a_entries * eb
                tot["iaram_writes"] += a_entries * eb if spill else 0
                tot["wfifo_writes"] += p.pes * w_entries * eb
                tot["out_entries"] += plane.k * positions * ratio
                tot["out_spilled"] += plane.k * positions * ratio * eb if spill else 0
                tot["pe_cycles"] += int(ssum.sum())
                tot["step_cycles"] += int(smax.sum())
                tot["placeholders"] += a_ph
    return _work(dp, trace, tot, cycles, bits_in, bits_out, kc_seen, bands_seen, spill_seen)


def _work(dp, trace, tot, cycles, bits_in, bits_out, kc, bands, spill):
    p, eb = dp.p, dp.entry_bits
    cyc = np.concatenate(cycles)
    useful = planar.nonzero_pairs(trace)
    peak = p.pes * p.f * p.i
    compute = int(cyc.sum())
    actions = {
        "mult.op": tot["products"],
        "crossbar.addr.op": tot["products"],          # every product's coordinates are computed
        "crossbar.switch.op": tot["valid"],           # only valid products cross to a bank
        "accum.add.op": tot["valid"] + tot["halo"],
        # read-modify-write per product; drain reads the whole region; an owner adds each halo entry
        "accum.bank.read_bits": (tot["valid"] + tot["drained"] + tot["halo"]) * p.acc_bits,
        "accum.bank.write_bits": (tot["valid"] + tot["halo"]) * p.acc_bits,
        "activations.read_bits": tot["iaram_reads"],
        "activations.write_bits": tot["iaram_writes"],
        "outputs.write_bits": round(tot["out_entries"] * eb),
        "outputs.read_bits": round(tot["out_spilled"]),
        "weights.write_bits": tot["wfifo_writes"],
        "weights.read_bits": tot["wfifo_entries"] * eb,
    }
    extra = {
        "scnn_kc": float(kc),
        "scnn_bands": float(bands),
        "scnn_spill": float(spill),
        "scnn_mult_utilisation": useful / max(compute * peak, 1),
        "scnn_useful_products": float(useful),
        "scnn_products": float(tot["products"]),
        "scnn_block_fill": tot["products"] / max(tot["blocks"] * p.f * p.i, 1),
        "scnn_bank_stall_share": tot["stall"] / max(tot["pe_cycles"], 1),
        "scnn_barrier_idle": 1.0 - tot["pe_cycles"] / max(p.pes * tot["step_cycles"], 1),
        "scnn_halo_entries": float(tot["halo"]),
        "scnn_placeholders": float(tot["placeholders"]),
    }
    return planar.steps_to_work(dp.arch, cyc, np.concatenate(bits_in), np.concatenate(bits_out), actions,
                                ideal_cycles=-(-useful // peak), potential=float(useful) * p.width ** 2,
                                extra=extra)
