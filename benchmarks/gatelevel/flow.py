"""Synthesize, simulate (gate level, random stimulus) and price each unit.
Usage: python3 flow.py [unit ...]   (default: all). Results -> out/results.json"""
import json, os, re, subprocess, sys
from dataclasses import dataclass
import liberty, netlist, energy

# the Nangate 45 nm Liberty file (not in this repository; see README.md)
LIB = os.environ.get('NANGATE45_LIB', 'nangate45_typ.lib')
HALF = 5000          # ps; 10 ns simulated clock so even the 32-bit multiplier settles
WARM = 4             # cycles skipped before counting toggles
OUT = 'out'          # netlists, logs, VCDs (large; results.json is copied to results/)


@dataclass
class Scenario:
    name: str
    stim: dict        # input port -> 'rand' | 'hold' | 'bern:<p>' | 'first' (1 in cycle 0, then 0)
    cycles: int


def sx(v, w):
    return v - (1 << w) if v >> (w - 1) & 1 else v


def op_model(kind, W, S):
    ext = (lambda v: sx(v, W)) if S else (lambda v: v)
    def step(st, x):
        ar, br, y = st
        if kind == 'add':
            y = (ext(ar) + ext(br)) % (1 << (W + 1))
        else:
            y = (ext(ar) * ext(br)) % (1 << (2 * W))
        return (x['a'], x['b'], y)
    return (0, 0, 0), step, lambda st: st[2]


def reg_model():
    return 0, (lambda st, x: x['d']), (lambda st: st)


def lanes(v):
    return [sx((v >> (16 * i)) & 0xFFFF, 16) for i in range(16)]


def ip_model():
    def step(st, x):
        a, w, acc = st
        return (x['act'], x['wgt'], (acc + sum(p * q for p, q in zip(lanes(a), lanes(w)))) % (1 << 32))
    return (0, 0, 0), step, lambda st: st[2]


def sip_model():
    def step(st, x):
        w, ab, cnt, acc = st
        s4 = sum(wi for i, wi in enumerate(lanes(w)) if ab >> i & 1)
        term = -s4 if cnt == 0 else s4
        base = 0 if cnt == 0 else acc << 1
        return (x['wgt'] if x['wload'] else w, x['abit'], (cnt + 1) % 16, (base + term) % (1 << 32))
    return (0, 0, 0, 0), step, lambda st: st[3]


def units():
    U = {}
    for kind in ('add', 'mul'):
        for W in (8, 16, 32):
            for S, s in ((0, 'u'), (1, 's')):
                n = 2000 if W < 32 or kind == 'add' else 600
                U[f'{kind}_{s}{W}'] = (op_model(kind, W, S), [Scenario('rand', {'a': 'rand', 'b': 'rand'}, n)])
    for W in (8, 16, 32):
        U[f'mulb_s{W}'] = (op_model('mul', W, 1), [Scenario('rand', {'a': 'rand', 'b': 'rand'}, 2000 if W < 32 else 600)])
    U['reg32'] = (reg_model(), [Scenario('rand', {'d': 'rand'}, 2000), Scenario('hold', {'d': 'hold'}, 500)])
    U['dadn_ip'] = (ip_model(), [Scenario('rand', {'act': 'rand', 'wgt': 'rand'}, 150)])
    U['dadn_ip_booth'] = (ip_model(), [Scenario('rand', {'act': 'rand', 'wgt': 'rand'}, 150)])
    U['stripes_sip'] = (sip_model(), [
        Scenario('w_rand_a0.5', {'wload': 'ones', 'wgt': 'rand', 'abit': 'bern:0.5'}, 640),
        Scenario('w_held_a0.5', {'wload': 'first', 'wgt': 'hold', 'abit': 'bern:0.5'}, 640),
        Scenario('w_held_a0.2', {'wload': 'first', 'wgt': 'hold', 'abit': 'bern:0.2'}, 640)])
    return U


