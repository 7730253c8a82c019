"""Synthetic weights drawn by blocks of rows (filters), so a sample draws only the rows it runs.

A synthetic weight tensor (k, ...) is split into blocks of ``ROWS`` filters. Each block's values
come from a generator of its own, seeded by (workload seed, layer seed, block), so a block drawn
alone (``engine.sampling`` on an FC or matmul layer) holds exactly the codes it holds in the full
tensor. Max-abs calibration needs the largest magnitude of the whole tensor before any block is
drawn, so the law is decomposed, exactly:

1. the non-zero count of each block (multivariate hypergeometric: the tensor's exact count
   ``round(density * size)`` at uniformly random positions, as ``tensors.synthetic`` places it);
2. each block's largest magnitude, from the law of the maximum of its count of draws
   (``F^-1(U^(1/n))``, with ``F`` the law of ``|x|``: ``tail_quantile``);
3. when the block is drawn: its other magnitudes from the law truncated at that maximum (by
   rejection), the maximum at a uniformly random place, a random sign for signed laws.

That is the joint law of drawing every value at once and taking their maximum, so the codes
follow the same law as ``tensors.synthetic`` (not the same random stream: weights drawn here
differ value by value from the single-stream draw activations still use). The quantization error
(mse, SQNR) is summed over the blocks drawn so far: over the whole tensor once ``codes`` is read,
over the drawn rows in a sampled run that never reads them all.
"""
from __future__ import annotations

import math
from functools import cached_property

import numpy as np

from accelsim.spec.workload import Values
from accelsim.workload import tensors

ROWS = 16           # filters per block: a sampled FC layer draws whole blocks


# -- the law of |x| and its tail quantile -----------------------------------------------------
def _abs_draws(rng: np.random.Generator, values: Values, n: int) -> np.ndarray:
    """``n`` draws of |x| (float32)."""
    return np.abs(tensors.magnitudes(rng, values, n))


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _beta_cf(a: float, b: float, x: np.ndarray, iters: int = 200) -> np.ndarray:
    """Continued fraction of the regularized incomplete beta (modified Lentz), for
    x < (a + 1) / (a + b + 2), where it converges quickly."""
    tiny = 1e-300
    c = np.ones_like(x)
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
    h = d.copy()
    for m in range(1, iters):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + num * d
            d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
            c = 1.0 + num / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            h = h * d * c
        if np.all(np.abs(d * c - 1.0) < 1e-15):
            break
    return h


def betainc(a: float, b: float, x: np.ndarray) -> np.ndarray:
    """Regularized incomplete beta I_x(a, b) for scalar a, b > 0 and x in [0, 1]."""
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    flip = x > (a + 1.0) / (a + b + 2.0)
    y = np.where(flip, 1.0 - x, x)
    out = np.empty_like(x)
    for sel, p, q in ((~flip, a, b), (flip, b, a)):
        if sel.any():
            v = y[sel]
            with np.errstate(divide="ignore"):
                front = np.exp(p * np.log(v) + q * np.log1p(-v) - _log_beta(p, q)) / p
            out[sel] = front * _beta_cf(p, q, v)
    return np.where(flip, 1.0 - out, out)


def tail(values: Values, m: np.ndarray) -> np.ndarray:
    """P(|x| > m) for the layer's value law (``tensors.magnitudes``)."""
    m = np.asarray(m, dtype=np.float64)
    d = values.dist
    if d in ("relu_normal", "half_normal", "normal"):
        return np.vectorize(math.erfc, otypes=[np.float64])(m / math.sqrt(2.0))
    if d == "laplace":
        return np.exp(-m)
    if d == "uniform":
        return np.clip(1.0 - m, 0.0, 1.0)
    if d in ("student_t", "half_t"):
        nu = float(values.dof)
        return betainc(nu / 2.0, 0.5, nu / (nu + m * m))
    raise ValueError(f"unknown distribution {d}")


def tail_quantile(values: Values, q: np.ndarray) -> np.ndarray:
    """The m with P(|x| > m) = q, for q in (0, 1): bisection on log m (the tail falls
    monotonically; 200 halvings of [e^-60, e^60] resolve m to the last bits of a float64)."""
    q = np.asarray(q, dtype=np.float64)
    if values.dist == "laplace":
        return -np.log(q)
    if values.dist == "uniform":
        return 1.0 - q
    lo, hi = np.full(q.shape, -60.0), np.full(q.shape, 60.0)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        above = tail(values, np.exp(mid)) > q        # mid is still below the quantile
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
        if np.all(hi - lo < 1e-13):
            break
    return np.exp(0.5 * (lo + hi))


def maxima(rng: np.random.Generator, values: Values, counts: np.ndarray) -> np.ndarray:
    """The largest |x| of ``counts[i]`` independent draws, one per block (0 for an empty block)."""
    counts = np.asarray(counts, dtype=np.int64)
    u = rng.random(counts.size)
    live = counts > 0
    # P(max > m) = 1 - F(m)^n: its quantile at u is the tail quantile at 1 - u^(1/n)
    q = -np.expm1(np.log(np.maximum(u[live], 1e-300)) / counts[live])
    out = np.zeros(counts.size)
    out[live] = tail_quantile(values, np.clip(q, 1e-300, 1.0 - 1e-16))
    return out


def truncated(rng: np.random.Generator, values: Values, n: int, top: np.float32) -> np.ndarray:
    """``n`` draws of |x| conditioned on |x| <= ``top`` (rejection: a block's maximum of n draws
    leaves about one draw in n to redraw)."""
    out = _abs_draws(rng, values, n)
    bad = np.flatnonzero(out > top)
    while bad.size:
        out[bad] = _abs_draws(rng, values, bad.size)
        bad = bad[out[bad] > top]
    return out


