//! Repair (DAS-6): from any sufficient subset of an extended square's shares, decode rows and
//! columns in turn until nothing more can be decoded; check every completed line against the
//! header as soon as it is decoded, and every other line at the end. A line that does not
//! match its root is bad encoding, and the shares that show it become a fraud proof.

use primitives::Hash32;
use primitives::merkle::{self, MerkleTree};

use crate::codec::{Codec, CodecError};
use crate::fraud::{BadEncodingProof, ShareWithProof};
use crate::square::{
    Axis, Dah, DahError, ExtendedSquare, ShareProof, ShareProofError, SquareError, check_dimensions,
    encode_line_in_place, line_root,
};

/// Where a known share came from.
#[derive(Debug, Clone)]
enum Source {
    /// Given by the caller, with or without a proof.
    Given(Option<ShareProof>),
    /// Decoded from a line whose root matched the header.
    Decoded,
}

/// Some of the shares of an extended square.
#[derive(Debug, Clone)]
pub struct PartialSquare {
    k: usize,
    share_size: usize,
    bytes: Vec<u8>,
    known: Vec<Option<Source>>,
}

/// Why a square cannot be repaired.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepairError {
    /// The header does not fit the square.
    #[error("the header does not fit: {0}")]
    BadHeader(#[from] DahError),
    /// The header's width is not the square's.
    #[error("the header is for a square of width {header}, the shares for width {square}")]
    WidthMismatch {
        /// The header's width.
        header: usize,
        /// The partial square's width.
        square: usize,
    },
    /// No row or column with a missing share has `k` known shares.
    #[error("unrecoverable: {missing} shares missing and no row or column has enough to decode")]
    Unrecoverable {
        /// Shares still missing.
        missing: usize,
        /// Rows still incomplete.
        rows: usize,
        /// Columns still incomplete.
        cols: usize,
    },
    /// A line is not a codeword, or decodes to a codeword with another root.
    #[error("bad encoding: {} {index} does not match the header", axis.name())]
    BadEncoding {
        /// The line's axis.
        axis: Axis,
        /// The line.
        index: usize,
        /// The fraud proof, if at least `k` of the line's shares could be proven.
        proof: Option<Box<BadEncodingProof>>,
    },
    /// The codec failed.
    #[error(transparent)]
    Codec(#[from] CodecError),
}

impl RepairError {
    /// The stable error code (DAS-6.3).
    pub fn code(&self) -> &'static str {
        match self {
            RepairError::BadHeader(_) | RepairError::WidthMismatch { .. } => "bad_header",
            RepairError::Unrecoverable { .. } => "unrecoverable",
            RepairError::BadEncoding { .. } => "bad_encoding",
            RepairError::Codec(_) => "codec",
        }
    }
}

impl PartialSquare {
    /// An empty `2k×2k` square.
    pub fn new(k: usize, share_size: usize) -> Result<PartialSquare, SquareError> {
        check_dimensions(k, share_size)?;
        let w = 2 * k;
        Ok(PartialSquare { k, share_size, bytes: vec![0; w * w * share_size], known: vec![None; w * w] })
    }

    /// The shares of `eds` for which `keep(row, col)` holds, without proofs.
    pub fn from_square(eds: &ExtendedSquare, keep: impl Fn(usize, usize) -> bool) -> PartialSquare {
        let (k, s, w) = (eds.k(), eds.share_size(), eds.width());
        let mut bytes = vec![0; w * w * s];
        let mut known = vec![None; w * w];
        for (i, share) in eds.as_bytes().chunks_exact(s).enumerate() {
            if keep(i / w, i % w) {
                bytes[i * s..(i + 1) * s].copy_from_slice(share);
                known[i] = Some(Source::Given(None));
            }
        }
        PartialSquare { k, share_size: s, bytes, known }
    }

    /// The width `2k`.
    pub fn width(&self) -> usize {
        2 * self.k
    }

    /// How many shares are known.
    pub fn present(&self) -> usize {
        self.known.iter().flatten().count()
    }

    /// Adds a share the caller trusts (for instance, one it verified itself). Without a proof
    /// it can still be repaired from, but it can only serve in a fraud proof once a line
    /// through it has been checked against the header.
    pub fn insert(&mut self, row: usize, col: usize, share: &[u8]) -> Result<(), ShareProofError> {
        self.put(row, col, share, None)
    }

