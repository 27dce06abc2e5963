//! Property tests: arbitrary erasure patterns and corruptions get the right verdict.

use das::{Axis, PartialSquare, RepairError};
use proptest::prelude::*;

use crate::seeded_square;

/// The repair verdict oracle, shared with the `das_reconstruct` fuzz target.
#[path = "verdict.rs"]
mod verdict;

/// Whether iterative row/column decoding completes, computed on a boolean grid alone.
fn peelable(k: usize, known: Vec<bool>) -> bool {
    verdict::peel(k, &known).0 == 0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn repair_succeeds_exactly_when_peeling_does(
        log_k in 0u32..4,
        seed in any::<u64>(),
        density in 0.2f64..0.9,
        mask_seed in any::<u64>(),
    ) {
        let k = 1usize << log_k;
        let w = 2 * k;
        let eds = seeded_square(k, 64, seed);
        let mut state = mask_seed;
        let known: Vec<bool> =
            (0..w * w).map(|_| (primitives::splitmix64(&mut state) as f64 / u64::MAX as f64) < density).collect();
        let partial = PartialSquare::from_square(&eds, |r, c| known[r * w + c]);
        match partial.repair(&eds.dah()) {
            Ok(repaired) => {
                prop_assert!(peelable(k, known));
                prop_assert_eq!(repaired, eds);
            }
            Err(RepairError::Unrecoverable { missing, .. }) => {
                prop_assert!(!peelable(k, known.clone()));
                prop_assert!(missing > 0);
            }
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
    }

    #[test]
    fn a_corrupted_share_never_yields_a_wrong_square(
        log_k in 0u32..3,
        seed in any::<u64>(),
        cell in any::<u16>(),
        byte in 0usize..64,
        flip in 1u8..=255,
    ) {
        let k = 1usize << log_k;
        let w = 2 * k;
        let mut eds = seeded_square(k, 64, seed);
        let (r, c) = (cell as usize / w % w, cell as usize % w);
        eds.share_mut(r, c).unwrap()[byte] ^= flip;
        // The producer commits to the corrupted square: repair must refuse it as bad encoding
        // (never return it, never panic), whatever subset it starts from.
        let dah = eds.dah();
        let partial = PartialSquare::from_square(&eds, |_, _| true);
        prop_assert_eq!(partial.repair(&dah).unwrap_err().code(), "bad_encoding");
        let partial = PartialSquare::from_square(&eds, |rr, cc| rr >= k || cc >= k);
        prop_assert_eq!(partial.repair(&dah).unwrap_err().code(), "bad_encoding");
    }

    /// The `das_reconstruct` fuzz target's oracle (`verdict.rs`) over random masks, a producer
    /// that tampers with shares (and may re-encode one way afterwards), corrupted shares in
    /// transit, and shares given with or without proofs.
    #[test]
    fn every_verdict_is_right_whatever_is_withheld_or_corrupted(
        log_k in 0u32..4,
        seed in any::<u64>(),
        density in 0.0f64..1.0,
        mask_seed in any::<u64>(),
        committed in proptest::collection::vec((any::<u16>(), 0usize..64, any::<u8>()), 0..3),
        given in proptest::collection::vec((any::<u16>(), 0usize..64, any::<u8>()), 0..3),
        reencode in 0u8..3,
        proofs in any::<bool>(),
    ) {
        let k = 1usize << log_k;
        let w = 2 * k;
        let mut square = seeded_square(k, 64, seed);
        for &(cell, byte, bits) in &committed {
            verdict::flip(&mut square, usize::from(cell), byte, bits);
        }
        match reencode {
            1 => verdict::reencode(&mut square, Axis::Row),
            2 => verdict::reencode(&mut square, Axis::Col),
            _ => {}
        }
        let mut received = square.clone();
        for &(cell, byte, bits) in &given {
            verdict::flip(&mut received, usize::from(cell), byte, bits);
        }
        let mut state = mask_seed;
        let known: Vec<bool> =
            (0..w * w).map(|_| (primitives::splitmix64(&mut state) as f64 / u64::MAX as f64) < density).collect();
        verdict::check_repair(&square, &received, &known, proofs);
    }
}
