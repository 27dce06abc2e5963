"""The das suite for the example client: extension, share proofs, repair, bad-encoding fraud
proofs and sampling, written from the specs alone.

Sources (and nothing else):

- docs/spec/das.md             shares (DAS-2), the extension (DAS-3) and its line code in
                               closed form (§3.3, DAS-EC-n), commitments (DAS-4), share proofs
                               (DAS-5), repair (DAS-6), fraud proofs (DAS-7), sampling (DAS-8),
- docs/spec/encoding.md        Keccak-256, Borsh, the Merkle tree (ENC-5), splitmix64 (ENC-6),
- docs/spec/vectors.md §7      the das vectors (VEC-7.x),
- docs/spec/client-protocol.md the `run` request and result for the das suite (CP-3.2).

Standard library only. It reuses orsma_das_codec.py (the fields, the points and the Lagrange
coefficients of §3.3) and orsma_refute.py (Keccak-256, Merkle audit-path verification,
splitmix64).

Speed. A pure-Python client meets two costs, and both are dealt with here:

- The line code. The code acts position by position and is the same for every line, so a
  whole column of a quadrant (k shares) is one vector, one bytes object, and a product by a
  constant is `bytes.translate` (GF(2^8): one table per constant; GF(2^16): the symbols' low
  and high bytes are kept in two separate "planes", and the product, being GF(2)-linear, is
  four byte->byte tables lo->lo, lo->hi, hi->lo, hi->hi). Sums are XORs of long integers
  (int.from_bytes). The extension evaluates DAS-EC-6's polynomial with an additive FFT,
  (m/2)·log2(m) products per direction instead of the k² of parity_j = XOR_i G[j][i] * d_i
  (k = 256 over GF(2^16): 0.6 s instead of 10 s); decoding (repair, fraud proofs) applies
  DAS-EC-8's Lagrange coefficients. See `_Code`.
- Keccak. The pure-Python permutation costs about 0.2 ms, and a k = 256 square has about
  800 000 Merkle hashes. All the hashes of one tree level (of every tree at once) are
  independent and of one length, so they are computed together, bit-sliced: lane j of n states
  is one integer of 64n bits, and one big-integer operation does the step for all n states
  (`keccak_fixed`, about 15 us a hash). The digest of the whole EDS (`eds_keccak`) is one
  sponge and stays sequential: that is most of the time of the largest squares.
"""

import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (also when run directly)
import orsma_das_codec as codec  # noqa: E402 - the line code of das.md §3.3, next to this file
import orsma_refute as refute  # noqa: E402 - Keccak-256, Merkle paths, splitmix64
from orsma_refute import hexh  # noqa: E402

# --- Limits (das.md §1, vectors.md VEC-7.1) ------------------------------------------

MAX_K = 512
MAX_EDS_BYTES = 1 << 26
MAX_REPAIR_K = 64
MAX_CORRUPTIONS = 256
MAX_VERIFY_SHARE = 8192
MAX_PATH = 64
MAX_HEADER_ROOTS = 1024
MAX_PROOF_BYTES = 1 << 20
MAX_SAMPLING_WIDTH = 1024
MAX_SAMPLES = 4096
MAX_PROBABILITY_SAMPLES = 1 << 20

_M64 = refute._M  # 2^64 - 1


def is_pow2(x):
    return x > 0 and x & (x - 1) == 0


def valid_k(k):
    return is_pow2(k) and k <= MAX_K


def valid_share_size(s):
    return 64 <= s <= 4096 and s % 64 == 0


# --- Bit-sliced Keccak-256 of many messages of one length (encoding.md §2) ----------------
#
# State lane j of n independent sponges is one integer of 64n bits whose 64-bit chunk i is
# lane j of sponge i. XOR, AND and NOT act lane-wise for free; a lane rotation by r is
# ((t << r) & HI[r]) | ((t >> (64 - r)) & LO[r]) with masks that stop bits crossing chunks.


