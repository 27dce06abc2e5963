"""Ed25519 (RFC 8032 §5.1, pure Ed25519, no context) in standard-library Python.

Written from RFC 8032 §5.1 for the consensus suite (docs/spec/consensus.md CON-2.4):

- signing is RFC 8032 §5.1.6, deterministic, so a signature here is byte-identical to any other
  correct implementation's;
- verification is the strict rule of CON-2.4 (ed25519-dalek 2.x `verify_strict`), which is NOT
  RFC 8032 §5.1.7's:
    * point decoding (`decode_point`) is curve25519-dalek's: `y` is the low 255 bits reduced
      mod p (so p <= y < 2^255 is accepted), and x = 0 with the sign bit set is accepted;
    * S must be below the group order l;
    * neither R nor A may have small order ([8]P = identity);
    * the check is cofactorless, on encodings: encode([S]B - [k]A) == R_bytes, byte for byte
      (so a non-canonical R_bytes never verifies).

Speed. Points are kept in extended coordinates (X : Y : Z : T), x = X/Z, y = Y/Z, xy = T/Z
(RFC 8032 §5.1.4, Hisil-Wong-Carter-Dawson). [s]B uses a precomputed fixed-base table: for each
of the 65 radix-16 positions i, the multiples j·16^i·B (j = 1..8) in affine "Niels" form
(y + x, y - x, 2d·x·y), with signed digits in [-8, 8], so a base multiplication is 65 mixed
additions and no doublings. A variable-base [k]A uses the same signed radix-16 digits over a
table of A..8A (252 doublings and 64 additions, about 1.5 ms); a public key used a fourth time
gets a fixed-base table of its own (a few ms, once), after which a verification costs about
0.3 ms in CPython.

Self-test (RFC 8032 §7.1 TEST 1-3, and the strictness rules): `python3 orsma_ed25519.py`.
"""

import hashlib

