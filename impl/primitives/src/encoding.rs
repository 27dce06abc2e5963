//! The canonical binary encoding: Borsh (<https://borsh.io>), restated for our types in
//! `docs/spec/encoding.md`.
//!
//! Borsh is deterministic and bijective (one value, one encoding), which is what a hash input
//! needs, and it has maintained implementations in Rust, JavaScript, Python, Go and Java, which
//! is what a client team in another language needs. Integers are little-endian and fixed
//! width, sequences carry a `u32` little-endian length prefix, enums a `u8` variant index.

pub use borsh::{BorshDeserialize, BorshSerialize};

use crate::{Hash32, keccak256_concat};

/// Why bytes are not the canonical encoding of a value.
#[derive(Debug, thiserror::Error)]
#[error("not a canonical encoding: {0}")]
pub struct DecodeError(#[from] borsh::io::Error);

/// The canonical encoding of `value`.
pub fn encode<T: BorshSerialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a `Vec` cannot fail; Borsh only fails on its writer's IO errors.
    value.serialize(&mut out).expect("writing into a Vec<u8> is infallible");
    out
}

/// Decodes a value, rejecting truncated input, invalid tags and trailing bytes.
pub fn decode<T: BorshDeserialize>(bytes: &[u8]) -> Result<T, DecodeError> {
    Ok(borsh::from_slice(bytes)?)
}

/// The hash of a structured value: `keccak256(domain ‖ encode(value))`.
///
/// `domain` is an ASCII tag from the table in `docs/spec/encoding.md`; it keeps hashes of
/// different kinds of object apart even when their encodings coincide.
pub fn hash_tagged<T: BorshSerialize + ?Sized>(domain: &[u8], value: &T) -> Hash32 {
    keccak256_concat(&[domain, &encode(value)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_little_endian_and_sequences_length_prefixed() {
        assert_eq!(encode(&0x0102_0304u32), [4, 3, 2, 1]);
        assert_eq!(encode(&-2i64), [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(encode(&vec![7u8, 8]), [2, 0, 0, 0, 7, 8]);
        assert_eq!(encode(&Some(1u8)), [1, 1]);
        assert_eq!(encode(&None::<u8>), [0]);
    }

    #[test]
    fn a_tagged_hash_is_the_hash_of_the_domain_then_the_encoding() {
        // encoding.md ENC-3.1: keccak256(domain ‖ encode(value)); 7u32 encodes as 07 00 00 00.
        assert_eq!(hash_tagged(b"orsma/test", &7u32), crate::keccak256(b"orsma/test\x07\x00\x00\x00"));
        assert_ne!(hash_tagged(b"orsma/a", &7u32), hash_tagged(b"orsma/b", &7u32));
    }

    #[test]
    fn decode_rejects_trailing_and_truncated_bytes() {
        assert!(decode::<u32>(&[1, 0, 0, 0, 0]).is_err());
        assert!(decode::<u32>(&[1, 0, 0]).is_err());
        assert!(decode::<Option<u8>>(&[2, 0]).is_err());
        assert_eq!(decode::<u32>(&[1, 0, 0, 0]).ok(), Some(1));
    }
}
