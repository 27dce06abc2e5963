"""The DAS erasure code (docs/spec/das.md §3.3), written from the spec alone.

A slow but simple reference: the code is defined as polynomial evaluation over a binary
field (DAS-EC-1 .. DAS-EC-9), so encoding and decoding are both Lagrange interpolation.
No FFT is needed.  The result is bit-identical to Leopard Reed-Solomon as used by
Celestia's rsmt2d (klauspost/reedsolomon with WithLeopardGF), i.e. to the Rust crates
`leopard-codec 0.2.0` (GF(2^8), k <= 128) and `reed-solomon-simd 3.1.0` (GF(2^16), k >= 129).

Summary of the code (k data shards -> k parity shards, every shard L bytes, L % 64 == 0):

- field_for(k): GF(2^8) when 2k <= 256, else GF(2^16)                      (DAS-EC-2)
- field element x (an 8- or 16-bit integer) stands for  phi(x) = XOR of beta_b over the
  set bits b of x, in GF(2)[z]/(p); + is XOR, * is phi^-1(phi(a)*phi(b))   (DAS-EC-1)
- a shard is a sequence of symbols: its bytes (GF8) or, per 64-byte block,
  word i = block[i] | block[32+i] << 8 for i < 32 (GF16)                   (DAS-EC-4)
- m = smallest power of two >= k.  For each symbol position, P is the unique polynomial of
  degree < m with P(m+i) = data_i for i < k and P(m+i) = 0 for k <= i < m;
  parity_j = P(j) for j < k.                                                (DAS-EC-5)

Run `python3 orsma_das_codec.py` for the self-test against the ground-truth hashes of
docs/adr/0005-das-erasure-codec.md, rsmt2d's TestComputeExtendedDataSquare vectors and the
real Celestia square in impl/das/tests/data (about 15 s; `--eds` adds the k = 128 whole-square
hash, about 2 more minutes, `--eds256` the k = 256 one, about 15 more minutes).
Standard library only.
"""

import hashlib
import os
import random
import time

# --- Fields (DAS-EC-1) -------------------------------------------------------------

# GF(2^8): polynomial z^8+z^4+z^3+z^2+1, Cantor basis given in the polynomial basis.
GF8_POLY = 0x11D
GF8_BASIS = [1, 214, 152, 146, 86, 200, 88, 230]

# GF(2^16): polynomial z^16+z^5+z^3+z^2+1.
GF16_POLY = 0x1002D
GF16_BASIS = [0x0001, 0xACCA, 0x3C0E, 0x163E, 0xC582, 0xED2E, 0x914C, 0x4012,
              0x6C98, 0x10D8, 0x6A72, 0xB900, 0xFDB8, 0xFB34, 0xFF38, 0x991E]


def poly_mul(a, b, poly, bits):
    """Carry-less product of a and b reduced modulo `poly`: the field product in the
    polynomial basis (bit b of an integer is the coefficient of z^b)."""
    r = 0
    while b:
        if b & 1:
            r ^= a
        b >>= 1
        a <<= 1
        if a >> bits:
            a ^= poly
    return r


def to_poly(x, basis):
    """phi(x): the field element that symbol x stands for, in the polynomial basis."""
    r = 0
    b = 0
    while x:
        if x & 1:
            r ^= basis[b]
        x >>= 1
        b += 1
    return r


