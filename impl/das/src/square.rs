//! The original data square (ODS, `k×k`), its extension to the extended data square (EDS,
//! `2k×2k`) in rsmt2d's order and quadrants, and the commitments over it: one Keccak Merkle
//! root per row and per column (the data availability header, DAH) and the data root over
//! them. Normative: `docs/spec/das.md` §2–§4.

use borsh::{BorshDeserialize, BorshSerialize};
use primitives::Hash32;
use primitives::merkle::{self, MerkleTree};

use crate::codec::{Codec, CodecError, SHARD_ALIGN};

/// Celestia's share size, and the default here.
pub const SHARE_SIZE: usize = 512;

/// The widest original square (`k`) accepted: Celestia's `SQUARE_SIZE_UPPER_BOUND` for app
/// versions 6 and later.
pub const MAX_ODS_WIDTH: usize = 512;

/// The largest share accepted.
pub const MAX_SHARE_SIZE: usize = 4096;

/// Bytes of the length prefix that [`DataSquare::from_blob`] writes before the data.
pub const BLOB_LENGTH_PREFIX: usize = 8;

/// A row or a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum Axis {
    /// A row: shares `(r, 0..2k)`.
    Row = 0,
    /// A column: shares `(0..2k, c)`.
    Col = 1,
}

impl Axis {
    /// The other axis.
    pub fn other(self) -> Axis {
        match self {
            Axis::Row => Axis::Col,
            Axis::Col => Axis::Row,
        }
    }

    /// `row` or `col`.
    pub fn name(self) -> &'static str {
        match self {
            Axis::Row => "row",
            Axis::Col => "col",
        }
    }

    /// The `(row, col)` of position `position` on line `index` of this axis.
    pub fn cell(self, index: usize, position: usize) -> (usize, usize) {
        match self {
            Axis::Row => (index, position),
            Axis::Col => (position, index),
        }
    }
}

/// Why a square cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SquareError {
    /// `k` is not a power of two in `1..=512`.
    #[error("the original square's width must be a power of two from 1 to {MAX_ODS_WIDTH}, got {0}")]
    BadWidth(usize),
    /// The share size is not a multiple of 64 in `64..=4096`.
    #[error("shares must be a multiple of {SHARD_ALIGN} bytes from {SHARD_ALIGN} to {MAX_SHARE_SIZE}, got {0}")]
    BadShareSize(usize),
    /// The byte count does not match `width² × share_size`.
    #[error("a {width}×{width} square of {share_size}-byte shares has {expected} bytes, got {got}")]
    WrongLength {
        /// The square's width.
        width: usize,
        /// The share size.
        share_size: usize,
        /// `width² × share_size`.
        expected: usize,
        /// The bytes given.
        got: usize,
    },
    /// The blob needs a square wider than 512.
    #[error("{0} bytes do not fit in a {MAX_ODS_WIDTH}×{MAX_ODS_WIDTH} square")]
    BlobTooLarge(usize),
    /// The codec refused a line.
    #[error(transparent)]
    Codec(#[from] CodecError),
}

/// Checks `k` and `share_size` against the limits of [`SquareError`].
pub fn check_dimensions(k: usize, share_size: usize) -> Result<(), SquareError> {
    if !k.is_power_of_two() || k > MAX_ODS_WIDTH {
        return Err(SquareError::BadWidth(k));
    }
    if !(SHARD_ALIGN..=MAX_SHARE_SIZE).contains(&share_size) || !share_size.is_multiple_of(SHARD_ALIGN) {
        return Err(SquareError::BadShareSize(share_size));
    }
    Ok(())
}

/// The original data square: `k×k` shares, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSquare {
    k: usize,
    share_size: usize,
    bytes: Vec<u8>,
}

impl DataSquare {
    /// A square from `k² × share_size` bytes, share `(r, c)` at offset `(r·k + c)·share_size`.
    pub fn new(k: usize, share_size: usize, bytes: Vec<u8>) -> Result<DataSquare, SquareError> {
        check_dimensions(k, share_size)?;
        let expected = k * k * share_size;
        if bytes.len() != expected {
            return Err(SquareError::WrongLength { width: k, share_size, expected, got: bytes.len() });
        }
        Ok(DataSquare { k, share_size, bytes })
    }