def sh(cmd, log):
    with open(log, 'w') as f:
        r = subprocess.run(cmd, shell=True, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode:
        raise SystemExit(f'command failed ({cmd}); see {log}')


def synth(top):
    ys = open('synth.ys.tmpl').read().replace('TOP', top).replace('LIB', LIB).replace('out/', f'{OUT}/')
    open(f'{OUT}/{top}.ys', 'w').write(ys)
    sh(f'yosys -q -s {OUT}/{top}.ys -l {OUT}/{top}.synth.log', f'{OUT}/{top}.yosys.stdout')
    m = re.findall(r"Chip area for module '\\?\S+': ([\d.]+)", open(f'{OUT}/{top}.synth.log').read())
    return float(m[-1])


def testbench(nl, sc, tag):
    ports = nl.ports
    L = ['`timescale 1ps/1ps', 'module tb;', 'reg clk = 0;']
    for n, (d, bits) in ports.items():
        if n == 'clk':
            continue
        L.append(f'{"reg" if d == "input" else "wire"} [{len(bits)-1}:0] {n}{" = 0" if d == "input" else ""};')
    L.append('dut dut(' + ', '.join(f'.{n}({n})' for n in ports) + ');')
    L += [f'always #{HALF} clk = ~clk;', 'integer k, fd, j;', 'initial begin',
          f'  fd = $fopen("{OUT}/{tag}.log");', f'  $dumpfile("{OUT}/{tag}.vcd");', '  $dumpvars(1, dut);',
          f'  for (k = 0; k < {sc.cycles}; k = k + 1) begin', '    @(posedge clk);']
    outs = [n for n, (d, _) in ports.items() if d == 'output']
    ins = [n for n, (d, _) in ports.items() if d == 'input' and n != 'clk']
    L.append(f'    $fwrite(fd, "{" ".join(["%h"] * len(outs))} ", {", ".join(outs)});   // state before this edge')
    L.append('    #100;   // inputs change like the Q of an upstream flop')
    for n in ins:
        w = len(ports[n][1]); mode = sc.stim[n]
        if mode == 'rand' or (mode == 'hold'):
            words = ', '.join(['$random'] * ((w + 31) // 32))
            stmt = f'{n} = {{{words}}};'
            L.append(f'    {stmt}' if mode == 'rand' else f'    if (k == 0) {stmt}')
        elif mode.startswith('bern:'):
            p = int(float(mode[5:]) * 1000)
            L.append(f'    for (j = 0; j < {w}; j = j + 1) {n}[j] = ($unsigned($random) % 1000) < {p};')
        elif mode == 'first':
            L.append(f'    {n} = (k == 0);')
        elif mode == 'ones':
            L.append(f'    {n} = 1;')
        else:
            raise SystemExit(f'unknown stimulus {mode!r} for {n}')
    L.append(f'    $fwrite(fd, "{" ".join(["%h"] * len(ins))}\\n", {", ".join(ins)});')
    L += ['  end', '  $finish;', 'end', 'endmodule']
    return '\n'.join(L) + '\n', outs, ins


def check(model, logpath, outs, ins):
    """Compare the gate-level outputs with the cycle-level Python model of the RTL."""
    st, step, out = model
    prev = {n: 0 for n in ins}
    bad = 0; n = 0
    for line in open(logpath):
        vals = line.split()
        o = vals[:len(outs)]; x = dict(zip(ins, (int(v, 16) for v in vals[len(outs):])))
        if 'x' in o[0] or int(o[0], 16) != out(st):   # outputs were sampled before this edge
            bad += 1
        st = step(st, prev)
        n += 1; prev = x
    return n, bad


def run(unit, lib, model, scenarios):
    area_total = synth(unit)
    nl = netlist.annotate(netlist.read(f'{OUT}/{unit}.json', unit, lib), lib)
    types = {i.type for i in nl.insts}
    open(f'{OUT}/{unit}.cells.v', 'w').write(netlist.cell_models(lib, types))
    open(f'{OUT}/{unit}.sim.v', 'w').write(netlist.sim_verilog(nl, lib))
    res = dict(unit=unit, area_um2=area_total, area_split=energy.area(nl, lib), cells=len(nl.insts),
               n_ff=sum(1 for i in nl.insts if lib['cells'][i.type].ff),
               leakage_nw=energy.leakage_nw(nl, lib), scenarios={})
    for sc in scenarios:
        tag = f'{unit}.{sc.name}'
        tb, outs, ins = testbench(nl, sc, tag)
        open(f'{OUT}/{tag}.tb.v', 'w').write(tb)
        sh(f'iverilog -o {OUT}/{tag}.vvp {OUT}/{tag}.tb.v {OUT}/{unit}.sim.v {OUT}/{unit}.cells.v', f'{OUT}/{tag}.iverilog.log')
        sh(f'vvp -n {OUT}/{tag}.vvp', f'{OUT}/{tag}.vvp.log')
        n, bad = check(model, f'{OUT}/{tag}.log', outs, ins)
        # posedge m is at HALF*(2m+1); count from just before posedge WARM to just before the last
        t0 = HALF * (2 * WARM + 1) - 1; t1 = HALF * (2 * (sc.cycles - 1) + 1) - 1
        cyc = sc.cycles - 1 - WARM
        E, tpc, cell_tpc, func_tpc = energy.price_vcd(nl, lib, f'{OUT}/{tag}.vcd', t0, t1, cyc, 2 * HALF)
        os.remove(f'{OUT}/{tag}.vcd')   # large; rerun to regenerate
        res['scenarios'][sc.name] = dict(cycles=cyc, check_cycles=n, mismatches=bad,
                                         toggles_per_cycle=tpc, cell_net_toggles_per_cycle=cell_tpc,
                                         functional_cell_net_toggles_per_cycle=func_tpc,
                                         energy_fj_per_cycle_1v1=E)
        print(unit, sc.name, f'area={area_total:.1f} mism={bad}/{n}',
              {k: round(v, 1) for k, v in E.items()}, f'total={sum(E.values()):.1f} fJ', f'toggles cell-nets {cell_tpc:.0f} functional {func_tpc:.0f}', flush=True)
    return res


def main(argv):
    lib = liberty.load(LIB)
    U = units()
    todo = argv or list(U)
    path = f'{OUT}/results.json'
    allres = json.load(open(path)) if os.path.exists(path) else {}
    for u in todo:
        if u not in U:
            raise SystemExit(f'flow.py: unknown unit {u!r}; expected one of {", ".join(U)}')
        model, scs = U[u]
        allres[u] = run(u, lib, model, scs)
        json.dump(allres, open(path, 'w'), indent=1)


if __name__ == '__main__':
    main(sys.argv[1:])