class Field:
    """GF(2^bits) in Leopard's representation: symbol x stands for phi(x).

    log[x] / exp[e] are built as DAS-EC-1.3 says: exp[e] is the symbol whose element is
    z^e (z = the polynomial-basis element 0x02, a generator), log is its inverse.  Addition
    of symbols is XOR because phi is linear over GF(2).
    """

    def __init__(self, name, bits, poly, basis):
        self.name, self.bits, self.poly, self.basis = name, bits, poly, basis
        self.order = 1 << bits
        self.modulus = self.order - 1
        n = self.order
        # to_p[x] = phi(x) (DAS-EC-1.1), from_p[phi(x)] = x (raises if not a basis)
        to_p = [0] * n
        for i in range(bits):  # to_p[j + 2^i] = to_p[j] ^ basis[i], exactly as Leopard builds it
            w = 1 << i
            for j in range(w):
                to_p[j + w] = to_p[j] ^ basis[i]
        from_p = [-1] * n
        for x, p in enumerate(to_p):
            from_p[p] = x
        if -1 in from_p:
            raise ValueError("basis is not linearly independent")
        self.to_p = to_p
        # exp[e] = phi^-1(z^e), log[phi^-1(z^e)] = e, for e in [0, 2^bits - 1)
        exp = [0] * self.modulus
        log = [0] * n
        state = 1
        for e in range(self.modulus):
            x = from_p[state]
            exp[e] = x
            log[x] = e
            state <<= 1
            if state >> bits:
                state ^= poly
        if state != 1 or len(set(exp)) != self.modulus:
            raise ValueError("z does not generate the multiplicative group")
        log[0] = None
        self.exp, self.log = exp, log
        # Lookup helpers for bulk multiplication (see apply_matrix): log_ext[0] = LOG0, and
        # exp_ext[a + b] = exp[(a + b) mod (2^bits - 1)] for a, b < 2^bits - 1, and 0 when
        # b = LOG0 (a product with 0).
        self.LOG0 = 2 * self.modulus
        self.exp_ext = exp + exp + [0] * (self.modulus + 1)
        self.log_ext = [self.LOG0] + log[1:]

    # Scalar arithmetic (used to build coefficient matrices).
    def mul(self, a, b):
        if a == 0 or b == 0:
            return 0
        return self.exp[(self.log[a] + self.log[b]) % self.modulus]

    def inv(self, a):
        if a == 0:
            raise ZeroDivisionError("inverse of 0")
        return self.exp[(-self.log[a]) % self.modulus]

    def mul_direct(self, a, b):
        """The same product computed from the definition (DAS-EC-1.2), without tables."""
        p = poly_mul(to_poly(a, self.basis), to_poly(b, self.basis), self.poly, self.bits)
        return self._from_poly(p)

    def _from_poly(self, p):
        # Solve phi(x) = p by Gaussian elimination over GF(2) (bits x bits), no tables.
        rows = [(self.basis[b], 1 << b) for b in range(self.bits)]
        x = 0
        for bit in reversed(range(self.bits)):
            piv = next((r for r in rows if r[0] >> bit & 1), None)
            if piv is None:
                continue
            rows.remove(piv)
            rows = [(r[0] ^ piv[0], r[1] ^ piv[1]) if r[0] >> bit & 1 else r for r in rows]
            if p >> bit & 1:
                p ^= piv[0]
                x ^= piv[1]
        assert p == 0
        return x


GF8 = Field("GF(2^8)", 8, GF8_POLY, GF8_BASIS)
GF16 = Field("GF(2^16)", 16, GF16_POLY, GF16_BASIS)


def gf8_mul(a, b):
    """Product of two GF(2^8) symbols (bytes)."""
    return GF8.mul(a, b)


def gf16_mul(a, b):
    """Product of two GF(2^16) symbols (16-bit words)."""
    return GF16.mul(a, b)


def field_for(k):
    """DAS-EC-2: GF(2^8) when the codeword has at most 256 shards (2k <= 256), else GF(2^16)."""
    if k < 1:
        raise ValueError("k must be >= 1")
    if 2 * k <= 256:
        return GF8
    if 2 * k <= 65536:
        return GF16
    raise ValueError("k too large")


# --- Shards <-> symbols (DAS-EC-4) ---------------------------------------------------

def check_len(n):
    if n == 0 or n % 64:
        raise ValueError(f"shard length {n} is not a positive multiple of 64")


def to_symbols(F, shard):
    """A shard's symbols: its bytes (GF8); per 64-byte block, word i = lo | hi << 8 with
    lo = block[i], hi = block[32 + i], i < 32 (GF16)."""
    check_len(len(shard))
    if F.bits == 8:
        return list(shard)
    out = []
    for o in range(0, len(shard), 64):
        lo, hi = shard[o:o + 32], shard[o + 32:o + 64]
        out.extend(a | b << 8 for a, b in zip(lo, hi))
    return out


def from_symbols(F, syms):
    if F.bits == 8:
        return bytes(syms)
    out = bytearray()
    for o in range(0, len(syms), 32):
        blk = syms[o:o + 32]
        out += bytes(w & 0xFF for w in blk)
        out += bytes(w >> 8 for w in blk)
    return bytes(out)


# --- Evaluation points (DAS-EC-5) ----------------------------------------------------

def pow2_ceil(k):
    m = 1
    while m < k:
        m <<= 1
    return m


def point(k, s):
    """Evaluation point (a field symbol) of codeword shard s in [0, 2k): data shard s at
    m + s, parity shard s - k at s - k."""
    m = pow2_ceil(k)
    return m + s if s < k else s - k


