//! The oracle for repair verdicts, shared by the property tests (`props.rs`) and the
//! `das_reconstruct` fuzz target (which includes this file by path), so that both check the
//! same thing. It depends on `das` and `primitives` only, and panics on a wrong verdict.
//!
//! A producer commits (the header) to `committed`, which may not be a codeword square; the
//! repairer is handed the shares of `given` (the committed square with some shares corrupted in
//! transit) at the cells `known` marks. Whatever the input, the verdict must be one of:
//!
//! - `Ok(square)`: boolean peeling completes, the committed square is a codeword square, no
//!   given share was corrupted, and `square` is the committed square;
//! - `Unrecoverable`: peeling on the mask alone stops with exactly the same missing shares,
//!   rows and columns;
//! - `BadEncoding` for a line: the committed line is not a codeword, or a corrupted share was
//!   given on it; a fraud proof, if one comes with it, names that line, round-trips through
//!   its bytes, and verifies against the header exactly when the committed line is bad.
//!
//! Independently of the repair, a proof of a committed line's first `k` shares
//! (`BadEncodingProof::for_line`) must verify for every line `bad_lines` reports, and not for
//! row 0 or the last column unless it reports them.

use das::{Axis, BadEncodingProof, Codec, ExtendedSquare, PartialSquare, RepairError, ShareProof};
use primitives::merkle::MerkleTree;

/// What boolean peeling over the mask leaves, as `(missing shares, incomplete rows, incomplete
/// columns)`: any line with at least `k` known cells becomes complete, until none changes.
pub(crate) fn peel(k: usize, known: &[bool]) -> (usize, usize, usize) {
    let w = 2 * k;
    let mut known = known.to_vec();
    let cell = |axis: usize, line: usize, p: usize| if axis == 0 { line * w + p } else { p * w + line };
    loop {
        let mut progress = false;
        for axis in 0..2 {
            for line in 0..w {
                let n = (0..w).filter(|&p| known[cell(axis, line, p)]).count();
                if n >= k && n < w {
                    (0..w).for_each(|p| known[cell(axis, line, p)] = true);
                    progress = true;
                }
            }
        }
        if !progress {
            break;
        }
    }
    let incomplete = |axis| (0..w).filter(|&line| (0..w).any(|p| !known[cell(axis, line, p)])).count();
    (known.iter().filter(|&&x| !x).count(), incomplete(0), incomplete(1))
}

