//! Canonical scalars of the vector format (`docs/spec/vectors.md` §2): integers as decimal
//! strings, bytes and hashes as lowercase `0x`-hex. Readers accept only the canonical form.

use std::fmt;

use primitives::Hash32;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A signed 64-bit integer, written as a canonical decimal string: `"-5"`, `"0"`, `"42"`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Int(pub i64);

/// An unsigned 64-bit integer, written as a canonical decimal string.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Uint(pub u64);

/// An unsigned 32-bit integer (a consensus round), written as a canonical decimal string.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Uint32(pub u32);

/// Bytes, written as `0x` followed by lowercase hex digits (two per byte).
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Hex(pub Vec<u8>);

/// A 32-byte hash, written as `0x` followed by 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HashHex(pub Hash32);

macro_rules! decimal {
    ($ty:ident, $inner:ty, $what:literal) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<$inner> for $ty {
            fn from(value: $inner) -> Self {
                $ty(value)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!($what, " written as a quoted canonical decimal string"))
                    }
                    fn visit_str<E: de::Error>(self, s: &str) -> Result<$ty, E> {
                        parse_canonical::<$inner>(s).map($ty).ok_or_else(|| {
                            E::custom(format_args!(
                                "`{s}` is not {}: write it as a decimal string without a sign `+`, leading zeros or spaces",
                                $what
                            ))
                        })
                    }
                }
                deserializer.deserialize_any(V)
            }
        }
    };
}

decimal!(Int, i64, "a 64-bit signed integer");
decimal!(Uint, u64, "a 64-bit unsigned integer");
decimal!(Uint32, u32, "a 32-bit unsigned integer");

/// Parses `s` if it is exactly how `T` displays itself (so `"007"`, `"+1"` and `"-0"` fail).
pub fn parse_canonical<T: std::str::FromStr + ToString>(s: &str) -> Option<T> {
    let value: T = s.parse().ok()?;
    (value.to_string() == s).then_some(value)
}

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(&self.0))
    }
}

impl fmt::Debug for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Parses canonical `0x`-hex: the prefix, then an even number of lowercase hex digits.
pub fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let digits = s.strip_prefix("0x")?;
    if digits.len() % 2 != 0 || !digits.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    hex::decode(digits).ok()
}

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Hex;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes written as 0x followed by lowercase hex digits")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Hex, E> {
                parse_hex(s).map(Hex).ok_or_else(|| {
                    E::custom(format_args!(
                        "`{}` is not 0x followed by an even number of lowercase hex digits",
                        clip(s)
                    ))
                })
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl fmt::Display for HashHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for HashHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for HashHex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for HashHex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = HashHex;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a hash written as 0x followed by 64 lowercase hex digits")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<HashHex, E> {
                s.parse::<Hash32>().map(HashHex).map_err(|e| E::custom(format_args!("`{}`: {e}", clip(s))))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// The first characters of a possibly huge string, for error messages.
pub(crate) fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn integers_round_trip_as_strings() {
        assert_eq!(serde_json::to_string(&Int(-5)).ok(), Some("\"-5\"".to_owned()));
        assert_eq!(serde_json::to_string(&Uint(u64::MAX)).ok(), Some("\"18446744073709551615\"".to_owned()));
        assert_eq!(json::<Int>("\"-9223372036854775808\""), Ok(Int(i64::MIN)));
        assert_eq!(json::<Uint>("\"0\""), Ok(Uint(0)));
    }

    #[test]
    fn non_canonical_integers_are_rejected() {
        for bad in ["\"007\"", "\"+1\"", "\"-0\"", "\" 1\"", "\"1e3\"", "\"\"", "5", "\"9223372036854775808\""] {
            assert!(json::<Int>(bad).is_err(), "{bad} should be rejected");
        }
        for bad in ["\"-1\"", "\"18446744073709551616\"", "\"01\""] {
            assert!(json::<Uint>(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn hex_is_lowercase_with_prefix_and_whole_bytes() {
        assert_eq!(serde_json::to_string(&Hex(vec![0xab, 0x01])).ok(), Some("\"0xab01\"".to_owned()));
        assert_eq!(json::<Hex>("\"0x\""), Ok(Hex(vec![])));
        for bad in ["\"ab01\"", "\"0xAB01\"", "\"0xab0\"", "\"0X0a\"", "\"0xzz\""] {
            assert!(json::<Hex>(bad).is_err(), "{bad} should be rejected");
        }
        let err = json::<Hex>("\"0xABCD\"").expect_err("uppercase");
        assert!(err.contains("lowercase"), "{err}");
    }
}
