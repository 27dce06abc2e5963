//! The DAS reference against independent ground truth (Celestia's own squares, rsmt2d's test
//! squares, the cross-implementation hashes of ADR 0005) and against its own invariants.

mod fraud;
mod golden;
mod props;
mod repair;
mod sampling;
mod sim;

use das::{DataSquare, ExtendedSquare};

/// The deterministic ODS of ADR 0005: share `i = r·k + c`, byte `j` is `(i·31 + j·7 + 1) mod 256`.
pub(crate) fn adr_square(k: usize, share_size: usize) -> DataSquare {
    let mut bytes = Vec::with_capacity(k * k * share_size);
    for i in 0..k * k {
        bytes.extend((0..share_size).map(|j| ((i * 31 + j * 7 + 1) % 256) as u8));
    }
    DataSquare::new(k, share_size, bytes).unwrap()
}

/// A square of pseudo-random shares from a seed (splitmix64 bytes).
pub(crate) fn seeded_square(k: usize, share_size: usize, seed: u64) -> ExtendedSquare {
    let bytes = primitives::splitmix64_bytes(seed, k * k * share_size);
    DataSquare::new(k, share_size, bytes).unwrap().extend().unwrap()
}
