//! Property tests: arbitrary erasure patterns and corruptions get the right verdict.

use das::{PartialSquare, RepairError};
use proptest::prelude::*;

use crate::seeded_square;

/// Whether iterative row/column decoding completes, computed on a boolean grid alone.
fn peelable(k: usize, mut known: Vec<bool>) -> bool {
    let w = 2 * k;
    loop {
        let mut progress = false;
        for i in 0..w {
            let row: Vec<usize> = (0..w).map(|c| i * w + c).collect();
            let col: Vec<usize> = (0..w).map(|r| r * w + i).collect();
            for line in [row, col] {
                let n = line.iter().filter(|&&x| known[x]).count();
                if n >= k && n < w {
                    line.iter().for_each(|&x| known[x] = true);
                    progress = true;
                }
            }
        }
        if !progress {
            return known.iter().all(|&x| x);
        }
    }
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
}
