use das::{Axis, BadEncodingProof, Codec, Fraud, FraudProofError};

use crate::seeded_square;

#[test]
fn a_bad_line_is_found_and_proven_and_every_tampering_is_rejected() {
    let k = 4;
    let mut eds = seeded_square(k, 64, 5);
    eds.share_mut(1, 2).unwrap()[0] ^= 1;
    let dah = eds.dah();
    let mut codec = Codec::new(k, 64).unwrap();
    // Row 1 and column 2 are no longer codewords.
    assert_eq!(eds.bad_lines(&mut codec).unwrap(), vec![(Axis::Row, 1), (Axis::Col, 2)]);
    let proof = BadEncodingProof::for_line(&eds, Axis::Row, 1).unwrap();
    assert_eq!(proof.verify(&dah, 64), Ok(Fraud::RootMismatch));
    // Round trip through bytes.
    assert_eq!(BadEncodingProof::from_bytes(&proof.to_bytes()).unwrap(), proof);

    // All 2k shares of the bad row: not a codeword.
    let mut full = proof.clone();
    for p in k..2 * k {
        let path = eds.share_proof(1, p, Axis::Row).unwrap();
        full.shares[p] = Some(das::ShareWithProof { share: eds.share(1, p).unwrap().to_vec(), proof: path });
    }
    assert_eq!(full.verify(&dah, 64), Ok(Fraud::NotACodeword));

    let reject = |p: &BadEncodingProof| p.verify(&dah, 64).unwrap_err().code();
    let mut t = proof.clone();
    t.index = 8;
    assert_eq!(reject(&t), "bad_index");
    let mut t = proof.clone();
    t.shares.pop();
    assert_eq!(reject(&t), "wrong_length");
    let mut t = proof.clone();
    t.shares[0] = None;
    assert_eq!(reject(&t), "too_few_shares");
    let mut t = proof.clone();
    t.shares[3].as_mut().unwrap().share[7] ^= 1;
    assert_eq!(reject(&t), "bad_share");
    let mut t = proof.clone();
    t.shares.swap(0, 4);
    assert_eq!(reject(&t), "bad_share", "a share proven at another position is refused");
    // A proof over a good line proves nothing.
    let honest = BadEncodingProof::for_line(&eds, Axis::Row, 5).unwrap();
    assert_eq!(honest.verify(&dah, 64), Err(FraudProofError::NotFraud));
    // Garbage bytes are a decode error, not a panic.
    assert_eq!(BadEncodingProof::from_bytes(&[1, 2, 3]).unwrap_err().code(), "decode");
}

#[test]
fn shares_may_be_proven_against_the_orthogonal_roots() {
    let k = 2;
    let mut eds = seeded_square(k, 64, 6);
    eds.share_mut(3, 0).unwrap()[9] ^= 0x80;
    let dah = eds.dah();
    let mut proof = BadEncodingProof::for_line(&eds, Axis::Col, 0).unwrap();
    for (position, entry) in proof.shares.iter_mut().enumerate() {
        if let Some(entry) = entry {
            entry.proof = eds.share_proof(position, 0, Axis::Row).unwrap();
        }
    }
    assert_eq!(proof.verify(&dah, 64), Ok(Fraud::RootMismatch));
}
