//! Tests of the Merkle tree against a direct transcription of RFC 9162's recursive definitions.

use proptest::prelude::*;

use super::*;

/// `MTH(D[n])` exactly as RFC 9162 §2.1.1 defines it, recursively.
fn rfc_root(leaves: &[Vec<u8>]) -> Hash32 {
    match leaves.len() {
        0 => keccak256(b""),
        1 => keccak256_concat(&[&[0x00], &leaves[0]]),
        n => {
            let k = largest_power_of_two_below(n);
            let (l, r) = (rfc_root(&leaves[..k]), rfc_root(&leaves[k..]));
            keccak256_concat(&[&[0x01], &l.0, &r.0])
        }
    }
}

/// `PATH(m, D[n])` as RFC 9162 §2.1.3.1 defines it.
fn rfc_path(m: usize, leaves: &[Vec<u8>]) -> Vec<Hash32> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = largest_power_of_two_below(n);
    if m < k {
        let mut p = rfc_path(m, &leaves[..k]);
        p.push(rfc_root(&leaves[k..]));
        p
    } else {
        let mut p = rfc_path(m - k, &leaves[k..]);
        p.push(rfc_root(&leaves[..k]));
        p
    }
}

fn largest_power_of_two_below(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn leaves(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("leaf-{i}").into_bytes()).collect()
}

#[test]
fn root_and_paths_match_the_rfc_definition_for_small_trees() {
    for n in 0..=40 {
        let data = leaves(n);
        let tree = MerkleTree::from_leaves(&data);
        assert_eq!(tree.root(), rfc_root(&data), "root, n={n}");
        assert_eq!(root(&data), rfc_root(&data), "root(), n={n}");
        for m in 0..n {
            let proof = tree.proof(m as u64).expect("index in range");
            assert_eq!(proof.path, rfc_path(m, &data), "path, n={n} m={m}");
            assert_eq!(proof.verify(&leaf_hash(&data[m]), &tree.root()), Ok(()), "n={n} m={m}");
        }
        assert_eq!(tree.proof(n as u64), None);
    }
}

#[test]
fn verify_rejects_wrong_leaf_index_size_and_path() {
    let data = leaves(11);
    let tree = MerkleTree::from_leaves(&data);
    let root = tree.root();
    let proof = tree.proof(6).expect("index in range");
    let leaf = leaf_hash(&data[6]);

    let wrong_leaf = leaf_hash(&data[5]);
    assert!(matches!(proof.verify(&wrong_leaf, &root), Err(ProofError::RootMismatch { .. })));

    let mut moved = proof.clone();
    moved.index = 7;
    assert!(moved.verify(&leaf, &root).is_err());

    // A size that changes the shape of the path is rejected. (A size that keeps it, such as 12
    // here, recomputes the same root: RFC 9162 proofs take the size from a trusted context.)
    let mut resized = proof.clone();
    resized.size = 7;
    assert!(resized.verify(&leaf, &root).is_err());

    let mut out_of_range = proof.clone();
    out_of_range.index = 11;
    assert_eq!(out_of_range.verify(&leaf, &root), Err(ProofError::IndexOutOfRange { index: 11, size: 11 }));

    let mut short = proof.clone();
    short.path.pop();
    assert!(matches!(short.verify(&leaf, &root), Err(ProofError::WrongPathLength { .. })));

    let mut long = proof;
    long.path.push(Hash32::ZERO);
    assert!(matches!(long.verify(&leaf, &root), Err(ProofError::WrongPathLength { .. })));
}

proptest! {
    #[test]
    fn every_proof_verifies_and_any_flipped_bit_breaks_it(
        n in 1usize..200,
        pick in any::<prop::sample::Index>(),
        bit in 0usize..256,
    ) {
        let data = leaves(n);
        let tree = MerkleTree::from_leaves(&data);
        let m = pick.index(n);
        let proof = tree.proof(m as u64).expect("index in range");
        let leaf = leaf_hash(&data[m]);
        prop_assert_eq!(proof.verify(&leaf, &tree.root()), Ok(()));
        if !proof.path.is_empty() {
            let mut tampered = proof.clone();
            let which = bit % tampered.path.len();
            tampered.path[which].0[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(tampered.verify(&leaf, &tree.root()).is_err());
        }
    }
}

/// The worked example of `docs/spec/encoding.md` §5. The hex values were computed with an
/// independent Keccak implementation (pycryptodome), not with this crate.
#[test]
fn the_spec_worked_example() {
    let hex = |s: &str| s.parse::<Hash32>().expect("spec hashes are canonical");
    let (a, b, c) = (leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c"));
    assert_eq!(a, hex("0x9722201502e620d70d78ee63045f3493812c206b988cbbe76c28918a7364fdbd"));
    assert_eq!(b, hex("0xe99905ac9f9583a5737a07d20a7129343f486f5f549b42c05192046188ef5f66"));
    assert_eq!(c, hex("0x4c89fefa814dbe46b640ca2ffb4682a1eaad32985c6604e98cc0a2fd76e49550"));
    let ab = hex("0x00d25e3ecfd5a8430c58b5562d4a00f53ce3e76001e3683df8496c541fecb9da");
    assert_eq!(node_hash(&a, &b), ab);
    let root = hex("0x3f6c2d6d0c2fcd67795ea50af0dc85c8e2df8832efe3c49e36d8fe2e71bcc07b");
    let tree = MerkleTree::from_leaves(&[b"a", b"b", b"c"]);
    assert_eq!(tree.root(), root);
    assert_eq!(tree.proof(2).map(|p| p.path), Some(vec![ab]));
    assert_eq!(tree.proof(0).map(|p| p.path), Some(vec![b, c]));
}

#[test]
fn streaming_root_and_path_match_the_rfc_definition() {
    for n in 0..40 {
        let data = leaves(n);
        let leaf = |i: u64| leaf_hash(&data[i as usize]);
        let (root, none) = root_and_path(n as u64, None, leaf);
        assert_eq!(root, rfc_root(&data), "root of {n}");
        assert_eq!(none, None);
        for m in 0..n {
            let (root, path) = root_and_path(n as u64, Some(m as u64), leaf);
            assert_eq!(root, rfc_root(&data), "root of {n} with path {m}");
            let path = path.expect("an index inside the tree has a path");
            assert_eq!(path, rfc_path(m, &data), "path of {m} in {n}");
            // The same path, with a replaced leaf, gives the root of the updated tree.
            let mut updated = data.clone();
            updated[m] = b"replaced".to_vec();
            let new_root = root_from_path(m as u64, n as u64, &path, &leaf_hash(b"replaced"));
            assert_eq!(new_root, Ok(rfc_root(&updated)));
        }
        assert_eq!(root_and_path(n as u64, Some(n as u64), leaf).1, None, "an index past the end has no path");
    }
}