    /// Lays block data out as shares (DAS-2.1): the 8-byte little-endian length of `data`,
    /// then `data`, cut into `share_size`-byte shares, the last one zero-padded; `k` is the
    /// smallest power of two whose square holds them (at least 1); the remaining shares are
    /// zero.
    pub fn from_blob(data: &[u8], share_size: usize) -> Result<DataSquare, SquareError> {
        check_dimensions(1, share_size)?;
        let used = (BLOB_LENGTH_PREFIX + data.len()).div_ceil(share_size);
        let mut k = 1;
        while k * k < used {
            k *= 2;
        }
        if k > MAX_ODS_WIDTH {
            return Err(SquareError::BlobTooLarge(data.len()));
        }
        let mut bytes = vec![0; k * k * share_size];
        bytes[..BLOB_LENGTH_PREFIX].copy_from_slice(&(data.len() as u64).to_le_bytes());
        bytes[BLOB_LENGTH_PREFIX..BLOB_LENGTH_PREFIX + data.len()].copy_from_slice(data);
        DataSquare::new(k, share_size, bytes)
    }

    /// Reads block data back out of a square laid out by [`DataSquare::from_blob`]; `None`
    /// if the length prefix does not fit.
    pub fn blob(&self) -> Option<&[u8]> {
        let prefix: [u8; 8] = self.bytes.get(..BLOB_LENGTH_PREFIX)?.try_into().ok()?;
        let len = usize::try_from(u64::from_le_bytes(prefix)).ok()?;
        self.bytes.get(BLOB_LENGTH_PREFIX..BLOB_LENGTH_PREFIX.checked_add(len)?)
    }

    /// The width `k`.
    pub fn width(&self) -> usize {
        self.k
    }

    /// The share size in bytes.
    pub fn share_size(&self) -> usize {
        self.share_size
    }

    /// All shares, row-major.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Share `(row, col)`, if inside the square.
    pub fn share(&self, row: usize, col: usize) -> Option<&[u8]> {
        if row >= self.k || col >= self.k {
            return None;
        }
        let at = (row * self.k + col) * self.share_size;
        self.bytes.get(at..at + self.share_size)
    }

    /// Extends the square (DAS-3): rows `0..k` to Q1, then columns `0..k` to Q2, then rows
    /// `k..2k` to Q3, exactly rsmt2d's `erasureExtendSquare`.
    pub fn extend(&self) -> Result<ExtendedSquare, SquareError> {
        self.extend_with(&mut Codec::new(self.k, self.share_size)?)
    }

    /// [`DataSquare::extend`] with a caller-held codec (reused across squares).
    pub fn extend_with(&self, codec: &mut Codec) -> Result<ExtendedSquare, SquareError> {
        let mut eds = ExtendedSquare { k: self.k, share_size: self.share_size, bytes: Vec::new() };
        self.extend_into(codec, &mut eds)?;
        Ok(eds)
    }

    /// [`DataSquare::extend_with`] into `out`, reusing its allocation: a node that extends
    /// block after block keeps one square's memory instead of having the kernel fault in a
    /// fresh 32 MiB for every 128×128 square. `out`'s previous contents are replaced.
    pub fn extend_into(&self, codec: &mut Codec, out: &mut ExtendedSquare) -> Result<(), SquareError> {
        let (k, s) = (self.k, self.share_size);
        if codec.k() != k || codec.shard_len() != s {
            return Err(CodecError::Shape { expected: 2 * k, shard_len: s }.into());
        }
        let w = 2 * k;
        // Every byte is written exactly once here, in order, before the codec reads it: a
        // zeroed allocation would map the zero page on the codec's first read of a parity
        // shard and fault again on its write.
        let bytes = &mut out.bytes;
        bytes.clear();
        bytes.reserve(w * w * s);
        for row in self.bytes.chunks_exact(k * s) {
            bytes.extend_from_slice(row);
            bytes.resize(bytes.len() + k * s, 0);
        }
        bytes.resize(w * w * s, 0);
        out.k = k;
        out.share_size = s;
        // Q0 → Q1: the first k rows.
        for r in 0..k {
            out.encode_line(codec, Axis::Row, r)?;
        }
        // Q0 → Q2: the first k columns.
        for c in 0..k {
            out.encode_line(codec, Axis::Col, c)?;
        }
        // Q2 → Q3: the last k rows.
        for r in k..w {
            out.encode_line(codec, Axis::Row, r)?;
        }
        Ok(())
    }
}

