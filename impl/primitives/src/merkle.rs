//! A binary Merkle tree over Keccak-256 in the shape of RFC 9162 §2.1 (Certificate
//! Transparency v2, the same shape as Tendermint's "simple Merkle tree").
//!
//! - `leaf_hash(d) = keccak256(0x00 ‖ d)`
//! - `node_hash(l, r) = keccak256(0x01 ‖ l ‖ r)`
//! - the root of no leaves is `keccak256("")`; of one leaf, its leaf hash; of `n > 1` leaves,
//!   `node_hash(root(first k), root(rest))` where `k` is the largest power of two below `n`.
//!
//! Building the tree bottom-up and carrying an unpaired last node up unchanged gives exactly
//! that shape, which is how [`MerkleTree`] stores it. Proofs are RFC 9162 audit paths, listed
//! from the leaf's sibling up to the root's child.

use borsh::{BorshDeserialize, BorshSerialize};

use crate::{Hash32, keccak256, keccak256_concat};

/// The domain byte of a leaf hash.
pub const LEAF_PREFIX: u8 = 0x00;
/// The domain byte of an inner node hash.
pub const NODE_PREFIX: u8 = 0x01;

/// `keccak256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash32 {
    keccak256_concat(&[&[LEAF_PREFIX], data])
}

/// `keccak256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    keccak256_concat(&[&[NODE_PREFIX], &left.0, &right.0])
}

/// The root of the tree whose leaves are `leaves` (raw leaf data, hashed with [`leaf_hash`]).
pub fn root<T: AsRef<[u8]>>(leaves: &[T]) -> Hash32 {
    let hashes: Vec<Hash32> = leaves.iter().map(|l| leaf_hash(l.as_ref())).collect();
    MerkleTree::from_leaf_hashes(hashes).root()
}

/// A whole tree kept in memory, level by level, so that every proof is cheap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleTree {
    /// `levels[0]` are the leaf hashes; the last level has exactly one node, the root. For an
    /// empty tree there are no levels.
    levels: Vec<Vec<Hash32>>,
}

impl MerkleTree {
    /// Builds the tree over already-hashed leaves.
    pub fn from_leaf_hashes(leaf_hashes: Vec<Hash32>) -> MerkleTree {
        if leaf_hashes.is_empty() {
            return MerkleTree { levels: Vec::new() };
        }
        let mut levels = vec![leaf_hashes];
        while let Some(below) = levels.last().filter(|level| level.len() > 1) {
            let above: Vec<Hash32> = below
                .chunks(2)
                .map(|pair| match pair {
                    [left, right] => node_hash(left, right),
                    // An unpaired last node is carried up unchanged (RFC 9162 shape).
                    [single] => *single,
                    _ => unreachable!("chunks(2) yields one or two items"),
                })
                .collect();
            levels.push(above);
        }
        MerkleTree { levels }
    }

    /// Builds the tree over raw leaf data.
    pub fn from_leaves<T: AsRef<[u8]>>(leaves: &[T]) -> MerkleTree {
        MerkleTree::from_leaf_hashes(leaves.iter().map(|l| leaf_hash(l.as_ref())).collect())
    }

    /// How many leaves the tree has.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The root hash (`keccak256("")` for an empty tree).
    pub fn root(&self) -> Hash32 {
        match self.levels.last().and_then(|top| top.first()) {
            Some(root) => *root,
            None => keccak256(b""),
        }
    }

    /// The audit path of leaf `index`, or `None` if there is no such leaf.
    pub fn proof(&self, index: u64) -> Option<MerkleProof> {
        if index >= self.len() {
            return None;
        }
        let mut path = Vec::new();
        let mut idx = usize::try_from(index).ok()?;
        for level in &self.levels[..self.levels.len() - 1] {
            if let Some(sibling) = level.get(idx ^ 1) {
                path.push(*sibling);
            }
            idx /= 2;
        }
        Some(MerkleProof { index, size: self.len(), path })
    }
}

/// An inclusion proof: the audit path of leaf `index` in a tree of `size` leaves.
///
/// As in RFC 9162, the proof binds the leaf to the root but does not by itself bind `size`:
/// the verifier must know the tree size from the same trusted source as the root.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct MerkleProof {
    /// The leaf's position, from 0.
    pub index: u64,
    /// The number of leaves in the tree.
    pub size: u64,
    /// Sibling hashes from the bottom of the tree to the top.
    pub path: Vec<Hash32>,
}