    /// Verifies `proof` against `dah` and adds the share with its proof. The header is taken
    /// as accepted (DAS-5.2); a malformed one is reported as `bad_header` by [`PartialSquare::repair`].
    pub fn insert_proven(
        &mut self,
        dah: &Dah,
        row: usize,
        col: usize,
        share: &[u8],
        proof: ShareProof,
    ) -> Result<(), ShareProofError> {
        proof.verify(dah, self.share_size, row, col, share)?;
        self.put(row, col, share, Some(proof))
    }

    fn put(&mut self, row: usize, col: usize, share: &[u8], proof: Option<ShareProof>) -> Result<(), ShareProofError> {
        let (w, s) = (self.width(), self.share_size);
        if row >= w || col >= w {
            return Err(ShareProofError::OutOfRange { row, col, width: w });
        }
        if share.len() != s {
            return Err(ShareProofError::ShareSize { expected: s, got: share.len() });
        }
        let i = row * w + col;
        self.bytes[i * s..(i + 1) * s].copy_from_slice(share);
        self.known[i] = Some(Source::Given(proof));
        Ok(())
    }

    /// Repairs the square against `dah` (DAS-6).
    pub fn repair(self, dah: &Dah) -> Result<ExtendedSquare, RepairError> {
        dah.validate()?;
        if dah.width() != self.width() {
            return Err(RepairError::WidthMismatch { header: dah.width(), square: self.width() });
        }
        let mut codec = Codec::new(self.k, self.share_size)?;
        let w = self.width();
        Repair { sq: self, leaves: vec![None; w * w], checked: [vec![false; w], vec![false; w]] }.run(dah, &mut codec)
    }
}

struct Repair {
    sq: PartialSquare,
    /// Leaf hashes, filled as shares become known and are first needed.
    leaves: Vec<Option<Hash32>>,
    /// `checked[axis][i]`: line `i` is complete and matches its root.
    checked: [Vec<bool>; 2],
}

