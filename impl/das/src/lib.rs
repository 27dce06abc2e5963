//! Data availability sampling, Celestia style (`docs/spec/das.md`).
//!
//! A block's data is laid out as a `k×k` square of shares ([`DataSquare`]) and extended to a
//! `2k×2k` square ([`ExtendedSquare`]) with Leopard Reed–Solomon codes, rows then columns, in
//! exactly the layout of Celestia's rsmt2d, so the extended square is bit-identical to
//! Celestia's. Each row and column gets a Keccak Merkle root; the roots form the header
//! ([`Dah`]) and hash to the data root.
//!
//! - [`ShareProof`]: a share's place in its row or column.
//! - [`sampling`]: a [`LightClient`] draws seeded samples, verifies them and decides
//!   availability; the closed-form detection probability sits next to it.
//! - [`PartialSquare::repair`]: iterative row/column decoding from any sufficient subset,
//!   with every decoded line checked against the header.
//! - [`BadEncodingProof`]: a stateless proof that a committed line is not a codeword.
//! - [`custody`]: which rows and columns each full node keeps.
//! - [`sim`]: a seeded network of a withholding producer, custodying full nodes and sampling
//!   light clients: measured detection against the closed form, and network-wide repair.
//!
//! Everything is sans-IO and deterministic: seeds are inputs, nothing reads a clock.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod codec;
pub mod custody;
mod fraud;
mod repair;
pub mod sampling;
pub mod sim;
mod square;

pub use codec::{Codec, CodecError, Field};
pub use fraud::{BadEncodingProof, Fraud, FraudProofError, ShareWithProof};
pub use repair::{PartialSquare, RepairError};
pub use sampling::{LightClient, LightClientError, SamplingReport};
pub use square::{
    Axis, BLOB_LENGTH_PREFIX, Dah, DahError, DataSquare, ExtendedSquare, MAX_ODS_WIDTH, MAX_SHARE_SIZE, SHARE_SIZE,
    ShareProof, ShareProofError, SquareError, check_dimensions,
};