/// Why a Merkle proof does not prove what it claims.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// `index >= size`.
    #[error("leaf index {index} is outside a tree of {size} leaves")]
    IndexOutOfRange {
        /// The claimed leaf index.
        index: u64,
        /// The claimed tree size.
        size: u64,
    },
    /// The path has the wrong number of hashes for this index and size.
    #[error("the audit path has {got} hashes; index {index} in a tree of {size} needs {expected}")]
    WrongPathLength {
        /// The claimed leaf index.
        index: u64,
        /// The claimed tree size.
        size: u64,
        /// The path length this position needs.
        expected: usize,
        /// The path length supplied.
        got: usize,
    },
    /// The path leads to a different root.
    #[error("the proof leads to root {computed}, expected {expected}")]
    RootMismatch {
        /// The root the proof recomputes.
        computed: Hash32,
        /// The root it should have reached.
        expected: Hash32,
    },
}

impl MerkleProof {
    /// The root that this path leads to from `leaf` (a leaf hash), following RFC 9162
    /// §2.1.3.2. Fails if the path is too short or too long for `index` and `size`.
    pub fn compute_root(&self, leaf: &Hash32) -> Result<Hash32, ProofError> {
        root_from_path(self.index, self.size, &self.path, leaf)
    }

    /// Checks that `leaf` (a leaf hash) is at `index` in the tree with root `root`.
    pub fn verify(&self, leaf: &Hash32, root: &Hash32) -> Result<(), ProofError> {
        let computed = self.compute_root(leaf)?;
        if computed == *root { Ok(()) } else { Err(ProofError::RootMismatch { computed, expected: *root }) }
    }
}

/// The root that the audit path `path` leads to from `leaf` (a leaf hash) at `index` in a tree
/// of `size` leaves (RFC 9162 §2.1.3.2, `docs/spec/encoding.md` ENC-5.2). Fails if `index` is
/// out of range or the path is too short or too long for this position.
///
/// Because the path does not depend on the leaf, the same path also gives the root after the
/// leaf is replaced: updating one leaf costs one hash per level.
pub fn root_from_path(index: u64, size: u64, path: &[Hash32], leaf: &Hash32) -> Result<Hash32, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = audit_path_len(index, size);
    if path.len() != expected {
        return Err(ProofError::WrongPathLength { index, size, expected, got: path.len() });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut hash = *leaf;
    for sibling in path {
        if fnode & 1 == 1 || fnode == snode {
            hash = node_hash(sibling, &hash);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            hash = node_hash(&hash, sibling);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    Ok(hash)
}

/// The root of a tree of `size` leaves whose leaf hashes `leaf(i)` gives, and, if `index` is
/// `Some(i)` with `i < size`, the audit path of leaf `i`, in one pass and without storing the
/// tree: `size` leaf hashes, `size - 1` node hashes and `O(log size)` memory.
///
/// This is how a prover commits to a large array (the VM's memory) only when asked, instead of
/// keeping a tree up to date on every write.
pub fn root_and_path(size: u64, index: Option<u64>, leaf: impl Fn(u64) -> Hash32) -> (Hash32, Option<Vec<Hash32>>) {
    if size == 0 {
        return (keccak256(b""), None);
    }
    let target = index.filter(|&i| i < size);
    let mut path = Vec::new();
    let root = subtree(0, size, target, &leaf, &mut path);
    (root, target.map(|_| path))
}

/// `MTH(D[start..end])` (`end > start`), pushing onto `path` the siblings on the way to
/// `target` when it lies inside, from the bottom up.
fn subtree(start: u64, end: u64, target: Option<u64>, leaf: &impl Fn(u64) -> Hash32, path: &mut Vec<Hash32>) -> Hash32 {
    let n = end - start;
    if n == 1 {
        return leaf(start);
    }
    // The largest power of two below n: RFC 9162's split point.
    let k = 1u64 << (63 - (n - 1).leading_zeros());
    let mid = start + k;
    match target.filter(|&t| (start..end).contains(&t)) {
        Some(t) if t < mid => {
            let left = subtree(start, mid, Some(t), leaf, path);
            let right = subtree(mid, end, None, leaf, path);
            path.push(right);
            node_hash(&left, &right)
        }
        Some(t) => {
            let left = subtree(start, mid, None, leaf, path);
            let right = subtree(mid, end, Some(t), leaf, path);
            path.push(left);
            node_hash(&left, &right)
        }
        None => {
            let left = subtree(start, mid, None, leaf, path);
            let right = subtree(mid, end, None, leaf, path);
            node_hash(&left, &right)
        }
    }
}

/// The number of hashes in the audit path of leaf `index` in a tree of `size` leaves:
/// one per level at which the node on the leaf's way up has a sibling.
fn audit_path_len(index: u64, size: u64) -> usize {
    let (mut idx, mut width, mut len) = (index, size, 0);
    while width > 1 {
        if idx ^ 1 < width {
            len += 1;
        }
        idx /= 2;
        width = width.div_ceil(2);
    }
    len
}

#[cfg(test)]
mod tests;