impl Repair {
    fn run(mut self, dah: &Dah, codec: &mut Codec) -> Result<ExtendedSquare, RepairError> {
        let (k, w) = (self.sq.k, self.sq.width());
        loop {
            let mut progress = false;
            for axis in [Axis::Row, Axis::Col] {
                for index in 0..w {
                    let present = (0..w).filter(|&p| self.known(axis, index, p)).count();
                    if present == w || present < k {
                        continue;
                    }
                    self.decode_line(dah, codec, axis, index)?;
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
        let missing = self.sq.known.iter().filter(|s| s.is_none()).count();
        if missing > 0 {
            let incomplete = |axis| (0..w).filter(|&i| (0..w).any(|p| !self.known(axis, i, p))).count();
            return Err(RepairError::Unrecoverable {
                missing,
                rows: incomplete(Axis::Row),
                cols: incomplete(Axis::Col),
            });
        }
        for axis in [Axis::Row, Axis::Col] {
            for index in 0..w {
                if !self.checked[axis as usize][index] {
                    self.check_line(dah, codec, axis, index)?;
                }
            }
        }
        let PartialSquare { k, share_size, bytes, .. } = self.sq;
        Ok(ExtendedSquare::from_parts(k, share_size, bytes))
    }

    fn cell_index(&self, axis: Axis, index: usize, position: usize) -> usize {
        let (r, c) = axis.cell(index, position);
        r * self.sq.width() + c
    }

    fn known(&self, axis: Axis, index: usize, position: usize) -> bool {
        self.sq.known[self.cell_index(axis, index, position)].is_some()
    }

    fn share(&self, i: usize) -> &[u8] {
        let s = self.sq.share_size;
        &self.sq.bytes[i * s..(i + 1) * s]
    }

    fn leaf(&mut self, i: usize) -> Hash32 {
        match self.leaves[i] {
            Some(h) => h,
            None => {
                let h = merkle::leaf_hash(self.share(i));
                self.leaves[i] = Some(h);
                h
            }
        }
    }

    fn line_leaves(&mut self, axis: Axis, index: usize) -> Vec<Hash32> {
        (0..self.sq.width()).map(|p| self.leaf(self.cell_index(axis, index, p))).collect()
    }

    /// Decodes an incomplete line with at least `k` known shares, checks it and fills it in.
    fn decode_line(&mut self, dah: &Dah, codec: &mut Codec, axis: Axis, index: usize) -> Result<(), RepairError> {
        let (k, w, s) = (self.sq.k, self.sq.width(), self.sq.share_size);
        let cells: Vec<usize> = (0..w).map(|p| self.cell_index(axis, index, p)).collect();
        let (originals, parity) = cells.split_at(k);
        if originals.iter().all(|&i| self.sq.known[i].is_some()) && parity.iter().all(|&i| self.sq.known[i].is_none()) {
            // The original half alone: the line is its encoding, computed in place as the
            // extension does (nothing to compare: no parity share is known).
            self.encode_in_place(codec, axis, index)?;
        } else {
            let line: Vec<Option<&[u8]>> =
                cells.iter().map(|&i| self.sq.known[i].is_some().then(|| self.share(i))).collect();
            let decoded = match codec.decode(&line) {
                Ok(decoded) => decoded,
                Err(CodecError::NotACodeword { .. }) => return Err(self.bad_encoding(axis, index)),
                Err(e) => return Err(e.into()),
            };
            // Known shares are on the decoded codeword (the codec checked), so only the
            // missing ones are written.
            for (&i, share) in cells.iter().zip(&decoded) {
                if self.sq.known[i].is_none() {
                    self.sq.bytes[i * s..(i + 1) * s].copy_from_slice(share);
                }
            }
        }
        // A known share's leaf hash may already be cached from an orthogonal line; its bytes
        // did not change, so it is reused.
        let leaves: Vec<Hash32> =
            cells.iter().map(|&i| self.leaves[i].unwrap_or_else(|| merkle::leaf_hash(self.share(i)))).collect();
        if Some(&line_root(leaves.clone())) != dah.root(axis, index) {
            return Err(self.bad_encoding(axis, index));
        }
        for (&i, leaf) in cells.iter().zip(leaves) {
            if self.sq.known[i].is_none() {
                self.sq.known[i] = Some(Source::Decoded);
            }
            self.leaves[i] = Some(leaf);
        }
        self.checked[axis as usize][index] = true;
        Ok(())
    }

    /// Fills the parity half of a line from its original half, in place.
    fn encode_in_place(&mut self, codec: &mut Codec, axis: Axis, index: usize) -> Result<(), CodecError> {
        let (w, s) = (self.sq.width(), self.sq.share_size);
        encode_line_in_place(&mut self.sq.bytes, w, s, codec, axis, index)
    }

    /// Checks a complete line: a codeword whose root is the header's.
    fn check_line(&mut self, dah: &Dah, codec: &mut Codec, axis: Axis, index: usize) -> Result<(), RepairError> {
        let root = MerkleTree::from_leaf_hashes(self.line_leaves(axis, index)).root();
        if Some(&root) != dah.root(axis, index) {
            return Err(self.bad_encoding(axis, index));
        }
        // Matching the root is not enough: the line must also be a codeword.
        let cells: Vec<usize> = (0..self.sq.width()).map(|p| self.cell_index(axis, index, p)).collect();
        let line: Vec<Option<&[u8]>> = cells.iter().map(|&i| Some(self.share(i))).collect();
        match codec.decode(&line) {
            Ok(_) => {}
            Err(CodecError::NotACodeword { .. }) => return Err(self.bad_encoding(axis, index)),
            Err(e) => return Err(e.into()),
        }
        self.checked[axis as usize][index] = true;
        Ok(())
    }

    /// The error for a bad line, with a fraud proof built from the line's known shares that
    /// can be proven: given with a proof, or on a checked orthogonal line.
    fn bad_encoding(&mut self, axis: Axis, index: usize) -> RepairError {
        let (k, w) = (self.sq.k, self.sq.width());
        let mut shares: Vec<Option<ShareWithProof>> = vec![None; w];
        let mut proven = 0;
        for (position, slot) in shares.iter_mut().enumerate() {
            if proven == k {
                break;
            }
            let i = self.cell_index(axis, index, position);
            let proof = match &self.sq.known[i] {
                None => None,
                Some(Source::Given(Some(proof))) => Some(proof.clone()),
                Some(_) => {
                    let other = axis.other();
                    let (r, c) = axis.cell(index, position);
                    let (line, pos) = other.cell(r, c);
                    if self.checked[other as usize][line] {
                        let leaves = self.line_leaves(other, line);
                        MerkleTree::from_leaf_hashes(leaves)
                            .proof(pos as u64)
                            .map(|p| ShareProof { axis: other, path: p.path })
                    } else {
                        None
                    }
                }
            };
            if let Some(proof) = proof {
                *slot = Some(ShareWithProof { share: self.share(i).to_vec(), proof });
                proven += 1;
            }
        }
        let proof = (proven == k)
            .then(|| Box::new(BadEncodingProof { axis, index: u32::try_from(index).unwrap_or(u32::MAX), shares }));
        RepairError::BadEncoding { axis, index, proof }
    }
}