# --- The curve (RFC 8032 §5.1) ----------------------------------------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493  # the group order l
D = -121665 * pow(121666, P - 2, P) % P
D2 = 2 * D % P
SQRT_M1 = pow(2, (P - 1) // 4, P)  # a square root of -1

_MASK255 = (1 << 255) - 1


def _inv(x):
    return pow(x, P - 2, P)


def _recover_x(y, sign):
    """x from y and the sign bit, curve25519-dalek `decompress` style; None if not a point.

    RFC 8032 §5.1.3 step 2-4: x^2 = (y^2 - 1) / (d y^2 + 1). Unlike the RFC, x = 0 with
    sign = 1 is accepted (as x = 0): dalek's conditional negation of 0 is 0."""
    y2 = y * y % P
    u = (y2 - 1) % P
    v = (D * y2 + 1) % P
    # candidate root x = u v^3 (u v^7)^((p-5)/8)
    v3 = v * v % P * v % P
    x = u * v3 % P * pow(u * v3 % P * v3 % P * v % P, (P - 5) // 8, P) % P
    vx2 = v * x % P * x % P
    if vx2 == u:
        pass
    elif vx2 == (-u) % P:
        x = x * SQRT_M1 % P
    else:
        return None
    if (x & 1) != sign:
        x = (-x) % P  # x = 0 stays 0
    return x


def decode_point(b):
    """Decode 32 bytes to an extended point, dalek-style (CON-2.4); None when not on the curve."""
    if len(b) != 32:
        return None
    n = int.from_bytes(b, "little")
    y = (n & _MASK255) % P  # the 255 low bits, reduced: p <= y < 2^255 is accepted
    x = _recover_x(y, n >> 255)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def encode_point(pt):
    """RFC 8032 §5.1.2: y little-endian, with the low bit of x in the top bit."""
    X, Y, Z, _ = pt
    zi = _inv(Z)
    x = X * zi % P
    y = Y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


IDENTITY = (0, 1, 1, 0)


def _add(p, q):
    """Extended + extended (RFC 8032 §5.1.4, a = -1)."""
    X1, Y1, Z1, T1 = p
    X2, Y2, Z2, T2 = q
    a = (Y1 - X1) * (Y2 - X2) % P
    b = (Y1 + X1) * (Y2 + X2) % P
    c = T1 * D2 % P * T2 % P
    d = Z1 * 2 * Z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _double(p, with_t=True):
    """RFC 8032 §5.1.4 doubling (T1 unused); `with_t=False` skips T (0) when the next
    operation is another doubling."""
    X1, Y1, Z1, _ = p
    a = X1 * X1 % P
    b = Y1 * Y1 % P
    c = 2 * Z1 * Z1 % P
    h = a + b
    s = X1 + Y1
    e = h - s * s % P
    g = a - b
    f = c + g
    return (e * f % P, g * h % P, f * g % P, e * h % P if with_t else 0)


def _double_xyz(p):
    """A doubling whose T is not needed (the next operation is another doubling)."""
    return _double(p, False)


def _neg(p):
    X, Y, Z, T = p
    return ((-X) % P, Y, Z, (-T) % P)


def is_identity(p):
    X, Y, Z, _ = p
    return X % P == 0 and (Y - Z) % P == 0


def has_small_order(p):
    """[8]P is the identity (CON-2.4 check 4)."""
    return is_identity(_double(_double(_double(p))))


# --- Scalar multiplication -----------------------------------------------------------------


def _signed_radix16(k):
    """Digits e_i in [-8, 8) (the last may be 8) with k = sum e_i 16^i, for 0 <= k < 2^256."""
    digits = []
    carry = 0
    for _ in range(64):
        d = (k & 15) + carry
        k >>= 4
        carry = (d + 8) >> 4
        digits.append(d - (carry << 4))
    digits.append(carry)
    return digits


def _add_niels(p, n):
    """Extended + affine Niels (y + x, y - x, 2d·x·y): 7 multiplications."""
    X1, Y1, Z1, T1 = p
    ypx, ymx, xy2d = n
    a = (Y1 - X1) * ymx % P
    b = (Y1 + X1) * ypx % P
    c = T1 * xy2d % P
    d = 2 * Z1
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _sub_niels(p, n):
    """Extended - affine Niels: the Niels form of -Q swaps y + x and y - x and negates 2d·x·y."""
    ypx, ymx, xy2d = n
    return _add_niels(p, (ymx, ypx, -xy2d))


_BY = 4 * _inv(5) % P
B = (_recover_x(_BY, 0), _BY, 1, _recover_x(_BY, 0) * _BY % P)  # RFC 8032 §5.1: x even

def _window_table(pt):
    """table[i][j - 1] = Niels(j · 16^i · pt), i = 0..64, j = 1..8: with signed radix-16 digits
    a multiplication by any k < 2^256 is then 65 mixed additions and no doublings."""
    ext = []
    q = pt
    for _ in range(65):
        row = [q]
        for _ in range(7):
            row.append(_add(row[-1], q))
        ext.append(row)
        q = _double(_double(_double(_double(q))))
    # normalise all 520 points with one inversion (Montgomery's trick)
    flat = [p for row in ext for p in row]
    prefix = [1]
    for p in flat:
        prefix.append(prefix[-1] * p[2] % P)
    inv = _inv(prefix[-1])
    zinv = [0] * len(flat)
    for i in range(len(flat) - 1, -1, -1):
        zinv[i] = inv * prefix[i] % P
        inv = inv * flat[i][2] % P
    table = []
    for r in range(65):
        row = []
        for j in range(8):
            X, Y, _, _ = flat[r * 8 + j]
            zi = zinv[r * 8 + j]
            x, y = X * zi % P, Y * zi % P
            row.append(((y + x) % P, (y - x) % P, D2 * x % P * y % P))
        table.append(row)
    return table


def _table_mul(table, k):
    acc = IDENTITY
    for i, e in enumerate(_signed_radix16(k)):
        if e > 0:
            acc = _add_niels(acc, table[i][e - 1])
        elif e < 0:
            acc = _sub_niels(acc, table[i][-e - 1])
    return acc


_BASE_TABLE = None


def _base_table():
    global _BASE_TABLE
    if _BASE_TABLE is None:
        _BASE_TABLE = _window_table(B)  # built once, ~30 ms
    return _BASE_TABLE


def base_mul(k):
    """[k]B for 0 <= k < 2^256: 65 table additions, no doublings."""
    return _table_mul(_base_table(), k)


def scalar_mul(k, pt):
    """[k]pt for 0 <= k < 2^256 (signed radix-16 window over pt, 2pt, ..., 8pt)."""
    multiples = [pt]
    for _ in range(7):
        multiples.append(_add(multiples[-1], pt))
    negs = [_neg(m) for m in multiples]
    digits = _signed_radix16(k)
    acc = IDENTITY
    top = len(digits) - 1
    while top > 0 and digits[top] == 0:
        top -= 1
    for i in range(top, -1, -1):
        if i != top:
            acc = _double(_double_xyz(_double_xyz(_double_xyz(acc))))
        e = digits[i]
        if e > 0:
            acc = _add(acc, multiples[e - 1])
        elif e < 0:
            acc = _add(acc, negs[-e - 1])
    return acc


# --- Keys, signing and verification (RFC 8032 §5.1.5-5.1.7, CON-2.4) ---------------------


def _sha512_int(*parts):
    h = hashlib.sha512()
    for part in parts:
        h.update(part)
    return int.from_bytes(h.digest(), "little")


def _expand(secret):
    """RFC 8032 §5.1.5: the clamped scalar s and the prefix."""
    if len(secret) != 32:
        raise ValueError("an Ed25519 private key is 32 bytes")
    h = hashlib.sha512(secret).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a, h[32:]


class SigningKey:
    """A private key with its expanded scalar and public key computed once."""

    def __init__(self, secret):
        self.secret = bytes(secret)
        self.scalar, self.prefix = _expand(self.secret)
        self.public = encode_point(base_mul(self.scalar % L))

    def sign(self, msg):
        """RFC 8032 §5.1.6."""
        r = _sha512_int(self.prefix, msg) % L
        R = encode_point(base_mul(r))
        k = _sha512_int(R, self.public, msg) % L
        S = (r + k * self.scalar) % L
        return R + S.to_bytes(32, "little")


def public_key(secret):
    return SigningKey(secret).public


def sign(secret, msg):
    return SigningKey(secret).sign(msg)


class VerifyingKey:
    """A decoded public key (CON-2.4 check 1 and the small-order test of check 4, done once)."""

    def __init__(self, public):
        self.bytes = bytes(public)
        self.point = decode_point(self.bytes)
        self.small = self.point is None or has_small_order(self.point)
        if self.point is not None:
            self.neg_point = _neg(self.point)
        self.uses = 0
        self.table = None  # the window table of -A, built at the fourth verification

    def _mul_neg(self, k):
        """[k](-A)."""
        self.uses += 1
        if self.table is None and self.uses >= 4:
            self.table = _window_table(self.neg_point)
        if self.table is not None:
            return _table_mul(self.table, k)
        return scalar_mul(k, self.neg_point)

    def valid(self):
        return self.point is not None

    def verify(self, sig, msg):
        """CON-2.4: ed25519-dalek 2.x `verify_strict`."""
        if self.point is None or len(sig) != 64:
            return False
        R_bytes = bytes(sig[:32])
        S = int.from_bytes(sig[32:], "little")
        if S >= L:
            return False
        if self.small:
            return False
        k = _sha512_int(R_bytes, self.bytes, msg) % L
        check = _add(self._mul_neg(k), base_mul(S))
        # Check 5 compares encodings. When they are equal, R_bytes is the canonical encoding of
        # `check`, so it decodes (check 3) to R = check, and check 4 on R is check 4 on `check`;
        # when they differ the signature fails whatever checks 3 and 4 say. So R_bytes need
        # not be decoded (a square root saved).
        return encode_point(check) == R_bytes and not has_small_order(check)


def verify(public, sig, msg):
    return VerifyingKey(public).verify(sig, msg)


# --- Self-test -------------------------------------------------------------------------------

# RFC 8032 §7.1: (SECRET KEY, PUBLIC KEY, MESSAGE, SIGNATURE)
RFC8032_TESTS = [
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
     "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
     "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
     "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
]


def _self_test():
    import time
    for i, (sk, pk, msg, sig) in enumerate(RFC8032_TESTS, 1):
        key = SigningKey(bytes.fromhex(sk))
        assert key.public.hex() == pk, f"TEST {i}: public key"
        s = key.sign(bytes.fromhex(msg))
        assert s.hex() == sig, f"TEST {i}: signature"
        vk = VerifyingKey(bytes.fromhex(pk))
        assert vk.verify(s, bytes.fromhex(msg)), f"TEST {i}: verify"
        assert not vk.verify(s, bytes.fromhex(msg) + b"x"), f"TEST {i}: wrong message"
        bad = bytearray(s)
        bad[5] ^= 1
        assert not vk.verify(bytes(bad), bytes.fromhex(msg)), f"TEST {i}: flipped R bit"
        # S + l: the same equation, rejected because S >= l (check 2)
        S = int.from_bytes(s[32:], "little") + L
        assert not vk.verify(s[:32] + S.to_bytes(32, "little"), bytes.fromhex(msg)), f"TEST {i}: S + l"
    print("RFC 8032 §7.1 TEST 1-3: keys, signatures and verification")

    # Strictness (CON-2.4): the identity (order 1) as a key decodes, but has small order,
    # so nothing verifies with it; a non-canonical encoding of a point decodes (y >= p), and
    # x = 0 with the sign bit set decodes.
    ident = (1).to_bytes(32, "little")
    assert decode_point(ident) is not None and has_small_order(decode_point(ident))
    noncanon = (P + 1).to_bytes(32, "little")  # y = p + 1 = 1 mod p: the identity again
    assert decode_point(noncanon) is not None
    neg_zero = (1 | (1 << 255)).to_bytes(32, "little")  # (x = 0, y = 1) with the sign bit
    assert decode_point(neg_zero) is not None
    # a non-canonical R: the identity's non-canonical encoding never matches encode(...)
    assert encode_point(decode_point(noncanon)) != noncanon
    # y = 2 is not on the curve
    assert decode_point((2).to_bytes(32, "little")) is None
    # A small-order R that satisfies the cofactorless equation: R = identity, S = k·a. A lax
    # verifier accepts it; CON-2.4 check 4 rejects it (with the window-table path too).
    key = SigningKey(bytes.fromhex(RFC8032_TESTS[0][0]))
    vk = VerifyingKey(key.public)
    msg = b"small order"
    k = _sha512_int(ident, key.public, msg) % L
    forged = ident + (k * key.scalar % L).to_bytes(32, "little")
    assert encode_point(_add(scalar_mul(k, _neg(vk.point)), base_mul(k * key.scalar % L))) == ident
    assert not vk.verify(forged, msg) and not vk.verify(forged, msg)
    # A = identity (small order), R = identity, S = 0: [0]B - [k]A = identity = R.
    assert not VerifyingKey(ident).verify(ident + bytes(32), msg)
    # the table path (second and later uses) agrees with the window path
    good = key.sign(msg)
    assert [vk.verify(good, msg) for _ in range(5)] == [True] * 5
    assert [vk.verify(good, msg + b"!") for _ in range(5)] == [False] * 5
    assert vk.table is not None and not vk.verify(forged, msg)
    print("strict decoding and small-order checks")

    # consistency of the fixed-base and variable-base multiplications
    import random
    rng = random.Random(1)
    for _ in range(20):
        k = rng.randrange(1 << 256)
        assert encode_point(base_mul(k)) == encode_point(scalar_mul(k, B))
    assert is_identity(scalar_mul(L, B))
    print("[k]B by table == [k]B by window; [l]B = identity")

    t = time.perf_counter()
    key = SigningKey(bytes(32))
    vk = VerifyingKey(key.public)
    n = 50
    sigs = [key.sign(i.to_bytes(8, "little")) for i in range(n)]
    t1 = time.perf_counter()
    for i, s in enumerate(sigs):
        assert vk.verify(s, i.to_bytes(8, "little"))
    t2 = time.perf_counter()
    print(f"speed: sign {(t1 - t) / n * 1e3:.2f} ms, verify {(t2 - t1) / n * 1e3:.2f} ms")
    print("all checks passed")


if __name__ == "__main__":
    _self_test()