def flip_signs(x: np.ndarray, flip: np.ndarray) -> None:
    """Negate the float32 ``x`` where ``flip``, in place, by toggling the sign bit: exactly what
    ``np.negative(where=)`` gives, several times faster (its masked loop is slow)."""
    bits = flip.view(np.uint8).astype(np.uint32)
    bits <<= 31
    x.view(np.uint32)[...] ^= bits


# -- the operand ------------------------------------------------------------------------------
class RowOperand:
    """A synthetic weight operand drawn by blocks of rows on demand. ``operand()`` draws it all
    (what a full run's trace holds); a sampled run's trace holds the RowOperand itself, which
    reads like tensors.Operand (``codes``, ``signed``, ``mse``, ``sqnr_db``) and whose
    ``rows(idx)`` draws only some filters."""

    def __init__(self, seed: list[int], shape: tuple[int, ...], bits: int, values: Values):
        self.seed = list(seed)
        self.shape = tuple(shape)
        self.container = bits
        self.bits = min(values.range_bits or bits, bits)
        self.values = values
        self.signed = values.signed
        self._err = {}               # block -> (signal, noise) in code units^2, once drawn

    @property
    def row_size(self) -> int:
        return int(np.prod(self.shape[1:], dtype=np.int64))

    @property
    def blocks(self) -> int:
        return -(-self.shape[0] // ROWS)

    def identity(self) -> bytes:
        """What determines the codes: seed, shape, precision and value law."""
        return repr((self.seed, self.shape, self.container, tensors.values_text(self.values))).encode()

    @cached_property
    def _plan(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Per block: non-zero count and largest magnitude (float32); the tensor's scale."""
        rng = np.random.default_rng(self.seed + [2])
        sizes = np.diff(np.minimum(np.arange(self.blocks + 1) * ROWS, self.shape[0])) * self.row_size
        total = int(sizes.sum())
        nnz = max(1, int(round(self.values.density * total)))
        counts = (sizes if nnz == total
                  else rng.multivariate_hypergeometric(sizes, nnz, method="marginals"))
        top = maxima(rng, self.values, counts).astype(np.float32)
        top[(counts > 0) & (top == 0)] = np.float32(1e-12)     # as tensors.synthetic: never 0
        return counts, top, float(top.max())

    def _block(self, b: int, out: np.ndarray | None = None) -> np.ndarray:
        """Codes of block ``b``, (rows, ...) int32, written into ``out`` when given (the block's
        contiguous slice of the whole tensor); records its quantization error."""
        counts, top, amax = self._plan
        r0, r1 = b * ROWS, min((b + 1) * ROWS, self.shape[0])
        size = (r1 - r0) * self.row_size
        n = int(counts[b])
        rng = np.random.default_rng(self.seed + [1, b])
        x = np.empty(n, dtype=np.float32)
        if n:
            x[:n - 1] = truncated(rng, self.values, n - 1, top[b])
            at = int(rng.integers(n))                 # the maximum's place, uniformly
            x[n - 1], x[at] = x[at], top[b]
            x[x == 0] = np.float32(1e-12)
            if self.signed:
                flip_signs(x, rng.random(n, dtype=np.float32) < 0.5)
        dense = n == size
        q, signal, noise = tensors.quantize_sums(x, self.bits, self.signed, True, amax,
                                                 out=out if dense else None)
        self._err[b] = (signal, noise)
        if dense:
            return q.reshape((r1 - r0, *self.shape[1:]))
        codes = np.empty(size, dtype=np.int32) if out is None else out.reshape(size)   # a view
        codes.fill(0)
        codes[tensors.exact_mask(rng, size, n)] = q
        return codes.reshape((r1 - r0, *self.shape[1:]))

    def rows(self, idx: np.ndarray) -> np.ndarray:
        """Codes of the filters ``idx`` (any order), drawing only the blocks that hold them."""
        idx = np.asarray(idx, dtype=np.int64)
        if "codes" in vars(self):
            return self.codes[idx]
        blocks = np.unique(idx // ROWS)
        parts = [self._block(int(b)) for b in blocks]
        starts = np.cumsum([0] + [len(p) for p in parts[:-1]])
        return np.concatenate(parts)[starts[np.searchsorted(blocks, idx // ROWS)] + idx % ROWS]

    def subset(self, idx: np.ndarray) -> tensors.Operand:
        """The filters ``idx`` as an ordinary operand (error figures: the drawn blocks' so far)."""
        return tensors.Operand(self.rows(idx), self.signed, self.mse, self.sqnr_db)

    def operand(self) -> tensors.Operand:
        """The whole tensor as an ordinary operand (every block drawn, exact error figures)."""
        codes = self.codes
        return tensors.Operand(codes, self.signed, self.mse, self.sqnr_db)

    @property
    def blocks_drawn(self) -> int:
        return len(self._err)

    @property
    def drawn(self) -> bool:
        return bool(self._err)

    @cached_property
    def codes(self) -> np.ndarray:
        out = np.empty(self.shape, dtype=np.int32)
        for b in range(self.blocks):
            self._block(b, out[b * ROWS:(b + 1) * ROWS])
        return out

    # Quantization error over the blocks drawn so far: the whole tensor's once ``codes`` is
    # read, an estimate from the sampled rows otherwise (NaN before any block is drawn).
    @property
    def mse(self) -> float:
        if not self._err:
            return float("nan")
        drawn = sum(min(ROWS, self.shape[0] - b * ROWS) for b in self._err) * self.row_size
        return sum(n for _, n in self._err.values()) / drawn

    @property
    def sqnr_db(self) -> float:
        if not self._err:
            return float("nan")
        return tensors.sqnr(sum(s for s, _ in self._err.values()), sum(n for _, n in self._err.values()))