/// The extended data square: `2k×2k` shares, row-major. It may be any bytes (a producer can
/// publish a square that is not a codeword); [`ExtendedSquare::bad_lines`] finds out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedSquare {
    k: usize,
    share_size: usize,
    bytes: Vec<u8>,
}

impl ExtendedSquare {
    /// A square from `4k² × share_size` bytes as published (not checked for being a codeword).
    pub fn from_bytes(k: usize, share_size: usize, bytes: Vec<u8>) -> Result<ExtendedSquare, SquareError> {
        check_dimensions(k, share_size)?;
        let expected = 4 * k * k * share_size;
        if bytes.len() != expected {
            return Err(SquareError::WrongLength { width: 2 * k, share_size, expected, got: bytes.len() });
        }
        Ok(ExtendedSquare { k, share_size, bytes })
    }

    /// A square from parts whose shape the caller has already checked.
    pub(crate) fn from_parts(k: usize, share_size: usize, bytes: Vec<u8>) -> ExtendedSquare {
        debug_assert_eq!(bytes.len(), 4 * k * k * share_size);
        ExtendedSquare { k, share_size, bytes }
    }

    /// The original width `k`.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The width `2k`.
    pub fn width(&self) -> usize {
        2 * self.k
    }

    /// The share size in bytes.
    pub fn share_size(&self) -> usize {
        self.share_size
    }

    /// All shares, row-major.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Consumes the square, returning its bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Share `(row, col)`, if inside the square.
    pub fn share(&self, row: usize, col: usize) -> Option<&[u8]> {
        let w = self.width();
        if row >= w || col >= w {
            return None;
        }
        let at = (row * w + col) * self.share_size;
        self.bytes.get(at..at + self.share_size)
    }

    /// Mutable share `(row, col)` (to build faulty squares in tests and simulations).
    pub fn share_mut(&mut self, row: usize, col: usize) -> Option<&mut [u8]> {
        let w = self.width();
        if row >= w || col >= w {
            return None;
        }
        let at = (row * w + col) * self.share_size;
        self.bytes.get_mut(at..at + self.share_size)
    }

    /// The `2k` shares of line `index` of `axis`, in position order.
    pub fn line(&self, axis: Axis, index: usize) -> Vec<&[u8]> {
        (0..self.width())
            .filter_map(|p| {
                let (r, c) = axis.cell(index, p);
                self.share(r, c)
            })
            .collect()
    }

    /// The original square (Q0).
    pub fn original(&self) -> DataSquare {
        let (k, s) = (self.k, self.share_size);
        let mut bytes = Vec::with_capacity(k * k * s);
        for row in self.bytes.chunks_exact(2 * k * s).take(k) {
            bytes.extend_from_slice(&row[..k * s]);
        }
        DataSquare { k, share_size: s, bytes }
    }

    fn encode_line(&mut self, codec: &mut Codec, axis: Axis, index: usize) -> Result<(), CodecError> {
        let (w, s) = (self.width(), self.share_size);
        encode_line_in_place(&mut self.bytes, w, s, codec, axis, index)
    }

    /// `leaf_hash(share)` of every share, row-major: each is a leaf of both its row tree and
    /// its column tree, so it is hashed once.
    pub fn leaf_hashes(&self) -> Vec<Hash32> {
        self.bytes.chunks_exact(self.share_size).map(merkle::leaf_hash).collect()
    }

