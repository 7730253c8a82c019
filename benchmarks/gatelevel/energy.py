"""Toggle-count energy: VCD of every net bit -> energy per clock cycle.
Per rising/falling transition of net b:
  switching   C_b * V^2 on each rise (charge drawn from the supply; nothing on a fall),
  driver      output-pin internal energy (Liberty rise_power/fall_power at the cell's
              related-input slew and net load, averaged over related pins and `when` states),
  sinks       input-pin internal ("hidden") energy of every sink pin at the net slew.
Bucketed as clock / flip-flop internal / primary-input nets / logic."""
import re
from collections import defaultdict


def _when_fn(expr):
    """Liberty boolean `when` -> predicate over {pin: 0/1}."""
    if not expr:
        return None
    py = re.sub(r'\b([A-Za-z_]\w*)\b', lambda m: f"v[{m.group(1)!r}]", expr)
    py = py.replace('!', ' not ').replace('&', ' and ').replace('|', ' or ').replace('^', ' != ')
    return eval('lambda v: bool(' + py + ')')


class Pricer:
    """Event-driven pricing of a VCD. State-dependent Liberty power groups are chosen the
    way event-based power tools do: the related pin is the instance input that changed
    last, and `when` is evaluated on the instance's current pin values."""

    def __init__(self, nl, lib):
        self.nl, self.lib = nl, lib
        cells = lib['cells']
        self.V = lib['voltage']
        self.is_ff = [bool(cells[i.type].ff) for i in nl.insts]
        self.when = {}
        for t in {i.type for i in nl.insts}:
            for p in cells[t].pins.values():
                for k, g in enumerate(p.power):
                    self.when[(t, p.name, k)] = _when_fn(g[1])
        self.val = {}
        self.last = {}
        self.cache = {}
        self.E = defaultdict(float)

    def pins_now(self, i):
        inst = self.nl.insts[i]
        v = {p: self.val.get(b, 0) if isinstance(b, int) else int(b == '1') for p, b in inst.conns.items()}
        ff = self.lib['cells'][inst.type].ff
        if ff:   # unconnected Q/QN of a flop: complement of the connected one
            if v.get('QN') is None and 'Q' in v:
                v['QN'] = 1 - v['Q']
            if v.get('Q') is None and 'QN' in v:
                v['Q'] = 1 - v['QN']
        return v

    def group_energy(self, i, pin, rising, groups_idx, slew_of, load):
        key = (i, pin, rising, groups_idx)
        e = self.cache.get(key)
        if e is None:
            p = self.lib['cells'][self.nl.insts[i].type].pins[pin]
            es = []
            for k in groups_idx:
                rel, _w, rt, ft = p.power[k]
                t = rt if rising else ft
                if t is None:
                    continue
                es.append(t.at(slew_of(rel), load) if t.i2 else t.at(slew_of(rel)))
            e = sum(es) / len(es) if es else 0.0
            self.cache[key] = e
        return e

    def select(self, i, pin, related=None):
        """Indices of the power groups of (instance i, pin) that apply now."""
        inst = self.nl.insts[i]
        p = self.lib['cells'][inst.type].pins[pin]
        cand = [k for k, g in enumerate(p.power) if related is None or g[0] == related or not g[0]]
        if not cand:
            cand = list(range(len(p.power)))
        v = None
        hit = []
        for k in cand:
            fn = self.when[(inst.type, pin, k)]
            if fn is None:
                hit.append(k)
                continue
            if v is None:
                v = self.pins_now(i)
            try:
                if fn(v):
                    hit.append(k)
            except KeyError:
                hit.append(k)
        return tuple(hit or cand)

    def event(self, b, rising, t, count):
        nl = self.nl
        if count:
            clock = b in nl.clock_bits
            drv = nl.driver.get(b)
            if rising:
                sw = nl.load.get(b, 0.0) * self.V * self.V
                self.E['clock' if clock else 'inputs' if drv is None or drv[0] is None else 'logic'] += sw
            if drv is not None and drv[0] is not None:
                i, pin = drv
                inst = nl.insts[i]
                ins = [(self.last.get(bb, -1), p) for p, bb in inst.conns.items()
                       if inst.dirs[p] == 'input' and isinstance(bb, int)]
                related = max(ins)[1] if ins else None
                gi = self.select(i, pin, related)
                slew_of = lambda rel, inst=inst: nl.slew.get(inst.conns.get(rel), 0.02) \
                    if isinstance(inst.conns.get(rel), int) else 0.02
                e = self.group_energy(i, pin, rising, gi, slew_of, nl.load.get(b, 0.0))
                self.E['ff_internal' if self.is_ff[i] else 'logic'] += e
            for i, pin in nl.sinks.get(b, []):
                p = self.lib['cells'][nl.insts[i].type].pins[pin]
                if not p.power:
                    continue
                gi = self.select(i, pin)
                e = self.group_energy(i, pin, rising, gi, lambda rel: nl.slew.get(b, 0.02), 0.0)
                self.E['clock' if clock else 'ff_internal' if self.is_ff[i] else 'logic'] += e
        self.val[b] = 1 if rising else 0
        self.last[b] = t


def price_vcd(nl, lib, path, t0, t1, cycles, period):
    """fJ per cycle by bucket (at the library voltage), toggles per cycle, and the glitch
    split: on nets driven by cells, all toggles vs functional toggles (value at the end of
    a cycle differs from the previous cycle's end; samples at t0 + k*period)."""
    pr = Pricer(nl, lib)
    ids = {}
    t = 0
    toggles = 0
    cell_net_toggles = 0
    functional = 0
    sampled = None
    changed = set()
    next_sample = t0
    driven = {b for b, d in nl.driver.items() if d[0] is not None and b not in nl.clock_bits}

    def sample():
        nonlocal sampled, functional
        if sampled is None:
            sampled = {b: pr.val.get(b) for b in driven}
        else:
            for b in changed:
                if b in driven and pr.val.get(b) != sampled[b]:
                    functional += 1
                    sampled[b] = pr.val.get(b)
        changed.clear()

    with open(path) as f:
        for line in f:
            if line.startswith('$var'):
                p = line.split()
                if p[2] == '1' and p[4].startswith('n') and p[4][1:].isdigit():
                    ids[p[3]] = int(p[4][1:])
                continue
            if not line or line[0] == '$':
                continue
            c = line[0]
            if c == '#':
                nt = int(line[1:])
                while nt > next_sample and next_sample <= t1:   # state at next_sample is final
                    sample()
                    next_sample += period
                t = nt
                continue
            if c in '01xz':
                b = ids.get(line[1:].strip())
                if b is None:
                    continue
                old = pr.val.get(b)
                if c in '01' and old is not None and old == int(c):
                    continue
                if c not in '01':
                    pr.val.pop(b, None); continue
                count = t0 < t <= t1 and old is not None
                toggles += count
                if count and b in driven:
                    cell_net_toggles += 1
                changed.add(b)
                pr.event(b, c == '1', t, count)
    while next_sample <= t1:
        sample(); next_sample += period
    return {k: v / cycles for k, v in pr.E.items()}, toggles / cycles, \
        cell_net_toggles / cycles, functional / cycles


def leakage_nw(nl, lib):
    return sum(lib['cells'][i.type].leakage_nw for i in nl.insts)


def area(nl, lib):
    a = defaultdict(float)
    for i in nl.insts:
        c = lib['cells'][i.type]
        a['ff' if c.ff else 'logic'] += c.area
    return dict(a)