/// The verdict's code, for the callers' statistics.
pub(crate) fn check_repair(
    committed: &ExtendedSquare,
    given: &ExtendedSquare,
    known: &[bool],
    proofs: bool,
) -> &'static str {
    let (k, w, s) = (committed.k(), committed.width(), committed.share_size());
    assert_eq!(known.len(), w * w);
    let dah = committed.dah();
    let mut codec = Codec::new(k, s).expect("a valid codec");
    let bad = committed.bad_lines(&mut codec).expect("full lines decode");
    // Every bad line, and one row and one column that may be good (all 4k lines would make
    // this check most of the fuzz target's time).
    for (axis, index) in bad.iter().copied().chain([(Axis::Row, 0), (Axis::Col, w - 1)]) {
        let proof = BadEncodingProof::for_line(committed, axis, index).expect("a line inside");
        assert_eq!(
            proof.verify(&dah, s).is_ok(),
            bad.contains(&(axis, index)),
            "a proof of {} {index}'s first k shares verifies exactly when the line is bad ({bad:?})",
            axis.name()
        );
    }

    let corrupted = |r: usize, c: usize| known[r * w + c] && given.share(r, c) != committed.share(r, c);
    let any_corrupted = (0..w * w).any(|i| corrupted(i / w, i % w));
    let mut partial = PartialSquare::new(k, s).expect("valid dimensions");
    // Each line's tree built once (`share_proof` builds one per call).
    let leaves = committed.leaf_hashes();
    let mut trees: Vec<Option<MerkleTree>> = vec![None; 2 * w];
    let mut share_proof = |axis: Axis, index: usize, position: usize| {
        let tree = trees[axis as usize * w + index].get_or_insert_with(|| {
            MerkleTree::from_leaf_hashes(
                (0..w)
                    .map(|p| {
                        let (r, c) = axis.cell(index, p);
                        leaves[r * w + c]
                    })
                    .collect(),
            )
        });
        ShareProof { axis, path: tree.proof(position as u64).expect("inside").path }
    };
    for (i, _) in known.iter().enumerate().filter(|(_, known)| **known) {
        let (r, c) = (i / w, i % w);
        let share = given.share(r, c).expect("inside");
        if proofs {
            // Each share with its proof against its row or its column, alternately.
            let proof = if (r + c) % 2 == 0 { share_proof(Axis::Row, r, c) } else { share_proof(Axis::Col, c, r) };
            match partial.insert_proven(&dah, r, c, share, proof) {
                Ok(()) => assert!(!corrupted(r, c), "a corrupted share at ({r}, {c}) was accepted with a proof"),
                Err(e) => {
                    assert!(corrupted(r, c), "the proof of share ({r}, {c}) was refused: {e}");
                    // It still arrives, without a proof.
                    partial.insert(r, c, share).expect("inside");
                }
            }
        } else {
            partial.insert(r, c, share).expect("inside");
        }
    }
    assert_eq!(partial.present(), known.iter().filter(|&&x| x).count());

    let (missing, rows, cols) = peel(k, known);
    match partial.repair(&dah) {
        Ok(square) => {
            assert_eq!(missing, 0, "repaired although peeling leaves {missing} shares missing");
            assert!(bad.is_empty(), "repaired a committed square with bad lines {bad:?}");
            assert!(!any_corrupted, "repaired from corrupted shares");
            assert!(square == *committed, "the repaired square is not the committed one");
            "ok"
        }
        Err(RepairError::Unrecoverable { missing: m, rows: r, cols: c }) => {
            assert!(missing > 0, "unrecoverable although peeling completes");
            assert_eq!((m, r, c), (missing, rows, cols), "unrecoverable: (missing, rows, cols) differ from peeling's");
            "unrecoverable"
        }
        Err(RepairError::BadEncoding { axis, index, proof }) => {
            let is_bad = bad.contains(&(axis, index));
            let line_corrupted = (0..w).any(|p| {
                let (r, c) = axis.cell(index, p);
                corrupted(r, c)
            });
            assert!(
                is_bad || line_corrupted,
                "{} {index} accused, but it is a codeword in the committed square (bad lines {bad:?}) and no \
                 corrupted share was given on it",
                axis.name()
            );
            if let Some(proof) = proof {
                assert_eq!((proof.axis, proof.index as usize), (axis, index), "the proof names the accused line");
                assert_eq!(BadEncodingProof::from_bytes(&proof.to_bytes()).as_ref(), Ok(&*proof), "proof round trip");
                let verdict = proof.verify(&dah, s);
                assert_eq!(
                    verdict.is_ok(),
                    is_bad,
                    "the fraud proof for {} {index} verifies exactly when the line is bad: {verdict:?}",
                    axis.name()
                );
            }
            "bad_encoding"
        }
        Err(e) => panic!("unexpected repair error: {e}"),
    }
}

/// Flips `bits` of byte `byte mod share size` of share `cell mod (2k)²`, as a producer or a
/// network might; `bits = 0` changes nothing.
pub(crate) fn flip(square: &mut ExtendedSquare, cell: usize, byte: usize, bits: u8) {
    let w = square.width();
    let cell = cell % (w * w);
    let share = square.share_mut(cell / w, cell % w).expect("inside");
    let at = byte % share.len();
    share[at] ^= bits;
}

/// Re-encodes every line of `axis` from its original half, as a producer that extends only one
/// way after tampering would: those lines become codewords again, the other way's need not be.
pub(crate) fn reencode(square: &mut ExtendedSquare, axis: Axis) {
    let (k, w, s) = (square.k(), square.width(), square.share_size());
    let mut codec = Codec::new(k, s).expect("a valid codec");
    for index in 0..w {
        let mut line: Vec<Vec<u8>> = square.line(axis, index).into_iter().map(<[u8]>::to_vec).collect();
        let mut refs: Vec<&mut [u8]> = line.iter_mut().map(Vec::as_mut_slice).collect();
        codec.encode(&mut refs).expect("a full line");
        for (p, share) in line.iter().enumerate().skip(k) {
            let (r, c) = axis.cell(index, p);
            square.share_mut(r, c).expect("inside").copy_from_slice(share);
        }
    }
}