    /// The row and column roots (DAS-4.1).
    pub fn dah(&self) -> Dah {
        Dah::from_leaf_hashes(self.width(), &self.leaf_hashes())
    }

    /// The proof that share `(row, col)` is leaf `col` of row root `row` (`Axis::Row`) or
    /// leaf `row` of column root `col` (`Axis::Col`).
    pub fn share_proof(&self, row: usize, col: usize, axis: Axis) -> Option<ShareProof> {
        let w = self.width();
        if row >= w || col >= w {
            return None;
        }
        // `Axis::cell` is its own inverse: (row, col) ↦ (line, position).
        let (index, position) = axis.cell(row, col);
        let leaves: Vec<Hash32> = self.line(axis, index).into_iter().map(merkle::leaf_hash).collect();
        let path = MerkleTree::from_leaf_hashes(leaves).proof(position as u64)?.path;
        Some(ShareProof { axis, path })
    }

    /// The lines that are not Reed–Solomon codewords, rows first, each in index order.
    pub fn bad_lines(&self, codec: &mut Codec) -> Result<Vec<(Axis, usize)>, CodecError> {
        let mut bad = Vec::new();
        for axis in [Axis::Row, Axis::Col] {
            for index in 0..self.width() {
                let line: Vec<Option<&[u8]>> = self.line(axis, index).into_iter().map(Some).collect();
                match codec.decode(&line) {
                    Ok(_) => {}
                    Err(CodecError::NotACodeword { .. }) => bad.push((axis, index)),
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(bad)
    }
}

/// The data availability header: the Merkle root of each of the `2k` rows and `2k` columns.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Dah {
    /// Row roots, row 0 first.
    pub row_roots: Vec<Hash32>,
    /// Column roots, column 0 first.
    pub col_roots: Vec<Hash32>,
}

/// Why a header is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DahError {
    /// The row and column counts differ, or are not `2k` for a valid `k`.
    #[error(
        "a header has 2k row roots and 2k column roots (k a power of two ≤ {MAX_ODS_WIDTH}); got {rows} and {cols}"
    )]
    BadShape {
        /// Row roots given.
        rows: usize,
        /// Column roots given.
        cols: usize,
    },
    /// The header does not hash to the expected data root.
    #[error("the header's data root is {got}, expected {expected}")]
    DataRootMismatch {
        /// The trusted data root.
        expected: Hash32,
        /// The header's.
        got: Hash32,
    },
}

impl Dah {
    /// Computes the roots from the row-major leaf hashes of a `width×width` square.
    pub fn from_leaf_hashes(width: usize, leaves: &[Hash32]) -> Dah {
        let row_roots = leaves.chunks_exact(width).map(|row| line_root(row.to_vec())).collect();
        let col_roots =
            (0..width).map(|c| line_root(leaves.iter().skip(c).step_by(width).copied().collect())).collect();
        Dah { row_roots, col_roots }
    }

    /// Checks the shape: `2k` rows and `2k` columns for a valid `k`.
    pub fn validate(&self) -> Result<(), DahError> {
        let (rows, cols) = (self.row_roots.len(), self.col_roots.len());
        let k = rows / 2;
        if rows != cols || rows % 2 != 0 || !k.is_power_of_two() || k > MAX_ODS_WIDTH {
            return Err(DahError::BadShape { rows, cols });
        }
        Ok(())
    }

    /// The width `2k`.
    pub fn width(&self) -> usize {
        self.row_roots.len()
    }

    /// The root of line `index` of `axis`.
    pub fn root(&self, axis: Axis, index: usize) -> Option<&Hash32> {
        match axis {
            Axis::Row => self.row_roots.get(index),
            Axis::Col => self.col_roots.get(index),
        }
    }

    /// The data root (DAS-4.2): the Merkle root over the `4k` line roots, rows then columns,
    /// each root's 32 bytes being one leaf.
    pub fn data_root(&self) -> Hash32 {
        let leaves: Vec<Hash32> =
            self.row_roots.iter().chain(&self.col_roots).map(|root| merkle::leaf_hash(&root.0)).collect();
        MerkleTree::from_leaf_hashes(leaves).root()
    }

