"""out/results.json (+ out/accelsim_prices.json) -> out/table.md. Energies scaled from the
library's 1.1 V to 0.9 V by (0.9/1.1)^2; leakage reported per 1 ns cycle at 1.1 V."""
import json

S = (0.9 / 1.1) ** 2
R = json.load(open('out/results.json'))
A = json.load(open('out/accelsim_prices.json'))
# (pJ, um^2) at 45 nm 0.9 V: Horowitz ISSCC 2014; 16-bit rows are accelsim's interpolation
REF = {'add8': (0.03, 36.0), 'add16': (0.0548, 70.2), 'add32': (0.1, 137.0),
       'mul8': (0.2, 282.0), 'mul16': (0.787, 992.8), 'mul32': (3.1, 3495.0)}


def pj(fj):
    return fj * S / 1000


def row_op(u):
    r = R[u]; sc = r['scenarios']['rand']; E = sc['energy_fj_per_cycle_1v1']
    logic = pj(E.get('logic', 0))
    gf = logic * sc['functional_cell_net_toggles_per_cycle'] / sc['cell_net_toggles_per_cycle']
    tot = pj(sum(E.values()))
    kind, w = u.split('_')[0], u.split('_')[1][1:]
    e_ref, a_ref = REF[kind.replace('mulb', 'mul') + w]
    a_logic = r['area_split'].get('logic', 0)
    return (f"| {u} | {r['area_um2']:.0f} | {a_logic:.0f} | {a_ref:.0f} | {a_logic / a_ref:.2f} | "
            f"{logic:.3f} | {gf:.3f} | {e_ref:.3f} | {logic / e_ref:.2f} | {tot:.3f} | {sc['mismatches']}/{sc['check_cycles']} |")


L = ['# Gate-level cross-check (Nangate 45 nm typ, yosys 0.23 + abc, iverilog timing sim)', '',
     '## Operators (random operands every cycle)', '',
     'logic = gates + the nets they drive + operand-register Q nets (the operator\'s input load) + output-register D pins; '
     'total adds the operand/result flip-flops and an ideal clock net. Glitch-free = logic x functional/all toggles on cell-driven nets.', '',
     '| unit | area total um^2 | area logic um^2 | ref area | logic/ref | E logic pJ @0.9V | glitch-free est. | ref pJ | logic/ref | E total pJ | sim check |',
     '|---|---|---|---|---|---|---|---|---|---|---|']
for u in ['add_u8', 'add_s8', 'add_u16', 'add_s16', 'add_u32', 'add_s32',
          'mul_u8', 'mul_s8', 'mul_u16', 'mul_s16', 'mul_u32', 'mul_s32', 'mulb_s8', 'mulb_s16', 'mulb_s32']:
    if u in R:
        L.append(row_op(u))
if 'reg32' in R:
    r = R['reg32']; fb = A['flop_bit']
    L += ['', '## Flip-flop bit (reg32: 32 DFF_X1, ideal clock net)', '',
          '| case | fJ per bit per cycle @0.9V | accelsim fJ | ratio | area per bit um^2 | accelsim um^2 |', '|---|---|---|---|---|---|']
    for s, d in r['scenarios'].items():
        e = sum(d['energy_fj_per_cycle_1v1'].values()) * S / 32
        L.append(f"| data {s} | {e:.2f} | {fb['pj_per_cycle']*1000:.2f} | {e / (fb['pj_per_cycle']*1000):.2f} | "
                 f"{r['area_um2']/32:.2f} | {fb['area_um2']:.2f} |")
    L.append(f"(accelsim adds a clock tree of {A['clock_tree_over_flop']} x the flop energy on top; the gate-level clock here is ideal: pins + a fanout-1 wire stub per flop.)")
