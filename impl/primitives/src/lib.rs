//! Shared primitives of the orsma stack: Keccak-256 hashes, the canonical encoding and a
//! binary Merkle tree with inclusion proofs.
//!
//! Everything here is pure: no IO, no clock, no randomness. The byte-level rules are
//! normative in `docs/spec/encoding.md`; this crate is their reference implementation.
//!
//! - [`Hash32`] and [`keccak256`]: the only hash function of the stack (Keccak-256, the
//!   original Keccak padding as used by Ethereum, not NIST SHA3-256).
//! - [`encoding`]: the canonical binary encoding of structured values (Borsh), used by every
//!   structured hash input.
//! - [`merkle`]: an RFC 9162 (Certificate Transparency v2) shaped binary Merkle tree over
//!   Keccak-256, with domain-separated leaf and node hashes and audit-path proofs.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod encoding;
mod hash;
pub mod merkle;
mod splitmix;

pub use hash::{Hash32, ParseHashError, keccak256, keccak256_concat};
pub use splitmix::{splitmix64, splitmix64_bytes};
