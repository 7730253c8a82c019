"""A trace's key (the identity simulate() and sampling use) hashes the operand codes in place:
no whole copy of them (``tobytes`` of VGG-19 fc6's weights was a second 400 MB), the same digest
as before for the same content, a different one for different content."""
import hashlib
import tracemalloc

import numpy as np

from accelsim.spec.workload import load_workload
from accelsim.workload import tensors
from accelsim.workload.trace import LayerTrace
from support import ROOT


def _layer():
    return load_workload(ROOT / "tests/data/tiny.yaml").layers[3]      # fc 400 -> 30


def _trace(act: np.ndarray, wgt: np.ndarray) -> LayerTrace:
    op = lambda codes: tensors.Operand(codes, True, 40.0, 40.0)    # noqa: E731
    return LayerTrace(_layer(), op(act), op(wgt))


def _old_key(t: LayerTrace) -> str:
    """The key as it was defined (full ``tobytes`` copies): keys stored by earlier runs and the
    sampling seeds drawn from them must not change."""
    h = hashlib.blake2b(digest_size=16)
    lay = t.layer
    h.update(repr((lay.kind.value, lay.shape, lay.act_bits, lay.wgt_bits, t.act.signed,
                   t.wgt.signed)).encode())
    h.update(np.ascontiguousarray(t.act.codes).tobytes())
    h.update(np.ascontiguousarray(t.wgt.codes).tobytes())
    return h.hexdigest()


def test_key_is_unchanged_for_contiguous_and_strided_codes():
    rng = np.random.default_rng(0)
    act = rng.integers(-128, 128, size=(1, 400, 1, 1), dtype=np.int32)
    wgt = rng.integers(-128, 128, size=(30, 400, 1, 1), dtype=np.int32)
    t = _trace(act, wgt)
    assert t.key == _old_key(t)
    strided = np.asfortranarray(wgt)                     # same values, another memory layout
    assert not strided.flags.c_contiguous
    assert _trace(act, strided).key == t.key
    other = wgt.copy()
    other[29, 399, 0, 0] ^= 1                            # one bit of the last weight
    assert _trace(act, other).key != t.key
    assert _trace(act[:, ::-1].copy(), wgt).key != t.key


def test_strided_arrays_hash_in_blocks_like_their_bytes():
    from accelsim.workload.trace import hash_array
    a = np.arange(5 * 7 * 3, dtype=np.int32).reshape(5, 7, 3).transpose(1, 0, 2)[:, ::2]
    h, ref = hashlib.blake2b(), hashlib.blake2b(a.tobytes())
    hash_array(h, a)
    assert h.digest() == ref.digest()


def _hashing_peak(wgt: np.ndarray) -> int:
    """Bytes allocated while a trace over ``wgt`` computes its key."""
    t = _trace(np.zeros((1, 4), np.int32), wgt)
    tracemalloc.start()
    try:
        assert t.key
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_key_does_not_copy_the_weights():
    wgt = np.arange(8 << 20, dtype=np.int32).reshape(8 << 10, 1 << 10)   # 32 MiB of codes
    peak = _hashing_peak(wgt)
    assert peak < wgt.nbytes / 8, f"hashing allocated {peak / 2**20:.1f} MiB"
    peak = _hashing_peak(np.asfortranarray(wgt))             # hashed by blocks, not whole
    assert peak < wgt.nbytes / 4, f"hashing allocated {peak / 2**20:.1f} MiB"