    /// Checks the shape and that the header hashes to `data_root`.
    pub fn check(&self, data_root: &Hash32) -> Result<(), DahError> {
        self.validate()?;
        let got = self.data_root();
        if got != *data_root {
            return Err(DahError::DataRootMismatch { expected: *data_root, got });
        }
        Ok(())
    }
}

/// Fills the parity half of line `index` of `axis` of a `w×w` square of `s`-byte shares,
/// stored row-major in `bytes`, from its original half, in place.
pub(crate) fn encode_line_in_place(
    bytes: &mut [u8],
    w: usize,
    s: usize,
    codec: &mut Codec,
    axis: Axis,
    index: usize,
) -> Result<(), CodecError> {
    let mut refs: Vec<&mut [u8]> = match axis {
        Axis::Row => bytes[index * w * s..(index + 1) * w * s].chunks_exact_mut(s).collect(),
        Axis::Col => bytes.chunks_exact_mut(s).skip(index).step_by(w).collect(),
    };
    codec.encode(&mut refs)
}

/// The root of one line from its leaf hashes.
pub(crate) fn line_root(leaves: Vec<Hash32>) -> Hash32 {
    MerkleTree::from_leaf_hashes(leaves).root()
}

/// A share's inclusion proof: the audit path of the share in the tree of one of its two lines.
/// Position and tree size are not carried: they follow from the share's coordinates and the
/// header's width, so a proof cannot claim another position (DAS-5.1).
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ShareProof {
    /// Which line's root the path leads to: the share's row (`Row`) or its column (`Col`).
    pub axis: Axis,
    /// Sibling hashes from the leaf's level to the root's child (`log2(2k)` of them).
    pub path: Vec<Hash32>,
}

/// Why a share is not proven.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareProofError {
    /// The coordinates are outside the square.
    #[error("({row}, {col}) is outside a {width}×{width} square")]
    OutOfRange {
        /// The claimed row.
        row: usize,
        /// The claimed column.
        col: usize,
        /// The square's width.
        width: usize,
    },
    /// The share does not have the square's share size.
    #[error("a share has {expected} bytes, got {got}")]
    ShareSize {
        /// The square's share size.
        expected: usize,
        /// The share's.
        got: usize,
    },
    /// The path does not lead to the line's root.
    #[error("the path does not lead to the {} root {index}", axis.name())]
    BadPath {
        /// The axis the proof names.
        axis: Axis,
        /// The line.
        index: usize,
    },
}

impl ShareProofError {
    /// The stable error code (`docs/spec/das.md` DAS-5.2).
    pub fn code(&self) -> &'static str {
        match self {
            ShareProofError::OutOfRange { .. } => "out_of_range",
            ShareProofError::ShareSize { .. } => "share_size",
            ShareProofError::BadPath { .. } => "bad_path",
        }
    }
}

impl ShareProof {
    /// Checks that `share` is at `(row, col)` of the square `dah` commits to (DAS-5.2).
    pub fn verify(
        &self,
        dah: &Dah,
        share_size: usize,
        row: usize,
        col: usize,
        share: &[u8],
    ) -> Result<(), ShareProofError> {
        let width = dah.width();
        if row >= width || col >= width {
            return Err(ShareProofError::OutOfRange { row, col, width });
        }
        if share.len() != share_size {
            return Err(ShareProofError::ShareSize { expected: share_size, got: share.len() });
        }
        let (index, position) = self.axis.cell(row, col);
        let bad = ShareProofError::BadPath { axis: self.axis, index };
        let root = dah.root(self.axis, index).ok_or_else(|| bad.clone())?;
        let leaf = merkle::leaf_hash(share);
        match merkle::root_from_path(position as u64, width as u64, &self.path, &leaf) {
            Ok(computed) if computed == *root => Ok(()),
            _ => Err(bad),
        }
    }
}