def pad_points(k):
    """The m - k points where P is forced to 0 (empty when k is a power of two)."""
    m = pow2_ceil(k)
    return list(range(m + k, 2 * m))


# --- Lagrange interpolation ------------------------------------------------------------

def lagrange_matrix(F, nodes, n_used, targets):
    """C[t][i] = L_i(targets[t]) for i < n_used, where L_i is the Lagrange basis polynomial
    of `nodes` (L_i(nodes[i]) = 1, L_i(nodes[l]) = 0 for l != i, degree < len(nodes)).
    So if P has degree < len(nodes) and P(nodes[i]) = 0 for i >= n_used, then
    P(targets[t]) = sum_i C[t][i] * P(nodes[i]).  Targets must not be nodes.

    Barycentric form: L_i(x) = Z(x) * w_i / (x - y_i), Z(x) = prod_l (x - y_l),
    w_i = 1 / prod_{l != i} (y_i - y_l).  In characteristic 2, x - y = x + y = x XOR y."""
    mul, inv = F.mul, F.inv
    w = []
    for i in range(n_used):
        d = 1
        yi = nodes[i]
        for l, yl in enumerate(nodes):
            if l != i:
                d = mul(d, yi ^ yl)
        w.append(inv(d))
    C = []
    for x in targets:
        z = 1
        for yl in nodes:
            z = mul(z, x ^ yl)
        C.append([mul(mul(z, w[i]), inv(x ^ nodes[i])) for i in range(n_used)])
    return C


def apply_matrix(F, C, cols):
    """rows[t] = XOR_i C[t][i] * cols[i], symbol by symbol (cols: lists of symbols).
    Multiplication by table lookup: c * x = exp[log c + log x]."""
    exp_ext, log_ext = F.exp_ext, F.log_ext
    logcols = [[log_ext[x] for x in col] for col in cols]
    n = len(cols[0]) if cols else 0
    out = []
    for row in C:
        acc = [0] * n
        for c, lx in zip(row, logcols):
            if c:
                lc = F.log[c]
                acc = [a ^ exp_ext[lc + l] for a, l in zip(acc, lx)]
        out.append(acc)
    return out


_ENC_CACHE = {}


def encode_matrix(k):
    """The k x k parity matrix G: parity_j = XOR_i G[j][i] * data_i (DAS-EC-6)."""
    if k not in _ENC_CACHE:
        F = field_for(k)
        nodes = [point(k, i) for i in range(k)] + pad_points(k)
        targets = [point(k, k + j) for j in range(k)]
        _ENC_CACHE[k] = lagrange_matrix(F, nodes, k, targets)
    return _ENC_CACHE[k]


# --- Public API ---------------------------------------------------------------------------

def encode(data_shards):
    """k data shards (equal length, a multiple of 64 bytes) -> the k parity shards."""
    k = len(data_shards)
    if k == 0:
        raise ValueError("no data shards")
    n = len(data_shards[0])
    if any(len(s) != n for s in data_shards):
        raise ValueError("shards of different lengths")
    check_len(n)
    F = field_for(k)
    cols = [to_symbols(F, bytes(s)) for s in data_shards]
    return [from_symbols(F, row) for row in apply_matrix(F, encode_matrix(k), cols)]


def decode(shards):
    """shards: the 2k codeword shards in order (data 0..k-1, then parity 0..k-1), missing
    ones as None.  Returns all 2k shards.  The missing ones are computed from the first k
    present shards (DAS-EC-8); present shards are returned unchanged.  If the present
    shards are not one codeword, the result depends on which k are used: use
    `is_codeword` to check."""
    if len(shards) % 2 or not shards:
        raise ValueError("need an even, non-zero number of shard slots")
    k = len(shards) // 2
    present = [s for s, v in enumerate(shards) if v is not None]
    if len(present) < k:
        raise ValueError(f"only {len(present)} shards present, {k} needed")
    n = len(shards[present[0]])
    if any(len(shards[s]) != n for s in present):
        raise ValueError("shards of different lengths")
    check_len(n)
    missing = [s for s, v in enumerate(shards) if v is None]
    if not missing:
        return [bytes(v) for v in shards]
    F = field_for(k)
    use = present[:k]
    nodes = [point(k, s) for s in use] + pad_points(k)
    C = lagrange_matrix(F, nodes, k, [point(k, s) for s in missing])
    rows = apply_matrix(F, C, [to_symbols(F, bytes(shards[s])) for s in use])
    out = [None if v is None else bytes(v) for v in shards]
    for s, row in zip(missing, rows):
        out[s] = from_symbols(F, row)
    return out


