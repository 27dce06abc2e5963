//! Signatures that satisfy ed25519's equation but not `consensus.md` CON-2.4's strict checks:
//! a non-canonical `S` (`S + ℓ`), a small-order `R` (the identity, with `S = k·a`), and
//! signatures "by" a small-order public key (the identity, in its canonical and a non-canonical
//! encoding: `R = [S]B` for any `S`). They are built from RFC 8032's definitions with
//! `sha2`'s SHA-512 and `curve25519-dalek`'s scalars, not with the reference's signer, so a
//! lax verifier accepts them and a strict one rejects them.

use consensus::Keypair;
use curve25519_dalek::Scalar;
use sha2::{Digest, Sha512};

/// The identity point's canonical encoding (`y = 1`, sign 0): small order (1).
pub const IDENTITY: [u8; 32] = {
    let mut b = [0u8; 32];
    b[0] = 1;
    b
};

/// The identity's non-canonical encoding `y = p + 1 = 2^255 − 18` (CON-2.4 accepts `y ≥ p`):
/// another small-order key, with another address.
pub const IDENTITY_NON_CANONICAL: [u8; 32] = {
    let mut b = [0xff_u8; 32];
    b[0] = 0xee;
    b[31] = 0x7f;
    b
};

fn sha512(parts: &[&[u8]]) -> [u8; 64] {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    let mut out = [0u8; 64];
    out.copy_from_slice(&h.finalize());
    out
}

/// The secret scalar `a` of `key` (RFC 8032 §5.1.5: the clamped low half of SHA-512(secret)).
fn secret_scalar(key: &Keypair) -> Scalar {
    let h = sha512(&[&key.secret()]);
    let mut a = [0u8; 32];
    a.copy_from_slice(&h[..32]);
    a[0] &= 248;
    a[31] &= 127;
    a[31] |= 64;
    Scalar::from_bytes_mod_order(a)
}

/// The signature with `S` replaced by `S + ℓ` (non-canonical: CON-2.4 check 2), which still
/// satisfies the equation. `None` if `S + ℓ` would not stay below 2^253 (it does for all but a
/// negligible share of signatures).
pub fn non_canonical_s(signature: &[u8; 64]) -> Option<[u8; 64]> {
    // ℓ = (−1 mod ℓ) + 1; the low byte of ℓ − 1 is 0xec, so adding 1 carries nowhere.
    let mut ell = (-Scalar::ONE).to_bytes();
    ell[0] += 1;
    let mut out = *signature;
    let mut carry = 0u16;
    for (o, l) in out[32..].iter_mut().zip(ell) {
        let t = u16::from(*o) + u16::from(l) + carry;
        *o = t as u8;
        carry = t >> 8;
    }
    (carry == 0 && out[63] >> 5 == 0).then_some(out)
}

/// A signature by `key` over `message` whose `R` is the identity (small order: CON-2.4 check
/// 4) and `S = k·a mod ℓ` with `k = SHA-512(R ‖ A ‖ M) mod ℓ`: `[S]B − [k]A = [k·a − k·a]B` is
/// the identity, so the cofactorless equation holds.
pub fn small_order_r(key: &Keypair, message: &[u8]) -> [u8; 64] {
    let k = Scalar::from_bytes_mod_order_wide(&sha512(&[&IDENTITY, &key.public_key(), message]));
    let s = k * secret_scalar(key);
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&IDENTITY);
    out[32..].copy_from_slice(s.as_bytes());
    out
}

/// A "signature" for a public key that decodes to the identity (small order: CON-2.4 check
/// 4): `R` is `helper`'s public key `[a]B` and `S = a mod ℓ`, so `[S]B − [k]·identity = R`
/// whatever the message, and `R` has large order (prime, as every derived key has).
pub fn by_identity_key(helper: &Keypair) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&helper.public_key());
    out[32..].copy_from_slice(secret_scalar(helper).as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forged_signatures_are_what_they_claim() {
        let key = Keypair::derive(1, 0);
        let bytes = consensus::Proposal { height: 1, round: 0, value: b"A".as_slice().into(), valid_round: None }
            .payload()
            .sign_bytes();
        let sig = key.sign_bytes(&bytes);
        // S + ℓ: a different encoding of the same scalar.
        let bumped = non_canonical_s(&sig).unwrap_or(sig);
        assert_ne!(bumped, sig);
        let s = |b: &[u8; 64]| Scalar::from_bytes_mod_order(<[u8; 32]>::try_from(&b[32..]).unwrap_or_default());
        assert_eq!(s(&bumped), s(&sig));
        // [a]B is the public key: the secret scalar is RFC 8032's.
        let a = secret_scalar(&key);
        assert_eq!(curve25519_dalek::EdwardsPoint::mul_base(&a).compress().to_bytes(), key.public_key());
        // The identity's encodings decode to the identity.
        let id = curve25519_dalek::edwards::CompressedEdwardsY(IDENTITY).decompress();
        assert_eq!(id, Some(curve25519_dalek::EdwardsPoint::default()));
    }
}
