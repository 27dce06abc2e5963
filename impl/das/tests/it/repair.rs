use das::{Axis, PartialSquare, RepairError};

use crate::seeded_square;

#[test]
fn any_quadrant_repairs_the_square() {
    for k in [1, 2, 4, 16] {
        let eds = seeded_square(k, 64, k as u64);
        let dah = eds.dah();
        for (qr, qc) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            let partial = PartialSquare::from_square(&eds, |r, c| r / k == qr && c / k == qc);
            assert_eq!(partial.present(), k * k);
            assert_eq!(partial.repair(&dah).unwrap(), eds, "k={k} quadrant ({qr}, {qc})");
        }
    }
}

#[test]
fn the_minimal_withholding_pattern_is_unrecoverable_and_one_share_less_is_not() {
    let k = 4;
    let eds = seeded_square(k, 64, 9);
    let dah = eds.dah();
    // Withhold a (k+1)×(k+1) block: every row and column through it has only k-1 shares.
    let partial = PartialSquare::from_square(&eds, |r, c| !(r <= k && c <= k));
    match partial.repair(&dah) {
        Err(RepairError::Unrecoverable { missing, rows, cols }) => {
            assert_eq!((missing, rows, cols), ((k + 1) * (k + 1), k + 1, k + 1));
        }
        other => panic!("expected unrecoverable, got {other:?}"),
    }
    // Release one of the block's shares: its row now has k, and the rest unravels.
    let partial = PartialSquare::from_square(&eds, |r, c| !(r <= k && c <= k) || (r, c) == (0, 0));
    assert_eq!(partial.repair(&dah).unwrap(), eds);
}

#[test]
fn repair_catches_a_bad_encoding_with_a_valid_fraud_proof() {
    let k = 4;
    let mut eds = seeded_square(k, 64, 3);
    // Corrupt one parity share of row 2 and commit to the corrupted square.
    eds.share_mut(2, 6).unwrap()[5] ^= 0x40;
    let dah = eds.dah();
    // Everything but row 2's original half: row 2 is decoded from its parity half and
    // the corrupt share, and does not match its root.
    let mut partial = PartialSquare::from_square(&eds, |_, _| false);
    for r in 0..2 * k {
        for c in 0..2 * k {
            if !(r == 2 && c < k) {
                let proof = eds.share_proof(r, c, Axis::Col).unwrap();
                partial.insert_proven(&dah, r, c, eds.share(r, c).unwrap(), proof).unwrap();
            }
        }
    }
    match partial.repair(&dah) {
        Err(RepairError::BadEncoding { axis, index, proof }) => {
            let proof = proof.expect("every given share had a proof");
            assert_eq!((proof.axis, proof.index as usize), (axis, index));
            proof.verify(&dah, 64).unwrap();
        }
        other => panic!("expected bad encoding, got {other:?}"),
    }
}

#[test]
fn a_square_whose_given_shares_match_the_roots_but_are_not_a_codeword_is_refused() {
    let k = 2;
    let mut eds = seeded_square(k, 64, 4);
    eds.share_mut(0, 3).unwrap()[0] ^= 1;
    let dah = eds.dah();
    let partial = PartialSquare::from_square(&eds, |_, _| true);
    assert_eq!(partial.repair(&dah).unwrap_err().code(), "bad_encoding");
}