def is_codeword(shards):
    """True when all 2k shards (none missing) form one codeword."""
    k = len(shards) // 2
    return list(shards[k:]) == encode(list(shards[:k]))


def extend_square(ods, k):
    """rsmt2d's extension of a row-major k x k square into the 2k x 2k EDS (row-major):
    Q1 from the original rows, Q2 from the original columns, Q3 from rows k..2k-1."""
    eds = [[None] * (2 * k) for _ in range(2 * k)]
    for r in range(k):
        for c in range(k):
            eds[r][c] = ods[r * k + c]
    for r in range(k):
        eds[r][k:] = encode(eds[r][:k])
    for c in range(k):
        col = encode([eds[r][c] for r in range(k)])
        for r in range(k):
            eds[k + r][c] = col[r]
    for r in range(k, 2 * k):
        eds[r][k:] = encode(eds[r][:k])
    return eds


# --- Self-test ------------------------------------------------------------------------------

# docs/adr/0005-das-erasure-codec.md, "Deterministic single encode": SHA-256 over the k
# parity shards; data shard i byte j = (i*31 + j*7 + 1) mod 256, 512-byte shards.
ADR_PARITY_HASHES = {
    4: "048c89523b1790c1af413ca3a2ebef7ca88c0b2ffb94efcd35f0e22819fd48f7",
    64: "c32e0e7024c3ecdea3c6c48e0a089c420e2d31d29c16fe577cb65a4694f9019e",
    128: "b2ee996f1fc4c39656c48681a404eab0c28364a054791e6b0fa7cf9e18d6bd67",
    129: "4b98ef8dacda87ef01f16e4d5516dd21564478ac06dda89c941bbdb5bb94c9dc",
    256: "7c4aaac30b8b96e58a10a9b4d7e26b7e0e29191a98829da7d5c5ed20746a9620",
    512: "b15fcb5be0488277cf31b2b079b95c0b72f366558d6a116f7a1d0fbcc5763745",
}
# Same ADR, "Full EDS of a deterministic ODS": ODS share (r, c) uses i = r*k + c.
ADR_EDS_HASHES = {
    128: "f9c8b2f2d985f0ad43f3cdf39eb3c7c01094a2627daf16f33a5760a02b6c7080",
    256: "e138730f22fbd388e6f09c9730e87690419af98cdfa986ecfbb986d4969df7d4",
}

# SHA-256 of a real Celestia EDS (k = 4, 8 x 8 shares of 512 bytes, row-major): lumina's
# types/test_data/shwap_samples/eds.json, copied to impl/das/tests/data/celestia_eds_k4.bin.
CELESTIA_EDS_K4_SHA256 = "075c0950d4f7ce29191617bae71bd5cf3b41f1f7128bf510519d1a7d527f0098"


def det_shard(i, size=512):
    return bytes((i * 31 + j * 7 + 1) % 256 for j in range(size))


def _check(cond, what):
    print(("  ok   " if cond else "  FAIL ") + what)
    if not cond:
        raise SystemExit(1)


