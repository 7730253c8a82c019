"""Yosys JSON netlist -> net connectivity, loads, slews, delays, and a simulation
Verilog file in which every net bit is a scalar wire n<bit> (so VCD names map back)."""
import json, re
from dataclasses import dataclass, field

SLEW0 = 0.02  # ns: assumed transition of primary inputs/clock, and input slew for delay lookup


@dataclass
class Inst:
    name: str
    type: str
    conns: dict          # pin -> net bit (int) or '0'/'1'
    dirs: dict           # pin -> 'input'/'output'


@dataclass
class Netlist:
    top: str
    ports: dict                   # name -> (direction, [bits])
    insts: list
    driver: dict = field(default_factory=dict)    # bit -> (inst index or None for port, pin)
    sinks: dict = field(default_factory=dict)     # bit -> [(inst index, pin)]
    out_port_bits: set = field(default_factory=set)
    load: dict = field(default_factory=dict)      # bit -> fF (pins + wire)
    slew: dict = field(default_factory=dict)      # bit -> ns
    clock_bits: set = field(default_factory=set)


def read(path, top, lib):
    m = json.load(open(path))['modules'][top]
    ports = {k: (v['direction'], v['bits']) for k, v in m['ports'].items()}
    insts = [Inst(k, c['type'], {p: (b[0] if b else None) for p, b in c['connections'].items()},
                  {p: lib['cells'][c['type']].pins[p].direction for p in c['connections']})
             for k, c in sorted(m['cells'].items())]
    nl = Netlist(top, ports, insts)
    for name, (d, bits) in ports.items():
        for b in bits:
            if isinstance(b, int):
                if d == 'input':
                    nl.driver[b] = (None, name)
                else:
                    nl.out_port_bits.add(b)
    for i, inst in enumerate(insts):
        for p, b in inst.conns.items():
            if not isinstance(b, int):
                continue
            if inst.dirs[p] == 'output':
                nl.driver[b] = (i, p)
            else:
                nl.sinks.setdefault(b, []).append((i, p))
    return nl


def annotate(nl, lib):
    """Net load = sink pin caps + wire-load-model cap; net slew = driver transition at that load."""
    cells = lib['cells']
    wl = lib['wire_loads'][lib['default_wire_load']]
    for i, inst in enumerate(nl.insts):
        c = cells[inst.type]
        if c.ff:
            nl.clock_bits.add(inst.conns[c.ff['clocked_on']])
    bits = set(nl.driver) | set(nl.sinks) | nl.out_port_bits
    for b in bits:
        sk = nl.sinks.get(b, [])
        pin_c = sum(cells[nl.insts[i].type].pins[p].cap for i, p in sk)
        fo = len(sk) + (1 if b in nl.out_port_bits else 0)
        if b in nl.clock_bits:
            # ideal clock: no tree; each sink gets a fanout-1 wire stub
            wire_c = fo * wl.cap(1)
        else:
            wire_c = wl.cap(fo)
        nl.load[b] = pin_c + wire_c
    for b in bits:
        d = nl.driver.get(b)
        if d is None or d[0] is None:
            nl.slew[b] = SLEW0
            continue
        pin = cells[nl.insts[d[0]].type].pins[d[1]]
        tr = [(t['rise_transition'].at(SLEW0, nl.load[b]) + t['fall_transition'].at(SLEW0, nl.load[b])) / 2
              for _, t in pin.timing if 'rise_transition' in t]
        nl.slew[b] = sum(tr) / len(tr) if tr else SLEW0
    return nl


def pin_delays_ps(nl, lib, i, pin):
    """(rise, fall) delay in ps of an output pin at its actual load, averaged over arcs."""
    p = lib['cells'][nl.insts[i].type].pins[pin]
    ld = nl.load.get(nl.insts[i].conns[pin], 0.0)
    arcs = [t for _, t in p.timing if 'cell_rise' in t]
    if not arcs:
        return 1, 1
    r = sum(t['cell_rise'].at(SLEW0, ld) for t in arcs) / len(arcs)
    f = sum(t['cell_fall'].at(SLEW0, ld) for t in arcs) / len(arcs)
    return max(1, round(r * 1000)), max(1, round(f * 1000))


def vexpr(func, ren=lambda s: s):
    e = func.replace('!', '~')
    return re.sub(r'\b([A-Za-z_]\w*)\b', lambda m: ren(m.group(1)), e)


def cell_models(lib, types):
    """Behavioural Verilog for each library cell used, with per-instance rise/fall delays
    (continuous-assignment delays are inertial: pulses shorter than the delay are filtered)."""
    out = ['`timescale 1ps/1ps']
    for t in sorted(types):
        c = lib['cells'][t]
        ins = [p for p in c.pins.values() if p.direction == 'input']
        outs = [p for p in c.pins.values() if p.direction == 'output']
        params = ', '.join(f'parameter R_{p.name} = 1, parameter F_{p.name} = 1' for p in outs)
        ports = ', '.join([f'input {p.name}' for p in ins] + [f'output {p.name}' for p in outs])
        out.append(f'module {t} #({params}) ({ports});')
        if c.ff:
            if set(c.ff) - {'state', 'nstate', 'next_state', 'clocked_on'}:
                raise SystemExit(f'{t}: only plain D flip-flops are modelled, got {c.ff}')
            out.append(f'  reg {c.ff["state"]} = 1\'b0;')   # power runs start from a known state
            out.append(f'  always @(posedge {c.ff["clocked_on"]}) {c.ff["state"]} <= {vexpr(c.ff["next_state"])};')
            out.append(f'  wire {c.ff["nstate"]} = ~{c.ff["state"]};')
        for p in outs:
            out.append(f'  assign #(R_{p.name}, F_{p.name}) {p.name} = {vexpr(p.function)};')
        out.append('endmodule')
    return '\n'.join(out) + '\n'


def sim_verilog(nl, lib, zero_delay=False):
    """zero_delay=True: gates switch in zero time, so no glitches; only functional toggles remain."""
    cells = lib['cells']
    ref = lambda b: f'n{b}' if isinstance(b, int) else ("1'b0" if b in ('0', None) else "1'b1")
    hdr = ', '.join(f'{d} [{len(bits)-1}:0] {name}' for name, (d, bits) in nl.ports.items())
    L = ['`timescale 1ps/1ps', f'module dut({hdr});']
    bits = sorted(set(nl.driver) | set(nl.sinks) | nl.out_port_bits)
    L += [f'  wire n{b};' for b in bits]
    for name, (d, pb) in nl.ports.items():
        for k, b in enumerate(pb):
            if d == 'input' and isinstance(b, int):
                L.append(f'  assign n{b} = {name}[{k}];')
            elif d == 'output':
                L.append(f'  assign {name}[{k}] = {ref(b)};')
    for i, inst in enumerate(nl.insts):
        c = cells[inst.type]
        prm = []
        for p, d in inst.dirs.items():
            if d == 'output' and isinstance(inst.conns[p], int):
                r, f = pin_delays_ps(nl, lib, i, p)
                if zero_delay and not c.ff:   # flops keep clock-to-Q so edge-time states stay ordered
                    r, f = 0, 0
                prm += [f'.R_{p}({r})', f'.F_{p}({f})']
        cn = ', '.join(f'.{p}({ref(b)})' for p, b in inst.conns.items()
                       if not (inst.dirs[p] == 'output' and b is None))
        L.append(f'  {inst.type} #({", ".join(prm)}) c{i} ({cn});')
    L.append('endmodule')
    return '\n'.join(L) + '\n'
