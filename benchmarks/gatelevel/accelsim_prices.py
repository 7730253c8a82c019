"""accelsim's own 45 nm prices (0.9 V) for the parts of the units synthesized here, read
through its price functions (run with the project's environment):
  python accelsim_prices.py  -> out/accelsim_prices.json
Parts follow the RTL in rtl/, not accelsim's inventories (which add a product pipeline
register to the IP, share activation latches per tile, and add a clock tree)."""
import json
from accelsim.cost import price
from accelsim.cost.parts import part

PJ, UM2 = 1e-12, 1e-12


def one(cls, **a):
    pr = price.CLASSES[cls](part(cls, 1, **a))
    return {k: v / PJ for k, v in pr.energy.items()}, pr.area / UM2


def unit(parts):
    e = sum(sum(en.values()) * n for (en, _a), n in parts)
    a = sum(ar * n for (_e, ar), n in parts)
    return dict(pj_per_cycle=e, area_um2=a)


ff = lambda bits: one('flipflop', bits=bits)
res = {
    'flop_bit': dict(zip(('pj_per_cycle', 'area_um2'), (sum(ff(1)[0].values()), ff(1)[1]))),
    'clock_tree_over_flop': price.tables.value('clock_tree_over_flop') if hasattr(price, 'tables') else None,
    # IP as in rtl/dadn_ip.v: 16 mults, 16-input tree of 32-bit values, 32-bit accumulate, 544 flop bits
    'dadn_ip': unit([(one('int_mult', a_bits=16, b_bits=16), 16), (one('adder_tree', inputs=16, bits=32), 1),
                     (one('int_add', bits=32), 1), (ff(512 + 32), 1)]),
    # SIP as in rtl/stripes_sip.v: 256 AND bits, 16-input tree of 16-bit (accelsim's widths),
    # 32-bit shift-accumulate add, 256 weight + 16 act + 4 counter + 32 acc flop bits
    'stripes_sip': unit([(one('bitwise', bits=256), 1), (one('adder_tree', inputs=16, bits=16), 1),
                         (one('int_add', bits=32), 1), (ff(256 + 16 + 4 + 32), 1)]),
    'stripes_sip_weights_not_clocked': unit([(one('bitwise', bits=256), 1), (one('adder_tree', inputs=16, bits=16), 1),
                                             (one('int_add', bits=32), 1), (ff(16 + 4 + 32), 1)]),
}
json.dump(res, open('out/accelsim_prices.json', 'w'), indent=1)
print(json.dumps(res, indent=1))
