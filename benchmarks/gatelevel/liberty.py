"""Minimal Liberty reader: just what the toggle-energy estimate needs (area, leakage,
pin caps, functions, timing and internal-power tables) for the cells a netlist uses."""
import bisect, pickle, re, os
from dataclasses import dataclass, field

TOK = re.compile(r'/\*.*?\*/|"(?:[^"\\]|\\.)*"|[{}();:,]|\\\n|[^\s{}();:,"]+', re.S)


def tokenize(text):
    for m in TOK.finditer(text):
        t = m.group(0)
        if t.startswith('/*') or t == '\\\n':
            continue
        yield t


@dataclass
class Group:
    kind: str
    args: list
    attrs: dict = field(default_factory=dict)
    children: list = field(default_factory=list)

    def sub(self, kind):
        return [c for c in self.children if c.kind == kind]


def parse(text):
    toks = list(tokenize(text))
    pos = 0

    def group_body(g):
        nonlocal pos
        while True:
            t = toks[pos]
            if t == '}':
                pos += 1
                return g
            name = t
            pos += 1
            if toks[pos] == ':':
                pos += 1
                vals = []
                while toks[pos] != ';' and toks[pos] != '}':
                    vals.append(toks[pos]); pos += 1
                if toks[pos] == ';':
                    pos += 1
                g.attrs[name] = ' '.join(v.strip('"') for v in vals)
            elif toks[pos] == '(':
                pos += 1
                args = []
                while toks[pos] != ')':
                    if toks[pos] != ',':
                        args.append(toks[pos].strip('"'))
                    pos += 1
                pos += 1
                if pos < len(toks) and toks[pos] == '{':
                    pos += 1
                    child = Group(name, args)
                    g.children.append(group_body(child))
                else:
                    if pos < len(toks) and toks[pos] == ';':
                        pos += 1
                    g.attrs.setdefault(name, []).append(args) if isinstance(g.attrs.get(name, []), list) else None
            else:
                raise ValueError(f'liberty parse error near token {pos}: {toks[pos-3:pos+3]}')

    assert toks[0] == 'library'
    pos = 1
    while toks[pos] != '{':
        pos += 1
    pos += 1
    return group_body(Group('library', []))


@dataclass
class Table:
    i1: list
    i2: list   # empty for 1-D tables
    v: list    # rows over i1, columns over i2

    def at(self, x, y=0.0):
        def seg(idx, q):
            if len(idx) == 1:
                return 0, 0, 0.0
            k = min(max(bisect.bisect_left(idx, q) - 1, 0), len(idx) - 2)
            f = (q - idx[k]) / (idx[k + 1] - idx[k])
            return k, k + 1, min(max(f, 0.0), 1.0)   # clamp: no extrapolation
        a0, a1, fa = seg(self.i1, x)
        if not self.i2:
            row = [r[0] for r in self.v]
            return row[a0] + (row[a1] - row[a0]) * fa
        b0, b1, fb = seg(self.i2, y)
        v = self.v
        top = v[a0][b0] + (v[a0][b1] - v[a0][b0]) * fb
        bot = v[a1][b0] + (v[a1][b1] - v[a1][b0]) * fb
        return top + (bot - top) * fa


def _table(g):
    nums = lambda s: [float(x) for x in s.replace('\\', '').split(',') if x.strip()]
    i1 = nums(g.attrs['index_1'][0][0]) if 'index_1' in g.attrs else [0.0]
    i2 = nums(g.attrs['index_2'][0][0]) if 'index_2' in g.attrs else []
    rows = [nums(r) for r in g.attrs['values'][0]]
    if not i2:
        rows = [[x] for x in rows[0]] if len(rows) == 1 else rows
    return Table(i1, i2, rows)


@dataclass
class Pin:
    name: str
    direction: str
    cap: float = 0.0
    function: str = ''
    power: list = field(default_factory=list)    # (related_pin, when, rise Table, fall Table)
    timing: list = field(default_factory=list)   # (related_pin, {cell_rise,..: Table})


@dataclass
class Cell:
    name: str
    area: float
    leakage_nw: float
    pins: dict
    ff: dict   # {} for combinational; else next_state, clocked_on, state names


def cells_from(lib):
    out = {}
    for c in lib.sub('cell'):
        pins = {}
        for p in c.sub('pin'):
            pin = Pin(p.args[0], p.attrs.get('direction', ''), float(p.attrs.get('capacitance', 0) or 0),
                      p.attrs.get('function', ''))
            for ip in p.sub('internal_power'):
                r = ip.sub('rise_power'); f = ip.sub('fall_power')
                pin.power.append((ip.attrs.get('related_pin', ''), ip.attrs.get('when', ''),
                                  _table(r[0]) if r else None, _table(f[0]) if f else None))
            for t in p.sub('timing'):
                tabs = {k.kind: _table(k) for k in t.children
                        if k.kind in ('cell_rise', 'cell_fall', 'rise_transition', 'fall_transition')}
                if tabs:
                    pin.timing.append((t.attrs.get('related_pin', ''), tabs))
            pins[pin.name] = pin
        ff = {}
        for f in c.sub('ff'):
            ff = dict(state=f.args[0], nstate=f.args[1], **f.attrs)
        out[c.args[0]] = Cell(c.args[0], float(c.attrs.get('area', 0)),
                              float(c.attrs.get('cell_leakage_power', 0)), pins, ff)
    return out


@dataclass
class WireLoad:
    cap_per_len: float
    slope: float
    fanout_length: list

    def cap(self, fanout):
        """Liberty wire-load semantics: table lookup, linear extrapolation by slope beyond the table."""
        if fanout <= 0:
            return 0.0
        pts = self.fanout_length
        for fo, ln in pts:
            if fo == fanout:
                return ln * self.cap_per_len
        if fanout > pts[-1][0]:
            return (pts[-1][1] + self.slope * (fanout - pts[-1][0])) * self.cap_per_len
        for (f0, l0), (f1, l1) in zip(pts, pts[1:]):
            if f0 < fanout < f1:
                return (l0 + (l1 - l0) * (fanout - f0) / (f1 - f0)) * self.cap_per_len
        return pts[0][1] * self.cap_per_len


def load(path):
    cache = path + '.pickle'
    if os.path.exists(cache) and os.path.getmtime(cache) > os.path.getmtime(path):
        with open(cache, 'rb') as f:
            return pickle.load(f)
    lib = parse(open(path).read())
    cells = cells_from(lib)
    wl = {}
    for w in lib.sub('wire_load'):
        fl = [(int(float(a[0])), float(a[1])) for a in w.attrs.get('fanout_length', [])]
        wl[w.args[0]] = WireLoad(float(w.attrs['capacitance']), float(w.attrs['slope']), fl)
    res = dict(cells=cells, wire_loads=wl, default_wire_load=lib.attrs.get('default_wire_load', ''),
               voltage=float(lib.attrs.get('nom_voltage', 0)))
    with open(cache, 'wb') as f:
        pickle.dump(res, f)
    return res