def _gen_sliced_keccak_f():
    a = lambda x, y: f"a{x + 5 * y}"  # noqa: E731

    def rot(v, r):
        return f"((({v} << {r}) & HI[{r}]) | (({v} >> {64 - r}) & LO[{r}]))"

    lines = ["def keccak_f_sliced(s, RCS, HI, LO, ALL):",
             "    " + ", ".join(a(i % 5, i // 5) for i in range(25)) + " = s",
             "    for rc in RCS:"]
    ind = "        "
    for x in range(5):  # theta
        lines.append(ind + f"c{x} = " + " ^ ".join(a(x, y) for y in range(5)))
    for x in range(5):
        lines.append(ind + f"d{x} = c{(x - 1) % 5} ^ " + rot(f"c{(x + 1) % 5}", 1))
    for x in range(5):  # rho and pi
        for y in range(5):
            nx, ny = y, (2 * x + 3 * y) % 5
            r = refute._ROT[x][y]
            if r == 0:
                lines.append(ind + f"b{nx + 5 * ny} = {a(x, y)} ^ d{x}")
            else:
                lines.append(ind + f"t = {a(x, y)} ^ d{x}")
                lines.append(ind + f"b{nx + 5 * ny} = " + rot("t", r))
    for y in range(5):  # chi, iota
        for x in range(5):
            e = f"b{x + 5 * y} ^ ((b{(x + 1) % 5 + 5 * y} ^ ALL) & b{(x + 2) % 5 + 5 * y})"
            if x == 0 and y == 0:
                e = f"({e}) ^ rc"
            lines.append(ind + f"{a(x, y)} = {e}")
    lines.append("    return [" + ", ".join(a(i % 5, i // 5) for i in range(25)) + "]")
    return "\n".join(lines)


_ns = {}
exec(_gen_sliced_keccak_f(), _ns)  # noqa: S102 - generated from refute's constants
_keccak_f_sliced = _ns["keccak_f_sliced"]
_slice_masks = {}
_CHUNK = 1024  # sponges per big integer: about the size that keeps them in cache


def _masks(n):
    m = _slice_masks.get(n)
    if m is None:
        def rep(v):
            return int.from_bytes(v.to_bytes(8, "little") * n, "little")
        hi = [0] + [rep(_M64 ^ ((1 << r) - 1)) for r in range(1, 64)]
        lo = [0] + [rep((1 << r) - 1) for r in range(1, 64)]
        m = ([rep(rc) for rc in refute._RC], hi, lo, (1 << (64 * n)) - 1)
        if len(_slice_masks) >= 4:
            _slice_masks.clear()
        _slice_masks[n] = m
    return m


def keccak_fixed(buf, length, prefix=b""):
    """keccak256(prefix ‖ m) for each consecutive `length`-byte message m of `buf`; returns
    the digests concatenated (32 bytes each), in order."""
    n = len(buf) // length if length else 0
    if length == 0 or n * length != len(buf):
        raise ValueError("buffer is not a whole number of messages")
    if n <= 2:
        return b"".join(refute.keccak256(prefix + buf[o:o + length])
                        for o in range(0, len(buf), length))
    mlen = len(prefix) + length
    padlen = 136 - mlen % 136
    pad = b"\x81" if padlen == 1 else b"\x01" + b"\x00" * (padlen - 2) + b"\x80"
    nb = (mlen + padlen) // 136
    stride = 17 * nb
    out = bytearray(32 * n)
    om = memoryview(out).cast("Q")
    sep = pad + prefix
    for c0 in range(0, n, _CHUNK):
        c1 = min(n, c0 + _CHUNK)
        cn = c1 - c0
        padded = prefix + sep.join([buf[o:o + length]
                                    for o in range(c0 * length, c1 * length, length)]) + pad
        mv = memoryview(padded).cast("Q")
        rcs, hi, lo, ones = _masks(cn)
        s = [0] * 25
        for blk in range(nb):
            for j in range(17):
                s[j] ^= int.from_bytes(mv[blk * 17 + j::stride].tobytes(), "little")
            s = _keccak_f_sliced(s, rcs, hi, lo, ones)
        for j in range(4):
            om[4 * c0 + j:4 * c1:4] = memoryview(s[j].to_bytes(8 * cn, "little")).cast("Q")
    return bytes(out)


# --- Merkle trees of perfectly balanced lines (ENC-5, DAS-4) ---------------------------------


def leaf_hashes(shares_buf, size):
    """The leaf hashes keccak256(0x00 ‖ share) of consecutive `size`-byte shares."""
    return keccak_fixed(shares_buf, size, b"\x00")


def roots_of(leaves, width):
    """Merkle roots of consecutive trees of `width` leaves (a power of two), given their
    leaf hashes concatenated. Two neighbours of a level never belong to different trees."""
    level = leaves
    while width > 1:
        level = keccak_fixed(level, 64, b"\x01")
        width //= 2
    return level


def levels_of(leaves, width):
    """Every level of one tree of `width` leaves, leaves first (each level's hashes concatenated)."""
    levels = [leaves]
    while width > 1:
        levels.append(keccak_fixed(levels[-1], 64, b"\x01"))
        width //= 2
    return levels


def audit_path(levels, index):
    """ENC-5.1 in a perfectly balanced tree: every level below the root has a sibling."""
    path = []
    for level in levels[:-1]:
        sib = (index ^ 1) * 32
        path.append(level[sib:sib + 32])
        index >>= 1
    return path


def split_hashes(buf):
    return [buf[o:o + 32] for o in range(0, len(buf), 32)]


def data_root(row_roots, col_roots):
    """DAS-4.2: MTH of the 2W roots, rows first; each leaf's data is a root's 32 bytes."""
    buf = b"".join(row_roots) + b"".join(col_roots)
    return roots_of(leaf_hashes(buf, 32), len(row_roots) + len(col_roots))


# --- The line code, on long byte strings (DAS-EC-1 .. DAS-EC-8) -------------------------------
#
# A "vector" is a sequence of shares in the field's planes: for GF(2^8), one bytes object
# (symbol t is byte t); for GF(2^16), (lo, hi), where lo holds the low bytes of the symbols in
# symbol order and hi their high bytes (DAS-EC-4: per 64-byte block, the first 32 bytes are the
# low bytes of its 32 symbols, the last 32 their high bytes). A share of S bytes is S/2 bytes
# of each plane, so a column of shares stays a run of plane bytes.


class _Code:
    def __init__(self, F):
        self.F = F
        self.wide = F.bits == 16
        self.tables = {}
        self._skews = {}

    def _tabs(self, c):
        t = self.tables.get(c)
        if t is None:
            F = self.F
            log, exp, mod = F.log, F.exp, F.modulus
            lc = log[c]
            prod = [0] + [exp[(lc + log[x]) % mod] for x in range(1, 256)]
            if not self.wide:
                t = bytes(prod)
            else:
                high = [0] + [exp[(lc + log[y << 8]) % mod] for y in range(1, 256)]
                t = (bytes(p & 0xFF for p in prod), bytes(p >> 8 for p in prod),
                     bytes(p & 0xFF for p in high), bytes(p >> 8 for p in high))
            if len(self.tables) > 4096:
                self.tables.clear()
            self.tables[c] = t
        return t

    # Conversions between Leopard's byte layout and planes (lengths: multiples of 64).
    def to_planes(self, data):
        if not self.wide:
            return data
        src = memoryview(data).cast("Q")
        lo, hi = bytearray(len(data) // 2), bytearray(len(data) // 2)
        lm, hm = memoryview(lo).cast("Q"), memoryview(hi).cast("Q")
        for t in range(4):
            lm[t::4] = src[t::8]
            hm[t::4] = src[4 + t::8]
        return bytes(lo), bytes(hi)

    def from_planes(self, vec):
        if not self.wide:
            return vec
        lo, hi = vec
        out = bytearray(2 * len(lo))
        om = memoryview(out).cast("Q")
        lm, hm = memoryview(lo).cast("Q"), memoryview(hi).cast("Q")
        for t in range(4):
            om[t::8] = lm[t::4]
            om[4 + t::8] = hm[t::4]
        return bytes(out)

    def slice(self, vec, a, b):
        """Plane bytes a..b of every plane (a and b count plane bytes)."""
        if not self.wide:
            return vec[a:b]
        return vec[0][a:b], vec[1][a:b]

    def join(self, vecs):
        if not self.wide:
            return b"".join(vecs)
        return b"".join(v[0] for v in vecs), b"".join(v[1] for v in vecs)

    def combine(self, coeffs, vecs):
        """XOR_i coeffs[i] * vecs[i] (all vectors of one length)."""
        fb = int.from_bytes
        if not self.wide:
            n = len(vecs[0])
            acc = 0
            for c, v in zip(coeffs, vecs):
                if c == 1:
                    acc ^= fb(v, "little")
                elif c:
                    acc ^= fb(v.translate(self._tabs(c)), "little")
            return acc.to_bytes(n, "little")
        n = len(vecs[0][0])
        alo = ahi = 0
        for c, (lo, hi) in zip(coeffs, vecs):
            if c == 1:
                alo ^= fb(lo, "little")
                ahi ^= fb(hi, "little")
            elif c:
                ll, lh, hl, hh = self._tabs(c)
                alo ^= fb(lo.translate(ll), "little") ^ fb(hi.translate(hl), "little")
                ahi ^= fb(lo.translate(lh), "little") ^ fb(hi.translate(hh), "little")
        return alo.to_bytes(n, "little"), ahi.to_bytes(n, "little")

    def encode_matrix(self, k, vecs):
        """The k parity vectors of k data vectors (DAS-EC-6), position by position, as
        parity_j = XOR_i G[j][i] * d_i: k² products. `encode` computes the same faster."""
        G = codec.encode_matrix(k)
        return [self.combine(G[j], vecs) for j in range(k)]

    # An additive FFT (DAS-EC-9 mentions that Leopard uses one; this one is derived here
    # from DAS-EC-5/6 alone, and `encode_matrix` checks it). With V_i the symbols below 2^i
    # (a GF(2)-subspace, because phi is additive), s_i(x) = prod_{v in V_i} (x + v) is
    # additive in x, and S_i(x) = s_i(x) / s_i(2^i) is 0 on V_i and 1 on 2^i + V_i. A
    # polynomial of degree < 2^r is P = sum_j d_j X_j with X_j = prod_{bit i of j} S_i. Split
    # P = P0 + S_{r-1} P1 (P0 from d_j, P1 from d_{j+h}, h = 2^{r-1}). On a + V_{r-1},
    # S_{r-1} = S_{r-1}(a) =: c, on a + h + V_{r-1} it is c + 1. So the values of P at a + u,
    # u < 2^r, are those of g0 = d_j + c d_{j+h} on a + V_{r-1}, then of g1 = g0 + d_{j+h} on
    # (a + h) + V_{r-1}: (m/2) log2 m products instead of k².

    def _skew(self, i, a):
        key = (i, a)
        c = self._skews.get(key)
        if c is None:
            F = self.F
            num = den = 1
            for v in range(1 << i):
                num = F.mul(num, a ^ v)
                den = F.mul(den, (1 << i) ^ v)
            c = self._skews[key] = F.mul(num, F.inv(den))
        return c

    def _mul_int(self, c, x, n):
        """c * x for a vector of n plane bytes held as integers (one per plane)."""
        fb = int.from_bytes
        if not self.wide:
            return fb(x.to_bytes(n, "little").translate(self._tabs(c)), "little")
        lo, hi = x[0].to_bytes(n, "little"), x[1].to_bytes(n, "little")
        ll, lh, hl, hh = self._tabs(c)
        return (fb(lo.translate(ll), "little") ^ fb(hi.translate(hl), "little"),
                fb(lo.translate(lh), "little") ^ fb(hi.translate(hh), "little"))

    def _xor(self, x, y):
        if not self.wide:
            return x ^ y
        return x[0] ^ y[0], x[1] ^ y[1]

    def _fft(self, d, a, n):
        """Values at a + u (u < len(d)) of sum_j d_j X_j."""
        if len(d) == 1:
            return d
        h = len(d) // 2
        c = self._skew(h.bit_length() - 1, a)
        if c:
            g0 = [self._xor(d[j], self._mul_int(c, d[j + h], n)) for j in range(h)]
        else:
            g0 = d[:h]
        g1 = [self._xor(g0[j], d[j + h]) for j in range(h)]
        return self._fft(g0, a, n) + self._fft(g1, a ^ h, n)

    def _ifft(self, vals, a, n):
        """The coefficients d (in the basis X_j) of the polynomial of degree < len(vals)
        whose value at a + u is vals[u]: `_fft` run backwards."""
        if len(vals) == 1:
            return vals
        h = len(vals) // 2
        g0 = self._ifft(vals[:h], a, n)
        g1 = self._ifft(vals[h:], a ^ h, n)
        top = [self._xor(x, y) for x, y in zip(g0, g1)]
        c = self._skew(h.bit_length() - 1, a)
        if c:
            g0 = [self._xor(x, self._mul_int(c, y, n)) for x, y in zip(g0, top)]
        return g0 + top

    def encode(self, k, vecs):
        """The k parity vectors of k data vectors (DAS-EC-6): the data sit at m + i, the pad
        points m + k .. 2m - 1 are zero, and parity j is P(j) (DAS-EC-5)."""
        m = codec.pow2_ceil(k)
        fb = int.from_bytes
        if not self.wide:
            n = len(vecs[0])
            ints = [fb(v, "little") for v in vecs] + [0] * (m - k)
        else:
            n = len(vecs[0][0])
            ints = [(fb(v[0], "little"), fb(v[1], "little")) for v in vecs] + [(0, 0)] * (m - k)
        vals = self._fft(self._ifft(ints, m, n), 0, n)[:k]
        if not self.wide:
            return [v.to_bytes(n, "little") for v in vals]
        return [(v[0].to_bytes(n, "little"), v[1].to_bytes(n, "little")) for v in vals]


_CODES = {}


def code_for(k):
    F = codec.field_for(k)  # DAS-EC-2
    c = _CODES.get(F.bits)
    if c is None:
        c = _CODES[F.bits] = _Code(F)
    return c


_DECODE_CACHE = {}


def recover_line(k, line):
    """DAS-EC-8: `line` has 2k entries, shares or None, at least k present. Returns the line
    the first k present shares determine (every position, present ones included)."""
    present = [s for s, v in enumerate(line) if v is not None]
    use = present[:k]
    used = set(use)
    others = [s for s in range(2 * k) if s not in used]
    if not others:
        return list(line)
    key = (k, tuple(use))
    C = _DECODE_CACHE.get(key)
    if C is None:
        F = codec.field_for(k)
        nodes = [codec.point(k, s) for s in use] + codec.pad_points(k)
        C = codec.lagrange_matrix(F, nodes, k, [codec.point(k, s) for s in others])
        if len(_DECODE_CACHE) > 4096:
            _DECODE_CACHE.clear()
        _DECODE_CACHE[key] = C
    code = code_for(k)
    vecs = [code.to_planes(line[s]) for s in use]
    out = list(line)
    for s, row in zip(others, C):
        out[s] = code.from_planes(code.combine(row, vecs))
    return out


def is_codeword(k, line):
    """DAS-EC-7 for a complete line of 2k shares."""
    code = code_for(k)
    parity = code.encode(k, [code.to_planes(s) for s in line[:k]])
    return all(code.from_planes(p) == s for p, s in zip(parity, line[k:]))


# --- Squares (DAS-2, DAS-3, VEC-7.1, VEC-7.2) ---------------------------------------------------


class Square:
    """An extended data square: `rows[r]` is row r's 2k·S bytes (DAS-2.2 layout)."""

    def __init__(self, k, size, rows):
        self.k, self.size, self.W = k, size, 2 * k
        self.rows = rows

    def share(self, r, c):
        S = self.size
        return self.rows[r][c * S:(c + 1) * S]

    def set_share(self, r, c, value):
        S = self.size
        row = self.rows[r]
        self.rows[r] = row[:c * S] + bytes(value) + row[(c + 1) * S:]

    def row(self, r):
        return [self.share(r, c) for c in range(self.W)]

    def col(self, c):
        return [self.share(r, c) for r in range(self.W)]

    def bytes(self):
        return b"".join(self.rows)

    def leaves(self):
        """Row-major leaf hashes of every share."""
        return leaf_hashes(self.bytes(), self.size)

    def header(self):
        """(row roots, column roots) (DAS-4.1), with the leaf hashes computed once."""
        W = self.W
        leaves = self.leaves()
        rows = split_hashes(roots_of(leaves, W))
        cols_leaves = b"".join(leaves[(r * W + c) * 32:(r * W + c + 1) * 32]
                               for c in range(W) for r in range(W))
        cols = split_hashes(roots_of(cols_leaves, W))
        return rows, cols


def extend(k, size, ods):
    """DAS-3.2: the EDS of a k×k ODS given row-major (k²·S bytes)."""
    code = code_for(k)
    S, h = size, (size // 2 if code.wide else size)  # h: plane bytes per share
    ods_rows = [ods[r * k * S:(r + 1) * k * S] for r in range(k)]
    row_planes = [code.to_planes(row) for row in ods_rows]  # Q0 row r: k shares
    # Step 2: rows 0..k. Parity position j of every original row at once: column j of Q1 is
    # XOR_i G[j][i] * (column i of Q0).
    q0_cols = [code.join([code.slice(rp, i * h, (i + 1) * h) for rp in row_planes])
               for i in range(k)]
    q1_cols = code.encode(k, q0_cols)
    # Step 3: columns 0..k. Row k + j of Q2 is XOR_i G[j][i] * (row i of Q0).
    q2_rows = code.encode(k, row_planes)
    # Step 4: rows k..2k from Q2. Column j of Q3 is XOR_i G[j][i] * (column i of Q2).
    q2_cols = [code.join([code.slice(rp, i * h, (i + 1) * h) for rp in q2_rows])
               for i in range(k)]
    q3_cols = code.encode(k, q2_cols)
    q1 = [code.from_planes(v) for v in q1_cols]  # column j of Q1: k shares
    q2 = [code.from_planes(v) for v in q2_rows]  # row j of Q2: k shares
    q3 = [code.from_planes(v) for v in q3_cols]
    rows = []
    for r in range(k):
        rows.append(ods_rows[r] + b"".join(col[r * S:(r + 1) * S] for col in q1))
    for r in range(k):
        rows.append(q2[r] + b"".join(col[r * S:(r + 1) * S] for col in q3))
    return Square(k, size, rows)


def seeded_stream(seed, n):
    """VEC-7.2: the first n bytes of splitmix64's outputs from `seed`, each LE64."""
    st = struct.Struct("<Q")
    out = bytearray()
    state = seed
    for _ in range((n + 7) // 8):
        state, x = refute.splitmix64(state)
        out += st.pack(x)
    return bytes(out[:n])


def blob_layout(data, size):
    """DAS-2.1: (k, ODS bytes) of block data."""
    P = len(data).to_bytes(8, "little") + data
    n = -(-len(P) // size)
    k = 1
    while k * k < n:
        k *= 2
    if k > MAX_K:
        return k, None  # blob_too_large
    return k, P + bytes(k * k * size - len(P))


def parse_square(vm, obj, what):
    """VEC-7.1's square: {k, share_size, seed | shares | blob} -> (k, S, ODS bytes)."""
    obj = vm.expect(obj, dict, what)
    keys = set(obj)
    forms = keys - {"k", "share_size"}
    if not {"k", "share_size"} <= keys or len(forms) != 1 or not forms <= {"seed", "shares", "blob"}:
        raise vm.InvalidParams(f"{what}: expected k, share_size and one of seed, shares, blob")
    k = vm.parse_int(obj["k"], what + ".k", 1, MAX_K)
    S = vm.parse_int(obj["share_size"], what + ".share_size", 64, 4096)
    if not valid_k(k) or not valid_share_size(S):
        raise vm.InvalidParams(f"{what}: k = {k}, share size {S} break das.md §1")
    if 4 * k * k * S > MAX_EDS_BYTES:
        raise vm.InvalidParams(f"{what}: the extended square would exceed 2^26 bytes")
    if "seed" in obj:
        seed = vm.parse_u64(obj["seed"], what + ".seed")
        return k, S, seeded_stream(seed, k * k * S)
    if "shares" in obj:
        shares = vm.expect(obj["shares"], list, what + ".shares")
        if len(shares) != k * k:
            raise vm.InvalidParams(f"{what}.shares: expected k² = {k * k} shares")
        out = []
        for i, s in enumerate(shares):
            b = vm.parse_bytes(s, f"{what}.shares[{i}]")
            if len(b) != S:
                raise vm.InvalidParams(f"{what}.shares[{i}]: not {S} bytes")
            out.append(b)
        return k, S, b"".join(out)
    data = vm.parse_bytes(obj["blob"], what + ".blob")
    bk, ods = blob_layout(data, S)
    if bk != k:
        raise vm.InvalidParams(f"{what}: the blob lays out as a {bk}×{bk} square, not {k}×{k}")
    return k, S, ods


def parse_corrupt(vm, obj, k, S, what):
    items = vm.expect(obj, list, what)
    if len(items) > MAX_CORRUPTIONS:
        raise vm.InvalidParams(f"{what}: more than {MAX_CORRUPTIONS} corruptions")
    out = []
    for i, c in enumerate(items):
        w = f"{what}[{i}]"
        c = vm.expect(c, dict, w)
        if set(c) != {"row", "col", "byte", "xor"}:
            raise vm.InvalidParams(f"{w}: expected row, col, byte, xor")
        out.append((vm.parse_int(c["row"], w + ".row", 0, 2 * k - 1),
                    vm.parse_int(c["col"], w + ".col", 0, 2 * k - 1),
                    vm.parse_int(c["byte"], w + ".byte", 0, S - 1),
                    vm.parse_int(c["xor"], w + ".xor", 1, 255)))
    return out


def apply_corrupt(sq, corrupt):
    """VEC-7.1: EDS[row][col][byte] ^= xor, in order."""
    for r, c, b, x in corrupt:
        share = bytearray(sq.share(r, c))
        share[b] ^= x
        sq.set_share(r, c, share)


def parse_axis(vm, v, what):
    if v not in ("row", "col"):
        raise vm.InvalidParams(f"{what}: expected 'row' or 'col'")
    return 0 if v == "row" else 1


def parse_dah(vm, obj, what, max_roots):
    obj = vm.expect(obj, dict, what)
    if set(obj) != {"row_roots", "col_roots"}:
        raise vm.InvalidParams(f"{what}: expected row_roots and col_roots")
    out = []
    for key in ("row_roots", "col_roots"):
        roots = vm.expect(obj[key], list, f"{what}.{key}")
        if len(roots) > max_roots:
            raise vm.InvalidParams(f"{what}.{key}: more than {max_roots} roots")
        out.append([refute.parse_hash(vm, h, f"{what}.{key}[{i}]") for i, h in enumerate(roots)])
    return out


def header_width(rows, cols):
    """DAS-4.2: W when the header is well-formed, else None."""
    W = len(rows)
    if W != len(cols) or W % 2 or not valid_k(W // 2):
        return None
    return W


# --- Share proofs (DAS-5) ---------------------------------------------------------------------------


def verify_share(rows, cols, S, r, c, share, axis, path):
    """DAS-5.2 against a well-formed header: None when the share is proven, else the code."""
    W = len(rows)
    if r >= W or c >= W:
        return "out_of_range"
    if len(share) != S:
        return "share_size"
    line, index = (r, c) if axis == 0 else (c, r)
    root = rows[line] if axis == 0 else cols[line]
    got = refute.root_from_path(refute.keccak256(b"\x00" + share), index, W, list(path))
    return None if got == root else "bad_path"


# --- Handlers -----------------------------------------------------------------------------------------


def _keys(vm, config, required, optional=()):
    keys = set(config)
    if not set(required) <= keys or not keys <= set(required) | set(optional):
        raise vm.InvalidParams(f"case.config: expected keys {sorted(required)}"
                               + (f" (optionally {sorted(optional)})" if optional else ""))


def run_extension(vm, config):
    _keys(vm, config, ["square"])
    k, S, ods = parse_square(vm, config["square"], "case.config.square")
    sq = extend(k, S, ods)
    rows, cols = sq.header()
    post = {"data_root": hexh(data_root(rows, cols)), "eds_keccak": hexh(refute.keccak256(sq.bytes())),
            "row_roots": [hexh(h) for h in rows], "col_roots": [hexh(h) for h in cols]}
    if k <= 4:  # VEC-7.3
        post["eds"] = [[hexh(s) for s in sq.row(r)] for r in range(sq.W)]
    return post


def run_share_proof(vm, config):
    if "square" in config:  # prove
        _keys(vm, config, ["square", "row", "col", "axis"])
        k, S, ods = parse_square(vm, config["square"], "case.config.square")
        W = 2 * k
        r = vm.parse_int(config["row"], "case.config.row", 0, W - 1)
        c = vm.parse_int(config["col"], "case.config.col", 0, W - 1)
        axis = parse_axis(vm, config["axis"], "case.config.axis")
        sq = extend(k, S, ods)
        line = sq.row(r) if axis == 0 else sq.col(c)
        levels = levels_of(leaf_hashes(b"".join(line), S), W)
        path = audit_path(levels, c if axis == 0 else r)
        return {"share": hexh(sq.share(r, c)), "path": [hexh(h) for h in path]}
    # verify
    _keys(vm, config, ["dah", "share_size", "row", "col", "share", "proof"])
    rows, cols = parse_dah(vm, config["dah"], "case.config.dah", MAX_K * 2)
    if header_width(rows, cols) is None:
        raise vm.InvalidParams("case.config.dah: not a well-formed header (VEC-7.1)")
    S = vm.parse_u64(config["share_size"], "case.config.share_size")
    if not valid_share_size(S):
        raise vm.InvalidParams("case.config.share_size: not a valid share size (VEC-7.1)")
    r = vm.parse_u64(config["row"], "case.config.row")
    c = vm.parse_u64(config["col"], "case.config.col")
    share = vm.parse_bytes(config["share"], "case.config.share")
    if len(share) > MAX_VERIFY_SHARE:
        raise vm.InvalidParams("case.config.share: longer than 8192 bytes")
    proof = vm.expect(config["proof"], dict, "case.config.proof")
    if set(proof) != {"axis", "path"}:
        raise vm.InvalidParams("case.config.proof: expected axis and path")
    axis = parse_axis(vm, proof["axis"], "case.config.proof.axis")
    path = vm.expect(proof["path"], list, "case.config.proof.path")
    if len(path) > MAX_PATH:
        raise vm.InvalidParams("case.config.proof.path: more than 64 hashes")
    path = [refute.parse_hash(vm, h, f"case.config.proof.path[{i}]") for i, h in enumerate(path)]
    code = verify_share(rows, cols, S, r, c, share, axis, path)
    return {"ok": {}} if code is None else {"error": {"code": code}}


def parse_present(vm, text, W, what):
    """VEC-7.4: 2k lines of 2k characters, each ending in a line break."""
    if not isinstance(text, str):
        raise vm.InvalidParams(f"{what}: expected a string")
    lines = text.split("\n")
    if len(lines) != W + 1 or lines[-1] != "":
        raise vm.InvalidParams(f"{what}: expected {W} lines, each ending in a line break")
    out = []
    for r, line in enumerate(lines[:W]):
        if len(line) != W or set(line) - {"0", "1"}:
            raise vm.InvalidParams(f"{what}: line {r} is not {W} characters 0 or 1")
        out.append([ch == "1" for ch in line])
    return out


def repair(sq, rows_h, cols_h, present):
    """DAS-6 against the header (rows_h, cols_h). Returns ("ok", square) or ("error", post)."""
    k, W, S = sq.k, sq.W, sq.size
    known = [[sq.share(r, c) if present[r][c] else None for c in range(W)] for r in range(W)]
    checked = [[False] * W, [False] * W]  # [axis][index]

    def line_of(axis, i):
        return known[i] if axis == 0 else [known[r][i] for r in range(W)]

    def bad(axis, i):
        return ("error", {"code": "bad_encoding", "axis": "row" if axis == 0 else "col",
                          "index": str(i)})

    progress = True
    while progress:  # DAS-6.1: passes until one makes no progress
        progress = False
        for axis in (0, 1):
            for i in range(W):
                line = line_of(axis, i)
                have = sum(v is not None for v in line)
                if have < k or have == W:
                    continue
                full = recover_line(k, line)
                if any(v is not None and v != full[s] for s, v in enumerate(line)):
                    return bad(axis, i)  # step 2: not one codeword
                root = roots_of(leaf_hashes(b"".join(full), S), W)
                if root != (rows_h[i] if axis == 0 else cols_h[i]):
                    return bad(axis, i)  # step 3
                for s, v in enumerate(full):  # step 4
                    if axis == 0:
                        known[i][s] = v
                    else:
                        known[s][i] = v
                checked[axis][i] = True
                progress = True
    missing = sum(v is None for row in known for v in row)
    if missing:  # DAS-6.2
        return ("error", {"code": "unrecoverable", "missing": str(missing),
                          "rows": str(sum(any(v is None for v in row) for row in known)),
                          "cols": str(sum(any(known[r][c] is None for r in range(W))
                                          for c in range(W)))})
    out = Square(k, S, [b"".join(row) for row in known])
    rows_r, cols_r = out.header()
    for axis, roots, want in ((0, rows_r, rows_h), (1, cols_r, cols_h)):
        for i in range(W):
            if checked[axis][i]:
                continue
            line = out.row(i) if axis == 0 else out.col(i)
            if roots[i] != want[i] or not is_codeword(k, line):
                return bad(axis, i)
    return ("ok", out)


def run_repair(vm, config):
    _keys(vm, config, ["square", "corrupt", "present"])
    k, S, ods = parse_square(vm, config["square"], "case.config.square")
    if k > MAX_REPAIR_K:
        raise vm.InvalidParams("case.config.square: repair cases have k ≤ 64 (VEC-7.1)")
    corrupt = parse_corrupt(vm, config["corrupt"], k, S, "case.config.corrupt")
    present = parse_present(vm, config["present"], 2 * k, "case.config.present")
    sq = extend(k, S, ods)
    apply_corrupt(sq, corrupt)
    rows_h, cols_h = sq.header()  # the producer's header
    verdict, what = repair(sq, rows_h, cols_h, present)
    if verdict == "error":
        return {"error": what}
    return {"ok": {"data_root": hexh(data_root(rows_h, cols_h)),
                   "eds_keccak": hexh(refute.keccak256(what.bytes()))}}


class _Decode(Exception):
    pass


def decode_fraud_proof(b):
    """DAS-7.1 (Borsh): (axis, index, entries), an entry being None or (share, (axis, path))."""
    pos = 0

    def take(n):
        nonlocal pos
        if n > len(b) - pos:
            raise _Decode("truncated")
        out = b[pos:pos + n]
        pos += n
        return out

    def u8():
        return take(1)[0]

    def u32():
        return int.from_bytes(take(4), "little")

    def axis_byte():
        a = u8()
        if a > 1:
            raise _Decode("axis")
        return a

    axis = axis_byte()
    index = u32()
    n = u32()
    if n > len(b) - pos:  # every entry takes at least one byte
        raise _Decode("truncated")
    entries = []
    for _ in range(n):
        tag = u8()
        if tag == 0:
            entries.append(None)
        elif tag == 1:
            share = take(u32())
            paxis = axis_byte()
            m = u32()
            if m > (len(b) - pos) // 32:
                raise _Decode("truncated")
            path = [take(32) for _ in range(m)]
            entries.append((share, (paxis, path)))
        else:
            raise _Decode("option tag")
    if pos != len(b):
        raise _Decode("trailing bytes")
    return axis, index, entries


def verify_fraud_proof(rows, cols, S, proof_bytes):
    """DAS-7.2, in order: ("ok", fraud) or ("error", code)."""
    try:
        axis, index, entries = decode_fraud_proof(proof_bytes)  # 1
    except _Decode:
        return "error", "decode"
    W = header_width(rows, cols)
    if W is None:  # 2
        return "error", "bad_header"
    if not valid_share_size(S):  # 3
        return "error", "bad_share_size"
    if index >= W:  # 4
        return "error", "bad_index"
    if len(entries) != W:  # 5
        return "error", "wrong_length"
    k = W // 2
    if sum(e is not None for e in entries) < k:  # 6
        return "error", "too_few_shares"
    for p, e in enumerate(entries):  # 7
        if e is None:
            continue
        share, (paxis, path) = e
        r, c = (index, p) if axis == 0 else (p, index)
        if verify_share(rows, cols, S, r, c, share, paxis, path) is not None:
            return "error", "bad_share"
    line = [None if e is None else e[0] for e in entries]
    full = recover_line(k, line)
    if any(v is not None and v != full[s] for s, v in enumerate(line)):  # 8
        return "ok", "not_a_codeword"
    root = roots_of(leaf_hashes(b"".join(full), S), W)
    if root != (rows[index] if axis == 0 else cols[index]):  # 9
        return "ok", "root_mismatch"
    return "error", "not_fraud"  # 10


def run_fraud_proof(vm, config):
    _keys(vm, config, ["dah", "share_size", "proof"], ["source"])
    rows, cols = parse_dah(vm, config["dah"], "case.config.dah", MAX_HEADER_ROOTS)
    S = vm.parse_u64(config["share_size"], "case.config.share_size")
    proof = vm.parse_bytes(config["proof"], "case.config.proof")
    if len(proof) > MAX_PROOF_BYTES:
        raise vm.InvalidParams("case.config.proof: longer than 2^20 bytes")
    verdict, code = verify_fraud_proof(rows, cols, S, proof)
    return {"ok": {"fraud": code}} if verdict == "ok" else {"error": {"code": code}}


def sample_coordinates(seed, W, s):
    """DAS-8.1."""
    state, drawn, seen = seed, [], set()
    n = min(s, W * W)
    while len(drawn) < n:
        state, x = refute.splitmix64(state)
        cell = x % (W * W)
        if cell not in seen:
            seen.add(cell)
            drawn.append(cell)
    return [(d // W, d % W) for d in drawn]


def detection_probability(k, w, s):
    """DAS-8.3: 1 - prod_{i<s} (N - w - i) / (N - i), and 1 when s > N - w."""
    N = 4 * k * k
    if s > N - w:
        return 1.0
    p = 1.0
    for i in range(s):
        p *= (N - w - i) / (N - i)
        if p == 0.0:
            break
    return 1.0 - p


def run_sampling(vm, config):
    if "seed" in config:
        _keys(vm, config, ["seed", "width", "samples"])
        seed = vm.parse_u64(config["seed"], "case.config.seed")
        W = vm.parse_int(config["width"], "case.config.width", 1, MAX_SAMPLING_WIDTH)
        s = vm.parse_int(config["samples"], "case.config.samples", 0, MAX_SAMPLES)
        return {"coordinates": [[str(r), str(c)] for r, c in sample_coordinates(seed, W, s)]}
    _keys(vm, config, ["k", "withheld", "samples"])
    k = vm.parse_int(config["k"], "case.config.k", 1, MAX_K)
    if not valid_k(k):
        raise vm.InvalidParams("case.config.k: not a power of two")
    w = vm.parse_int(config["withheld"], "case.config.withheld", 0, 4 * k * k)
    s = vm.parse_int(config["samples"], "case.config.samples", 0, MAX_PROBABILITY_SAMPLES)
    return {"probability": repr(detection_probability(k, w, s))}


HANDLERS = {"extension": run_extension, "share_proof": run_share_proof, "repair": run_repair,
            "fraud_proof": run_fraud_proof, "sampling": run_sampling}


def run_case(vm, case):
    """The `post` of a das case; vm is the client module (parsers, error types)."""
    handler = case.get("handler")
    fn = HANDLERS.get(handler)
    if fn is None:
        raise vm.Unsupported(f"handler `das/{handler}` is not supported")
    return {"post": fn(vm, vm.expect(case.get("config"), dict, "case.config"))}


# --- Self-test: `python3 orsma_das.py` (a few seconds) ---------------------------------------------


def _self_test():
    import hashlib
    import random
    rng = random.Random(5)
    for length in (0, 1, 64, 65, 134, 135, 136, 200, 512):
        msgs = rng.randbytes(length * 9)
        got = keccak_fixed(msgs, length, b"\x00") if length else None
        if got is not None:
            want = b"".join(refute.keccak256(b"\x00" + msgs[o:o + length])
                            for o in range(0, len(msgs), length))
            assert got == want, length
    print("bit-sliced Keccak == orsma_refute.keccak256")
    for k in list(range(1, 18)) + [32, 64, 128, 129, 256]:
        code = code_for(k)
        data = [rng.randbytes(128) for _ in range(k)]
        vecs = [code.to_planes(d) for d in data]
        fft = [code.from_planes(v) for v in code.encode(k, vecs)]
        assert fft == [code.from_planes(v) for v in code.encode_matrix(k, vecs)], k
        if k <= 5 or k == 129:
            assert fft == codec.encode(data), k
        line = data + fft
        keep = set(rng.sample(range(2 * k), k))
        assert recover_line(k, [v if s in keep else None for s, v in enumerate(line)]) == line
    print("FFT encoding == G·d == orsma_das_codec.encode; decoding recovers random k-subsets")
    for k, h in codec.ADR_PARITY_HASHES.items():
        code = code_for(k)
        par = code.encode(k, [code.to_planes(codec.det_shard(i)) for i in range(k)])
        assert hashlib.sha256(b"".join(code.from_planes(p) for p in par)).hexdigest() == h, k
    print("ADR 0005 parity hashes (das.md E5), k = 4 .. 512")
    sq = extend(2, 64, b"".join(bytes([v]) * 64 for v in (1, 2, 3, 4)))
    assert [[s[0] for s in sq.row(r)] for r in range(4)] == \
        [[1, 2, 0, 3], [3, 4, 8, 15], [2, 11, 13, 4], [0, 13, 5, 8]]
    rows, cols = sq.header()
    assert hexh(data_root(rows, cols)) == \
        "0x029c8d188a15e9d3ce7412bdf72c9795987b5c36971a66268411c45d59dc74e6"
    print("das.md §10's worked example")
    assert sample_coordinates(1, 4, 5) == [(0, 1), (1, 3), (3, 2), (2, 3), (2, 1)]
    print("all checks passed")


if __name__ == "__main__":
    _self_test()
