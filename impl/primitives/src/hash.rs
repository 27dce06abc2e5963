//! The 32-byte hash type and Keccak-256.

use std::fmt;
use std::str::FromStr;

use borsh::{BorshDeserialize, BorshSerialize};
use sha3::{Digest, Keccak256};

/// A 32-byte Keccak-256 digest.
///
/// Displayed and parsed as `0x` followed by 64 lowercase hex digits. Encoded canonically as
/// its 32 raw bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, BorshSerialize, BorshDeserialize)]
pub struct Hash32(pub [u8; 32]);

impl Hash32 {
    /// The all-zero value. It is not the hash of anything; specs use it as a placeholder.
    pub const ZERO: Hash32 = Hash32([0; 32]);

    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Keccak-256 of `data` (Ethereum's `keccak256`, not NIST SHA3-256).
pub fn keccak256(data: &[u8]) -> Hash32 {
    Hash32(Keccak256::digest(data).into())
}

/// Keccak-256 of the concatenation of `parts`, without materialising the concatenation.
pub fn keccak256_concat(parts: &[&[u8]]) -> Hash32 {
    let mut hasher = Keccak256::new();
    for part in parts {
        hasher.update(part);
    }
    Hash32(hasher.finalize().into())
}

impl fmt::Display for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Why a string is not a canonical hash (`0x` + 64 lowercase hex digits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseHashError {
    /// The string does not start with `0x`.
    #[error("a hash must start with `0x`")]
    MissingPrefix,
    /// The digits are not exactly 64.
    #[error("a hash has 64 hex digits after `0x`, got {got}")]
    WrongLength {
        /// How many characters followed the prefix.
        got: usize,
    },
    /// A character is not a lowercase hex digit.
    #[error("a hash is written in lowercase hex digits (0-9, a-f)")]
    NotLowercaseHex,
}

impl FromStr for Hash32 {
    type Err = ParseHashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix("0x").ok_or(ParseHashError::MissingPrefix)?;
        if digits.len() != 64 {
            return Err(ParseHashError::WrongLength { got: digits.len() });
        }
        if !digits.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(ParseHashError::NotLowercaseHex);
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(digits, &mut out).map_err(|_| ParseHashError::NotLowercaseHex)?;
        Ok(Hash32(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keccak256_matches_published_vectors() {
        // Published Keccak-256 test values (also what Ethereum's keccak256 returns).
        assert_eq!(keccak256(b"").to_string(), "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
        assert_eq!(keccak256(b"abc").to_string(), "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    }

    #[test]
    fn concat_equals_hash_of_concatenation() {
        assert_eq!(keccak256_concat(&[b"ab", b"", b"c"]), keccak256(b"abc"));
    }

    #[test]
    fn parse_round_trips_and_rejects_non_canonical_text() {
        let h = keccak256(b"orsma");
        assert_eq!(h.to_string().parse::<Hash32>(), Ok(h));
        assert_eq!("00".parse::<Hash32>(), Err(ParseHashError::MissingPrefix));
        assert_eq!("0x00".parse::<Hash32>(), Err(ParseHashError::WrongLength { got: 2 }));
        let upper = h.to_string().to_uppercase().replacen("0X", "0x", 1);
        assert_eq!(upper.parse::<Hash32>(), Err(ParseHashError::NotLowercaseHex));
    }
}