def self_test(eds_ks=()):
    t_all = time.perf_counter()

    print("fields (DAS-EC-1):")
    t = time.perf_counter()
    for F in (GF8, GF16):
        # Cantor basis property: beta_0 = 1 and beta_i^2 + beta_i = beta_{i-1} (i.e.
        # symbol 2^i squared XOR 2^i equals symbol 2^(i-1)).
        ok = F.to_p[1] == 1 and all(
            F.mul(1 << i, 1 << i) ^ (1 << i) == 1 << (i - 1) for i in range(1, F.bits))
        _check(ok, f"{F.name}: beta_0 = 1, beta_i^2 + beta_i = beta_(i-1)")
    ok = all(GF8.mul(a, b) == GF8.mul_direct(a, b) for a in range(256) for b in range(256))
    _check(ok, "GF(2^8): table product == definition product, all 65536 pairs")
    rng = random.Random(1)
    pairs = [(rng.randrange(65536), rng.randrange(65536)) for _ in range(2000)]
    ok = all(GF16.mul(a, b) == GF16.mul_direct(a, b) for a, b in pairs)
    _check(ok, "GF(2^16): table product == definition product, 2000 random pairs")
    _check(GF8.mul(2, 2) == 3 and GF8.mul(3, 2) == 1, "GF(2^8): 2*2 = 3, 3*2 = 1")
    print(f"  ({time.perf_counter() - t:.2f} s)")

    print("rsmt2d TestComputeExtendedDataSquare (512-byte constant shares):")
    c = lambda v: bytes([v]) * 512  # noqa: E731
    eds = extend_square([c(1)], 1)
    _check(eds == [[c(1), c(1)], [c(1), c(1)]], "1x1 -> [[1,1],[1,1]]")
    eds = extend_square([c(1), c(2), c(3), c(4)], 2)
    want = [[1, 2, 0, 3], [3, 4, 8, 15], [2, 11, 13, 4], [0, 13, 5, 8]]
    _check(eds == [[c(v) for v in row] for row in want],
           "2x2 -> [[1,2,0,3],[3,4,8,15],[2,11,13,4],[0,13,5,8]]")

    print("ADR 0005 deterministic parity hashes (SHA-256 over the k parity shards):")
    ks = [4, 64, 128, 129, 256, 512]
    for k in ks:
        t = time.perf_counter()
        parity = encode([det_shard(i) for i in range(k)])
        h = hashlib.sha256(b"".join(parity)).hexdigest()
        _check(h == ADR_PARITY_HASHES[k],
               f"k={k:3d} {field_for(k).name:8s} {h}  ({time.perf_counter() - t:.2f} s)")

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "../../../impl/das/tests/data/celestia_eds_k4.bin")
    if os.path.exists(path):
        print("real Celestia EDS, k = 4 (impl/das/tests/data/celestia_eds_k4.bin):")
        blob = open(path, "rb").read()
        _check(hashlib.sha256(blob).hexdigest() == CELESTIA_EDS_K4_SHA256, "file SHA-256 as in ADR 0005")
        shares = [blob[o:o + 512] for o in range(0, len(blob), 512)]
        ods = [shares[r * 8 + c] for r in range(4) for c in range(4)]
        eds = extend_square(ods, 4)
        _check([s for row in eds for s in row] == shares, "re-extending its ODS gives all 64 shares")
        rng = random.Random(4)
        ok = True
        for r in range(8):
            for line in (shares[r * 8:r * 8 + 8], shares[r::8]):  # row r, column r
                keep = set(rng.sample(range(8), 4))
                ok = ok and decode([v if s in keep else None for s, v in enumerate(line)]) == line
        _check(ok, "every row and column decodes from a random 4 of its 8 shares")
    else:
        print("real Celestia EDS: skipped (impl/das/tests/data/celestia_eds_k4.bin not found)")

    if eds_ks:
        print("ADR 0005 full EDS hashes (row-major SHA-256 of the 2k x 2k square):")
        for k in eds_ks:
            t = time.perf_counter()
            ods = [det_shard(i) for i in range(k * k)]
            eds = extend_square(ods, k)
            h = hashlib.sha256(b"".join(b"".join(row) for row in eds)).hexdigest()
            _check(h == ADR_EDS_HASHES[k], f"k={k} {h}  ({time.perf_counter() - t:.1f} s)")

    print("decoding from random k-subsets (DAS-EC-8):")
    rng = random.Random(2024)
    for k, size, trials in [(1, 64, 2), (2, 64, 6), (3, 64, 6), (4, 512, 5), (5, 128, 5),
                            (64, 128, 3), (100, 64, 2), (128, 512, 2), (129, 128, 2),
                            (200, 64, 1), (256, 512, 1)]:
        t = time.perf_counter()
        data = [rng.randbytes(size) for _ in range(k)]
        word = data + encode(data)
        ok = is_codeword(word)
        for _ in range(trials):
            keep = set(rng.sample(range(2 * k), k))
            got = decode([v if s in keep else None for s, v in enumerate(word)])
            ok = ok and got == word
        _check(ok, f"k={k:3d} {size:3d}-byte shards, {trials} subsets  "
                   f"({time.perf_counter() - t:.2f} s)")
    try:
        decode([b"\0" * 64, None, None, None])
        _check(False, "fewer than k present raises ValueError")
    except ValueError:
        _check(True, "fewer than k present raises ValueError")

    print(f"all checks passed in {time.perf_counter() - t_all:.1f} s")


if __name__ == "__main__":
    import sys
    # --eds: also hash the whole k = 128 EDS (384 encodes, about 2 minutes);
    # --eds256: also k = 256 (768 GF(2^16) encodes, about 15 minutes).
    ks = (128,) if "--eds" in sys.argv else ()
    ks += (256,) if "--eds256" in sys.argv else ()
    self_test(eds_ks=ks)