L += ['', '## DaDN IP vs Stripes SIP (per cycle; 0.9 V)', '',
      '| unit / scenario | area um^2 (flops) | E/cycle pJ | clock | flop int. | logic | inputs | MAC-eq/cycle | pJ per 16b MAC-eq | glitch share of cell-net toggles | glitch-free est. pJ/cycle | leak pJ/cycle @1GHz,1.1V | accelsim pJ/cycle (area) | gate/accelsim |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
per = {}
perg = {}
for u, macs in (('dadn_ip', 16), ('dadn_ip_booth', 16), ('stripes_sip', 1)):
    if u not in R:
        continue
    r = R[u]
    for s, d in r['scenarios'].items():
        E = {k: pj(v) for k, v in d['energy_fj_per_cycle_1v1'].items()}
        t = sum(E.values())
        g = 1 - d['functional_cell_net_toggles_per_cycle'] / d['cell_net_toggles_per_cycle']
        acc = A[u.replace('_booth', '')]
        gf = t - E.get('logic', 0) * g
        per[(u, s)] = t / macs
        perg[(u, s)] = gf / macs
        L.append(f"| {u} {s} | {r['area_um2']:.0f} ({r['area_split'].get('ff', 0):.0f}) | {t:.3f} | {E.get('clock', 0):.3f} | "
                 f"{E.get('ff_internal', 0):.3f} | {E.get('logic', 0):.3f} | {E.get('inputs', 0):.3f} | {macs} | {t / macs:.3f} | {g:.0%} | {gf:.3f} | "
                 f"{r['leakage_nw'] * 1e-3 / 1000:.3f} | {acc['pj_per_cycle']:.3f} ({acc['area_um2']:.0f}) | {t / acc['pj_per_cycle']:.2f} |")
        if u == 'stripes_sip':
            wclk = E.get('clock', 0) * 256 / r['n_ff']
            per[(u, s + '+wgt clock gated')] = t - wclk
            perg[(u, s + '+wgt clock gated')] = gf - wclk
            L.append(f"| {u} {s}, weight flops clock-gated | | {t - wclk:.3f} | {E.get('clock', 0) - wclk:.3f} | | | | 1 | {t - wclk:.3f} | | {gf - wclk:.3f} | | "
                     f"{A['stripes_sip_weights_not_clocked']['pj_per_cycle']:.3f} | {(t - wclk) / A['stripes_sip_weights_not_clocked']['pj_per_cycle']:.2f} |")
for ipu in ('dadn_ip', 'dadn_ip_booth'):
    if (ipu, 'rand') not in per:
        continue
    ip = per[(ipu, 'rand')]
    ipg = perg[(ipu, 'rand')]
    acc_ip = A['dadn_ip']['pj_per_cycle'] / 16
    L += ['', f'### SIP / IP ({ipu})', '', f'IP: {ip:.3f} pJ per MAC (glitch-free est. {ipg:.3f}); accelsim-priced IP {acc_ip:.3f} pJ per MAC.', '',
          '| SIP scenario | SIP pJ per MAC-eq | SIP/IP per MAC-eq | glitch-free SIP/IP | accelsim SIP/IP per MAC-eq | SIP/IP per cycle | area SIP/IP (accelsim) |', '|---|---|---|---|---|---|---|']
    for (u, s), v in per.items():
        if u == 'stripes_sip':
            a_sip = A['stripes_sip_weights_not_clocked' if 'gated' in s else 'stripes_sip']['pj_per_cycle']
            L.append(f"| {s} | {v:.3f} | {v / ip:.2f} | {perg[(u, s)] / ipg:.2f} | {a_sip / acc_ip:.2f} | {v / (ip * 16):.3f} | "
                     f"{R['stripes_sip']['area_um2'] / R[ipu]['area_um2']:.3f} ({A['stripes_sip']['area_um2'] / A['dadn_ip']['area_um2']:.3f}) |")
    L.append("(16 SIPs at 16-bit precision match one IP's throughput: energy per MAC-eq ratio = energy of 16 SIPs / 1 IP per cycle.)")
open('out/table.md', 'w').write('\n'.join(L) + '\n')
print('\n'.join(L))

# Vectorless OpenSTA (run_sta.sh): input activity 0.5/cycle propagated, no glitches, 1 ns clock.
try:
    rows = [l.split() for l in open('out/sta_summary.txt') if 'Total' in l]
except FileNotFoundError:
    rows = []
if rows:
    M = ['', '## OpenSTA vectorless cross-check (totals incl. flops and ideal clock; 0.9 V)', '',
         '| unit | OpenSTA internal+switching pJ | toggle flow total pJ (first scenario) | toggle flow glitch-free est. | STA / glitch-free |', '|---|---|---|---|---|']
    for r in rows:
        u = r[0]
        if u not in R:
            continue
        sta = (float(r[2]) + float(r[3])) * 1e3 * S   # W at 1 GHz -> pJ per cycle
        d = next(iter(R[u]['scenarios'].values()))
        E = d['energy_fj_per_cycle_1v1']
        g = 1 - d['functional_cell_net_toggles_per_cycle'] / max(d['cell_net_toggles_per_cycle'], 1e-9)
        tot = pj(sum(E.values())); gf = tot - pj(E.get('logic', 0)) * g
        M.append(f"| {u} | {sta:.3f} | {tot:.3f} | {gf:.3f} | {sta / gf:.2f} |")
    open('out/table.md', 'a').write('\n'.join(M) + '\n')
    print('\n'.join(M))
