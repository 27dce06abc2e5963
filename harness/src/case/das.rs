//! The das suite's case types (`docs/spec/vectors.md` §7): the 2D Reed–Solomon extension and
//! its commitments, share proofs, repair from a subset of shares, bad-encoding fraud proofs and
//! sampling (`docs/spec/das.md`).
//!
//! Each handler has its own typed configuration and result, read strictly for that handler:
//! the envelope names the handler, then [`DasVector::parse_as`] reads its types. A square is
//! described compactly ([`SquareSpec`]: explicit shares, a blob, or a seed for the generator
//! of VEC-7.2) and results carry digests rather than whole squares where squares are large.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{CaseError, HandlerProbe, HashHex, Hex, Provenance, Uint};

/// The handlers of the das suite.
pub const HANDLERS: &[&str] = &["extension", "share_proof", "repair", "fraud_proof", "sampling"];

/// The widest original square `k` (`das::MAX_ODS_WIDTH`).
pub const MAX_K: u64 = ::das::MAX_ODS_WIDTH as u64;

/// The largest extended square a case may describe, in bytes (`4k² × share_size`): 64 MiB,
/// so `k = 512` with 64-byte shares, `k = 256` with 256-byte shares, and so on (VEC-7.1).
pub const MAX_EDS_BYTES: u64 = 1 << 26;

/// An `extension` result lists every share of the extended square when `k` is at most this.
pub const MAX_LISTED_K: u64 = 4;

/// The widest original square of a `repair` case (its mask has `(2k)²` characters).
pub const MAX_REPAIR_K: u64 = 64;

/// The most corrupted bytes a square may list.
pub const MAX_CORRUPTIONS: usize = 256;

/// The most hashes in a share proof's path in a verify case (far above `log2(1024)`).
pub const MAX_PATH_HASHES: usize = 64;

/// The most bytes of a share in a verify case (twice the largest share size).
pub const MAX_SHARE_BYTES: usize = 2 * ::das::MAX_SHARE_SIZE;

/// The most roots per axis in a header given to a fraud-proof verifier (which must reject a
/// malformed header, so any shape is allowed up to this).
pub const MAX_HEADER_ROOTS: usize = 2 * ::das::MAX_ODS_WIDTH;

/// The most bytes of a fraud proof in a case.
pub const MAX_PROOF_BYTES: usize = 1 << 20;

/// The widest square a `sampling` coordinates case draws from (`2 × 512`).
pub const MAX_SAMPLE_WIDTH: u64 = 2 * MAX_K;

/// The most samples a `sampling` coordinates case asks for.
pub const MAX_SAMPLES: u64 = 4096;

/// The most samples a `sampling` probability case asks for (`4 × 512²`, the most shares).
pub const MAX_PROBABILITY_SAMPLES: u64 = 1 << 20;

/// A client's detection probability may differ from the vector's by at most this much
/// (VEC-7.6): the closed form is a product of up to `4k²` ratios, computed in binary64.
pub const PROBABILITY_TOLERANCE: f64 = 1e-12;

/// A das vector: the manifest, the handler's configuration, and its expected result.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DasCase<C, P> {
    /// Always [`super::FORMAT`].
    pub format: String,
    /// `das/<handler>/<case>`.
    pub id: String,
    /// Always `das`.
    pub suite: String,
    /// The handler.
    pub handler: String,
    /// The case's name.
    pub case: String,
    /// One sentence saying what the case checks.
    pub description: String,
    /// Sorted, unique labels for selection (`--tag`).
    pub tags: Vec<String>,
    /// Where the case came from.
    pub provenance: Provenance,
    /// What the implementation is given.
    pub config: C,
    /// What must come out.
    pub post: P,
}

/// A das vector of any handler.
#[derive(Clone, PartialEq, Debug)]
pub enum DasVector {
    /// `extension`: a square extended, its roots and data root.
    Extension(DasCase<ExtensionConfig, ExtensionPost>),
    /// `share_proof`: proving a share's place in its row or column, or verifying a proof.
    ShareProof(DasCase<ShareProofConfig, ShareProofPost>),
    /// `repair`: the whole square from some of its shares, or why not.
    Repair(DasCase<RepairConfig, RepairPost>),
    /// `fraud_proof`: verifying a (possibly tampered) bad-encoding fraud proof.
    FraudProof(DasCase<FraudProofConfig, FraudProofPost>),
    /// `sampling`: a light client's sample coordinates, and the detection probability.
    Sampling(DasCase<SamplingConfig, SamplingPost>),
}

handler_cases!(DasCase, DasVector, DasRequest, [Extension, ShareProof, Repair, FraudProof, Sampling]);

// ---------------------------------------------------------------------------------------------
// shared parts: squares, corruptions, headers, axes

/// An original data square (`das.md` DAS-2): its width `k`, its share size, and its shares.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "SquareWire", into = "SquareWire")]
pub struct SquareSpec {
    /// The original square's width, a power of two from 1 to 512.
    pub k: Uint,
    /// Bytes per share, a multiple of 64 from 64 to 4096.
    pub share_size: Uint,
    /// The `k²` shares.
    pub ods: OdsSpec,
}

/// How the original square's shares are given.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum OdsSpec {
    /// Every share, row-major.
    Shares(Vec<Hex>),
    /// Block data, laid out by DAS-2.1 (`DataSquare::from_blob`): the smallest square holding
    /// its 8-byte little-endian length and the data; that square's width must be `k`.
    Blob(Hex),
    /// `k² × share_size` bytes drawn from this seed with splitmix64 (VEC-7.2).
    Seed(Uint),
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SquareWire {
    k: Uint,
    share_size: Uint,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shares: Option<Vec<Hex>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    blob: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed: Option<Uint>,
}

impl TryFrom<SquareWire> for SquareSpec {
    type Error = &'static str;

    fn try_from(w: SquareWire) -> Result<SquareSpec, &'static str> {
        let ods = match (w.shares, w.blob, w.seed) {
            (Some(shares), None, None) => OdsSpec::Shares(shares),
            (None, Some(blob), None) => OdsSpec::Blob(blob),
            (None, None, Some(seed)) => OdsSpec::Seed(seed),
            _ => return Err("a square is `{k, share_size}` and exactly one of `shares`, `blob` and `seed`"),
        };
        Ok(SquareSpec { k: w.k, share_size: w.share_size, ods })
    }
}

impl From<SquareSpec> for SquareWire {
    fn from(s: SquareSpec) -> SquareWire {
        let (shares, blob, seed) = match s.ods {
            OdsSpec::Shares(shares) => (Some(shares), None, None),
            OdsSpec::Blob(blob) => (None, Some(blob), None),
            OdsSpec::Seed(seed) => (None, None, Some(seed)),
        };
        SquareWire { k: s.k, share_size: s.share_size, shares, blob, seed }
    }
}

impl SquareSpec {
    /// A square of `k²` shares drawn from `seed`.
    pub fn seeded(k: u64, share_size: u64, seed: u64) -> SquareSpec {
        SquareSpec { k: Uint(k), share_size: Uint(share_size), ods: OdsSpec::Seed(Uint(seed)) }
    }

    /// `k` and the share size as machine integers, after [`SquareSpec::check`].
    pub fn dimensions(&self) -> Result<(usize, usize), CaseError> {
        let k = to_usize(self.k, "square.k")?;
        let share_size = to_usize(self.share_size, "square.share_size")?;
        ::das::check_dimensions(k, share_size).map_err(|e| CaseError::Invalid(format!("square: {e}")))?;
        Ok((k, share_size))
    }

    /// The width `2k` of the extended square.
    pub fn width(&self) -> u64 {
        self.k.0.saturating_mul(2)
    }

    /// The dimensions are valid (DAS-2), the extended square is within [`MAX_EDS_BYTES`], and
    /// the shares fit them: `k²` shares of `share_size` bytes, or a blob whose square is `k`
    /// wide.
    pub fn check(&self) -> Result<(), CaseError> {
        let (k, share_size) = self.dimensions()?;
        let eds_bytes = 4 * self.k.0 * self.k.0 * self.share_size.0;
        if eds_bytes > MAX_EDS_BYTES {
            return Err(CaseError::Invalid(format!(
                "square: a {k}×{k} square of {share_size}-byte shares extends to {eds_bytes} bytes, above the limit of {MAX_EDS_BYTES}"
            )));
        }
        match &self.ods {
            OdsSpec::Shares(shares) => {
                if shares.len() != k * k {
                    return Err(CaseError::Invalid(format!(
                        "square.shares lists {} shares; a {k}×{k} square has {}",
                        shares.len(),
                        k * k
                    )));
                }
                if let Some(i) = shares.iter().position(|s| s.0.len() != share_size) {
                    return Err(CaseError::Invalid(format!(
                        "square.shares[{i}] has {} bytes, not the square's {share_size}",
                        shares.get(i).map_or(0, |s| s.0.len())
                    )));
                }
                Ok(())
            }
            OdsSpec::Blob(blob) => {
                let ods = ::das::DataSquare::from_blob(&blob.0, share_size)
                    .map_err(|e| CaseError::Invalid(format!("square.blob: {e}")))?;
                if ods.width() != k {
                    return Err(CaseError::Invalid(format!(
                        "square.blob of {} bytes is laid out in a {w}×{w} square (DAS-2.1), not {k}×{k}",
                        blob.0.len(),
                        w = ods.width()
                    )));
                }
                Ok(())
            }
            OdsSpec::Seed(_) => Ok(()),
        }
    }
}

/// One byte of the extended square changed before it is committed to: share `(row, col)`'s
/// byte `byte` is XORed with `xor` (a producer publishing a square that is not a codeword).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Corruption {
    /// The share's row in the extended square.
    pub row: Uint,
    /// The share's column.
    pub col: Uint,
    /// The byte's offset in the share.
    pub byte: Uint,
    /// The mask XORed into it, 1 to 255.
    pub xor: Uint,
}

/// Corruptions are inside the square and change something.
fn check_corruptions(corrupt: &[Corruption], square: &SquareSpec, at: &str) -> Result<(), CaseError> {
    if corrupt.len() > MAX_CORRUPTIONS {
        return Err(CaseError::Invalid(format!("{at} lists more than {MAX_CORRUPTIONS} corruptions")));
    }
    let width = square.width();
    for (i, c) in corrupt.iter().enumerate() {
        if c.row.0 >= width || c.col.0 >= width {
            return Err(CaseError::Invalid(format!(
                "{at}[{i}] names share ({}, {}) outside the {width}×{width} extended square",
                c.row, c.col
            )));
        }
        if c.byte.0 >= square.share_size.0 {
            return Err(CaseError::Invalid(format!(
                "{at}[{i}].byte is {}, outside a {}-byte share",
                c.byte, square.share_size
            )));
        }
        if !(1..=255).contains(&c.xor.0) {
            return Err(CaseError::Invalid(format!("{at}[{i}].xor must be 1 to 255, not {}", c.xor)));
        }
    }
    Ok(())
}

/// A data availability header (DAS-4.1): the root of each row and each column.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DahSpec {
    /// Row roots, row 0 first.
    pub row_roots: Vec<HashHex>,
    /// Column roots, column 0 first.
    pub col_roots: Vec<HashHex>,
}

impl DahSpec {
    /// The header of a square.
    pub fn of(dah: &::das::Dah) -> DahSpec {
        DahSpec {
            row_roots: dah.row_roots.iter().copied().map(HashHex).collect(),
            col_roots: dah.col_roots.iter().copied().map(HashHex).collect(),
        }
    }

    /// The header as the das crate takes it.
    pub fn to_dah(&self) -> ::das::Dah {
        ::das::Dah {
            row_roots: self.row_roots.iter().map(|h| h.0).collect(),
            col_roots: self.col_roots.iter().map(|h| h.0).collect(),
        }
    }

    /// `2k` row and `2k` column roots for a valid `k`.
    fn check_shape(&self, at: &str) -> Result<(), CaseError> {
        self.to_dah().validate().map_err(|e| CaseError::Invalid(format!("{at}: {e}")))
    }
}

/// A row or a column.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AxisCode {
    /// A row.
    Row,
    /// A column.
    Col,
}

impl AxisCode {
    /// The das crate's axis.
    pub fn axis(self) -> ::das::Axis {
        match self {
            AxisCode::Row => ::das::Axis::Row,
            AxisCode::Col => ::das::Axis::Col,
        }
    }

    /// The code of a das axis.
    pub fn of(axis: ::das::Axis) -> AxisCode {
        match axis {
            ::das::Axis::Row => AxisCode::Row,
            ::das::Axis::Col => AxisCode::Col,
        }
    }

    /// `row` or `col`.
    pub fn name(self) -> &'static str {
        self.axis().name()
    }
}

fn to_usize(n: Uint, what: &str) -> Result<usize, CaseError> {
    usize::try_from(n.0).map_err(|_| CaseError::Invalid(format!("{what} is {n}, too large for this machine")))
}

/// An empty map: the `ok` of a verification that has nothing else to say.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

// ---------------------------------------------------------------------------------------------
// extension

/// `extension`'s configuration: the original square.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionConfig {
    /// The square to extend (DAS-3).
    pub square: SquareSpec,
}

/// `extension`'s result: the header, its data root, a digest of the extended square and, for
/// `k ≤ 4`, every share.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionPost {
    /// The data root (DAS-4.2).
    pub data_root: HashHex,
    /// `keccak256` of the extended square's bytes, row-major.
    pub eds_keccak: HashHex,
    /// The `2k` row roots (DAS-4.1).
    pub row_roots: Vec<HashHex>,
    /// The `2k` column roots.
    pub col_roots: Vec<HashHex>,
    /// Every share of the extended square, `eds[row][col]`, exactly when `k ≤ 4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eds: Option<Vec<Vec<Hex>>>,
}

// ---------------------------------------------------------------------------------------------
// share_proof

/// A share proof (DAS-5.1): the axis whose root it leads to and the audit path.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofSpec {
    /// The share's row (`row`) or column (`col`).
    pub axis: AxisCode,
    /// Sibling hashes from the leaf's level up.
    pub path: Vec<HashHex>,
}

/// `share_proof`'s configuration: prove a share of a square, or verify a given proof.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "ShareProofConfigWire", into = "ShareProofConfigWire")]
pub enum ShareProofConfig {
    /// Prove that share `(row, col)` of the extended square of `square` is in its line of
    /// `axis`.
    Prove {
        /// The original square.
        square: SquareSpec,
        /// The share's row in the extended square.
        row: Uint,
        /// Its column.
        col: Uint,
        /// Which line's root the proof leads to.
        axis: AxisCode,
    },
    /// Verify that `share` is at `(row, col)` of the square `dah` commits to (DAS-5.2).
    Verify {
        /// The header.
        dah: DahSpec,
        /// The square's share size.
        share_size: Uint,
        /// The claimed row.
        row: Uint,
        /// The claimed column.
        col: Uint,
        /// The share.
        share: Hex,
        /// The proof.
        proof: ProofSpec,
    },
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareProofConfigWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    square: Option<SquareSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dah: Option<DahSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    share_size: Option<Uint>,
    row: Uint,
    col: Uint,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    axis: Option<AxisCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    share: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    proof: Option<ProofSpec>,
}

impl TryFrom<ShareProofConfigWire> for ShareProofConfig {
    type Error = &'static str;

    fn try_from(w: ShareProofConfigWire) -> Result<ShareProofConfig, &'static str> {
        match w {
            ShareProofConfigWire {
                square: Some(square),
                dah: None,
                share_size: None,
                row,
                col,
                axis: Some(axis),
                share: None,
                proof: None,
            } => Ok(ShareProofConfig::Prove { square, row, col, axis }),
            ShareProofConfigWire {
                square: None,
                dah: Some(dah),
                share_size: Some(share_size),
                row,
                col,
                axis: None,
                share: Some(share),
                proof: Some(proof),
            } => Ok(ShareProofConfig::Verify { dah, share_size, row, col, share, proof }),
            _ => Err(
                "a share_proof config is `{square, row, col, axis}` (prove) or `{dah, share_size, row, col, share, proof}` (verify)",
            ),
        }
    }
}

impl From<ShareProofConfig> for ShareProofConfigWire {
    fn from(c: ShareProofConfig) -> ShareProofConfigWire {
        match c {
            ShareProofConfig::Prove { square, row, col, axis } => ShareProofConfigWire {
                square: Some(square),
                dah: None,
                share_size: None,
                row,
                col,
                axis: Some(axis),
                share: None,
                proof: None,
            },
            ShareProofConfig::Verify { dah, share_size, row, col, share, proof } => ShareProofConfigWire {
                square: None,
                dah: Some(dah),
                share_size: Some(share_size),
                row,
                col,
                axis: None,
                share: Some(share),
                proof: Some(proof),
            },
        }
    }
}

/// `share_proof`'s result.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "ShareProofPostWire", into = "ShareProofPostWire")]
pub enum ShareProofPost {
    /// For a prove case: the share and its audit path.
    Proven {
        /// The share at `(row, col)`.
        share: Hex,
        /// The audit path in the tree of the line of `axis` through it.
        path: Vec<HashHex>,
    },
    /// For a verify case: the share is proven.
    Valid,
    /// For a verify case: why it is not.
    Invalid {
        /// The error's code (DAS-5.2).
        code: ShareProofErrorCode,
    },
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareProofPostWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    share: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<Vec<HashHex>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ok: Option<Empty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<CodeWire<ShareProofErrorCode>>,
}

/// `{code}`: an error's code.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeWire<T> {
    code: T,
}

impl TryFrom<ShareProofPostWire> for ShareProofPost {
    type Error = &'static str;

    fn try_from(w: ShareProofPostWire) -> Result<ShareProofPost, &'static str> {
        match w {
            ShareProofPostWire { share: Some(share), path: Some(path), ok: None, error: None } => {
                Ok(ShareProofPost::Proven { share, path })
            }
            ShareProofPostWire { share: None, path: None, ok: Some(Empty {}), error: None } => {
                Ok(ShareProofPost::Valid)
            }
            ShareProofPostWire { share: None, path: None, ok: None, error: Some(CodeWire { code }) } => {
                Ok(ShareProofPost::Invalid { code })
            }
            _ => Err("a share_proof result is `{share, path}` (prove), `{ok: {}}` or `{error: {code}}` (verify)"),
        }
    }
}

impl From<ShareProofPost> for ShareProofPostWire {
    fn from(p: ShareProofPost) -> ShareProofPostWire {
        let none = ShareProofPostWire { share: None, path: None, ok: None, error: None };
        match p {
            ShareProofPost::Proven { share, path } => {
                ShareProofPostWire { share: Some(share), path: Some(path), ..none }
            }
            ShareProofPost::Valid => ShareProofPostWire { ok: Some(Empty {}), ..none },
            ShareProofPost::Invalid { code } => ShareProofPostWire { error: Some(CodeWire { code }), ..none },
        }
    }
}

/// The share-proof verifier's error codes (DAS-5.2), a closed catalogue, checked in this order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareProofErrorCode {
    /// `row` or `col` is not below the header's width.
    OutOfRange,
    /// The share does not have `share_size` bytes.
    ShareSize,
    /// The path does not lead from the share to the root of its line.
    BadPath,
}

impl ShareProofErrorCode {
    /// Every code, in catalogue order.
    pub const ALL: [ShareProofErrorCode; 3] =
        [ShareProofErrorCode::OutOfRange, ShareProofErrorCode::ShareSize, ShareProofErrorCode::BadPath];

    /// The code of a verifier error.
    pub fn of(error: &::das::ShareProofError) -> ShareProofErrorCode {
        match error {
            ::das::ShareProofError::OutOfRange { .. } => ShareProofErrorCode::OutOfRange,
            ::das::ShareProofError::ShareSize { .. } => ShareProofErrorCode::ShareSize,
            ::das::ShareProofError::BadPath { .. } => ShareProofErrorCode::BadPath,
        }
    }

    /// The code as written in vectors.
    pub fn name(self) -> &'static str {
        match self {
            ShareProofErrorCode::OutOfRange => "out_of_range",
            ShareProofErrorCode::ShareSize => "share_size",
            ShareProofErrorCode::BadPath => "bad_path",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// repair

/// Which shares of a `2k×2k` square are present: written as `2k` lines of `2k` characters,
/// `1` present and `0` missing, each line ending in a line break, row 0 first.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Mask(pub Vec<Vec<bool>>);

impl Mask {
    /// A `width×width` mask with `present(row, col)`.
    pub fn from_fn(width: usize, present: impl Fn(usize, usize) -> bool) -> Mask {
        Mask((0..width).map(|r| (0..width).map(|c| present(r, c)).collect()).collect())
    }

    /// Whether `(row, col)` is present (false outside the mask).
    pub fn present(&self, row: usize, col: usize) -> bool {
        self.0.get(row).and_then(|line| line.get(col)).copied().unwrap_or(false)
    }

    /// How many shares are present.
    pub fn count(&self) -> usize {
        self.0.iter().flatten().filter(|&&p| p).count()
    }

    /// The text form.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for line in &self.0 {
            out.extend(line.iter().map(|&p| if p { '1' } else { '0' }));
            out.push('\n');
        }
        out
    }

    /// Reads the text form.
    pub fn parse(text: &str) -> Result<Mask, String> {
        let body = text.strip_suffix('\n').ok_or("a mask ends with a line break")?;
        let lines: Vec<Vec<bool>> = body
            .split('\n')
            .enumerate()
            .map(|(r, line)| {
                line.chars()
                    .map(|c| match c {
                        '1' => Ok(true),
                        '0' => Ok(false),
                        other => Err(format!("line {r} of the mask holds {other:?}; only 0 and 1 are allowed")),
                    })
                    .collect()
            })
            .collect::<Result<_, String>>()?;
        let width = lines.len();
        if let Some(r) = lines.iter().position(|line| line.len() != width) {
            let got = lines.get(r).map_or(0, Vec::len);
            return Err(format!("the mask has {width} lines, but line {r} has {got} characters"));
        }
        Ok(Mask(lines))
    }
}

impl Serialize for Mask {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

impl<'de> Deserialize<'de> for Mask {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Mask;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mask: lines of 0 and 1, one per row, each ending in a line break")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Mask, E> {
                Mask::parse(s).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// `repair`'s configuration: a producer's square, and the shares a node holds.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepairConfig {
    /// The original square; its extension, changed by `corrupt`, is what the producer
    /// published, and the header is that square's (DAS-4.1).
    pub square: SquareSpec,
    /// Bytes the producer changed after extending (none for an honest producer).
    pub corrupt: Vec<Corruption>,
    /// The shares the node holds.
    pub present: Mask,
}

/// `repair`'s result: `{ok: {data_root, eds_keccak}}` or `{error: {code, …}}`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "OkOrError<Repaired, RepairFailure>", into = "OkOrError<Repaired, RepairFailure>")]
pub enum RepairPost {
    /// The square was repaired and every line matches the header.
    Ok(Repaired),
    /// Why not (DAS-6.3).
    Error(RepairFailure),
}

/// `{ok: …}` or `{error: …}`, exactly one of them (YAML readers want a tag for an enum, so
/// the two keys are read as options).
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OkOrError<O, E> {
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    ok: Option<O>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    error: Option<E>,
}

fn none<T>() -> Option<T> {
    None
}

/// Reads and writes `$post`, an enum of `Ok($ok)` and `Error($error)`, as [`OkOrError`];
/// `$what` says what else it must be.
macro_rules! ok_or_error {
    ($post:ident, $ok:ty, $error:ty, $what:literal) => {
        impl TryFrom<OkOrError<$ok, $error>> for $post {
            type Error = &'static str;

            fn try_from(w: OkOrError<$ok, $error>) -> Result<$post, &'static str> {
                match (w.ok, w.error) {
                    (Some(ok), None) => Ok($post::Ok(ok)),
                    (None, Some(error)) => Ok($post::Error(error)),
                    _ => Err($what),
                }
            }
        }

        impl From<$post> for OkOrError<$ok, $error> {
            fn from(p: $post) -> Self {
                match p {
                    $post::Ok(ok) => OkOrError { ok: Some(ok), error: None },
                    $post::Error(error) => OkOrError { ok: None, error: Some(error) },
                }
            }
        }
    };
}

ok_or_error!(
    RepairPost,
    Repaired,
    RepairFailure,
    "a repair result is `{ok: {data_root, eds_keccak}}` or `{error: {code, …}}`"
);

/// A repaired square.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repaired {
    /// The repaired square's data root (the header's).
    pub data_root: HashHex,
    /// `keccak256` of the repaired square's bytes, row-major.
    pub eds_keccak: HashHex,
}

/// Why a square cannot be repaired.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case", deny_unknown_fields)]
pub enum RepairFailure {
    /// No incomplete row or column has `k` known shares.
    Unrecoverable {
        /// Shares still missing.
        missing: Uint,
        /// Rows still incomplete.
        rows: Uint,
        /// Columns still incomplete.
        cols: Uint,
    },
    /// A line is not a codeword, or decodes to one whose root is not the header's.
    BadEncoding {
        /// The first such line's axis, in the order of DAS-6.2.
        axis: AxisCode,
        /// Its index.
        index: Uint,
    },
}

// ---------------------------------------------------------------------------------------------
// fraud_proof

/// `fraud_proof`'s configuration: a header, the share size, and the proof's bytes.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FraudProofConfig {
    /// The header the proof is checked against (any shape: a malformed one is rejected).
    pub dah: DahSpec,
    /// The share size the verifier assumes.
    pub share_size: Uint,
    /// The proof's bytes (DAS-7.1; canonical or not, possibly tampered).
    pub proof: Hex,
    /// Where the untampered proof came from, for people; implementations ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<FraudSource>,
}

/// The producer's square a fraud proof was built from.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FraudSource {
    /// The original square.
    pub square: SquareSpec,
    /// The bytes the producer changed after extending it.
    pub corrupt: Vec<Corruption>,
}

/// `fraud_proof`'s result: `{ok: {fraud}}` or `{error: {code}}`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "OkOrError<FraudShown, FraudRejected>", into = "OkOrError<FraudShown, FraudRejected>")]
pub enum FraudProofPost {
    /// The proof shows fraud.
    Ok(FraudShown),
    /// The proof is rejected.
    Error(FraudRejected),
}

ok_or_error!(FraudProofPost, FraudShown, FraudRejected, "a fraud_proof result is `{ok: {fraud}}` or `{error: {code}}`");

/// What a valid fraud proof shows.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FraudShown {
    /// `not_a_codeword` or `root_mismatch` (DAS-7.2).
    pub fraud: FraudCode,
}

/// Why a fraud proof is rejected.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FraudRejected {
    /// The first failing check's code (DAS-7.2).
    pub code: FraudErrorCode,
}

/// The fraud a valid proof shows.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FraudCode {
    /// The proven shares do not lie on one codeword.
    NotACodeword,
    /// They decode to a codeword whose root is not the header's.
    RootMismatch,
}

impl FraudCode {
    /// The code of a das fraud.
    pub fn of(fraud: ::das::Fraud) -> FraudCode {
        match fraud {
            ::das::Fraud::NotACodeword => FraudCode::NotACodeword,
            ::das::Fraud::RootMismatch => FraudCode::RootMismatch,
        }
    }

    /// The code as written in vectors.
    pub fn name(self) -> &'static str {
        match self {
            FraudCode::NotACodeword => "not_a_codeword",
            FraudCode::RootMismatch => "root_mismatch",
        }
    }
}

/// The fraud-proof verifier's error codes (DAS-7.2), a closed catalogue, in the order the
/// checks run.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs, reason = "each variant is its code, documented in das.md DAS-7.2")]
pub enum FraudErrorCode {
    Decode,
    BadHeader,
    BadShareSize,
    BadIndex,
    WrongLength,
    TooFewShares,
    BadShare,
    NotFraud,
}

impl FraudErrorCode {
    /// Every code, in catalogue (and check) order.
    pub const ALL: [FraudErrorCode; 8] = [
        FraudErrorCode::Decode,
        FraudErrorCode::BadHeader,
        FraudErrorCode::BadShareSize,
        FraudErrorCode::BadIndex,
        FraudErrorCode::WrongLength,
        FraudErrorCode::TooFewShares,
        FraudErrorCode::BadShare,
        FraudErrorCode::NotFraud,
    ];

    /// The code of a verifier error.
    pub fn of(error: &::das::FraudProofError) -> FraudErrorCode {
        use ::das::FraudProofError as E;
        match error {
            E::Decode(_) => FraudErrorCode::Decode,
            E::BadHeader(_) => FraudErrorCode::BadHeader,
            E::BadShareSize(_) => FraudErrorCode::BadShareSize,
            E::BadIndex { .. } => FraudErrorCode::BadIndex,
            E::WrongLength { .. } => FraudErrorCode::WrongLength,
            E::TooFewShares { .. } => FraudErrorCode::TooFewShares,
            E::BadShare { .. } => FraudErrorCode::BadShare,
            E::NotFraud => FraudErrorCode::NotFraud,
        }
    }

    /// The code as written in vectors.
    pub fn name(self) -> &'static str {
        match self {
            FraudErrorCode::Decode => "decode",
            FraudErrorCode::BadHeader => "bad_header",
            FraudErrorCode::BadShareSize => "bad_share_size",
            FraudErrorCode::BadIndex => "bad_index",
            FraudErrorCode::WrongLength => "wrong_length",
            FraudErrorCode::TooFewShares => "too_few_shares",
            FraudErrorCode::BadShare => "bad_share",
            FraudErrorCode::NotFraud => "not_fraud",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// sampling

/// `sampling`'s configuration: draw sample coordinates, or compute a detection probability.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "SamplingConfigWire", into = "SamplingConfigWire")]
pub enum SamplingConfig {
    /// The `samples` distinct coordinates a light client draws from `seed` in a
    /// `width×width` square (DAS-8.1).
    Coordinates {
        /// The light client's seed.
        seed: Uint,
        /// The extended square's width `2k` (any width from 1 to 1024 is accepted).
        width: Uint,
        /// How many samples (capped at `width²`).
        samples: Uint,
    },
    /// The probability that `samples` distinct uniform samples of a `2k×2k` square hit at
    /// least one of `withheld` withheld shares (DAS-8.3).
    Probability {
        /// The original square's width.
        k: Uint,
        /// Withheld shares, at most `4k²`.
        withheld: Uint,
        /// Samples, at most 2^20 (the probability is 1 once `samples > 4k² − withheld`).
        samples: Uint,
    },
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SamplingConfigWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed: Option<Uint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    width: Option<Uint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    k: Option<Uint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    withheld: Option<Uint>,
    samples: Uint,
}

impl TryFrom<SamplingConfigWire> for SamplingConfig {
    type Error = &'static str;

    fn try_from(w: SamplingConfigWire) -> Result<SamplingConfig, &'static str> {
        match w {
            SamplingConfigWire { seed: Some(seed), width: Some(width), k: None, withheld: None, samples } => {
                Ok(SamplingConfig::Coordinates { seed, width, samples })
            }
            SamplingConfigWire { seed: None, width: None, k: Some(k), withheld: Some(withheld), samples } => {
                Ok(SamplingConfig::Probability { k, withheld, samples })
            }
            _ => Err(
                "a sampling config is `{seed, width, samples}` (coordinates) or `{k, withheld, samples}` (probability)",
            ),
        }
    }
}

impl From<SamplingConfig> for SamplingConfigWire {
    fn from(c: SamplingConfig) -> SamplingConfigWire {
        match c {
            SamplingConfig::Coordinates { seed, width, samples } => {
                SamplingConfigWire { seed: Some(seed), width: Some(width), k: None, withheld: None, samples }
            }
            SamplingConfig::Probability { k, withheld, samples } => {
                SamplingConfigWire { seed: None, width: None, k: Some(k), withheld: Some(withheld), samples }
            }
        }
    }
}

/// `sampling`'s result.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(try_from = "SamplingPostWire", into = "SamplingPostWire")]
pub enum SamplingPost {
    /// The coordinates drawn, `[row, col]`, in draw order.
    Coordinates(Vec<[Uint; 2]>),
    /// The detection probability.
    Probability(Probability),
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SamplingPostWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    coordinates: Option<Vec<[Uint; 2]>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    probability: Option<Probability>,
}

impl TryFrom<SamplingPostWire> for SamplingPost {
    type Error = &'static str;

    fn try_from(w: SamplingPostWire) -> Result<SamplingPost, &'static str> {
        match w {
            SamplingPostWire { coordinates: Some(c), probability: None } => Ok(SamplingPost::Coordinates(c)),
            SamplingPostWire { coordinates: None, probability: Some(p) } => Ok(SamplingPost::Probability(p)),
            _ => Err("a sampling result is `{coordinates}` or `{probability}`"),
        }
    }
}

impl From<SamplingPost> for SamplingPostWire {
    fn from(p: SamplingPost) -> SamplingPostWire {
        match p {
            SamplingPost::Coordinates(c) => SamplingPostWire { coordinates: Some(c), probability: None },
            SamplingPost::Probability(p) => SamplingPostWire { coordinates: None, probability: Some(p) },
        }
    }
}

/// A probability, written as a decimal string (VEC-7.6): vectors hold the shortest decimal,
/// without an exponent, that reads back as the same binary64 value; readers accept
/// `digits[.digits][e[±]digits]` whose value is in `[0, 1]`.
#[derive(Clone, Copy, PartialEq, PartialOrd, Debug)]
pub struct Probability(pub f64);

impl Probability {
    /// Whether `other` is within [`PROBABILITY_TOLERANCE`] of this.
    pub fn close_to(self, other: Probability) -> bool {
        (self.0 - other.0).abs() <= PROBABILITY_TOLERANCE
    }

    /// Parses the decimal form.
    pub fn parse(s: &str) -> Option<Probability> {
        let (mantissa, exponent) = match s.split_once(['e', 'E']) {
            Some((m, e)) => (m, Some(e)),
            None => (s, None),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let exponent_ok =
            exponent.is_none_or(|e| digits(e.strip_prefix('+').or_else(|| e.strip_prefix('-')).unwrap_or(e)));
        if !(digits(whole) && digits(fraction) && exponent_ok) {
            return None;
        }
        let value: f64 = s.parse().ok()?;
        (value.is_finite() && (0.0..=1.0).contains(&value)).then_some(Probability(value))
    }
}

impl fmt::Display for Probability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Rust writes the shortest decimal that reads back as the same value, never with an
        // exponent.
        write!(f, "{}", self.0)
    }
}

impl Serialize for Probability {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Probability;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a probability written as a quoted decimal string from 0 to 1")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Probability, E> {
                Probability::parse(s).ok_or_else(|| {
                    E::custom(format_args!("`{s}` is not a probability: write a decimal string from 0 to 1"))
                })
            }
        }
        deserializer.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// requests and results

/// What the harness sends a client: the case without its expectations.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DasRequestOf<C> {
    /// The case id, for the client's logs.
    pub id: String,
    /// Always `das`.
    pub suite: String,
    /// The handler.
    pub handler: String,
    /// The configuration.
    pub config: C,
}

/// What a client answers: `{"post": …}` with the handler's result.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DasResultOf<P> {
    /// The result.
    pub post: P,
}

/// A das request of any handler, as a client reads it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum DasRequest {
    /// `extension`.
    Extension(DasRequestOf<ExtensionConfig>),
    /// `share_proof`.
    ShareProof(DasRequestOf<ShareProofConfig>),
    /// `repair`.
    Repair(DasRequestOf<RepairConfig>),
    /// `fraud_proof`.
    FraudProof(DasRequestOf<FraudProofConfig>),
    /// `sampling`.
    Sampling(DasRequestOf<SamplingConfig>),
}

/// A das result of any handler.
#[derive(Clone, PartialEq, Debug, Serialize)]
#[serde(untagged)]
pub enum DasResult {
    /// `extension`.
    Extension(DasResultOf<ExtensionPost>),
    /// `share_proof`.
    ShareProof(DasResultOf<ShareProofPost>),
    /// `repair`.
    Repair(DasResultOf<RepairPost>),
    /// `fraud_proof`.
    FraudProof(DasResultOf<FraudProofPost>),
    /// `sampling`.
    Sampling(DasResultOf<SamplingPost>),
}

/// The error for a handler this suite does not have.
pub fn unknown_handler(handler: &str) -> CaseError {
    CaseError::Invalid(format!("unknown das handler `{handler}` (known: {})", HANDLERS.join(", ")))
}

impl DasRequest {
    /// Reads a request from JSON, strictly, with the types of its handler.
    pub fn from_json(text: &str) -> Result<DasRequest, CaseError> {
        let syntax = |e: serde_json::Error| CaseError::Syntax(e.to_string());
        let probe: HandlerProbe = serde_json::from_str(text).map_err(syntax)?;
        Ok(match probe.handler.as_str() {
            "extension" => DasRequest::Extension(serde_json::from_str(text).map_err(syntax)?),
            "share_proof" => DasRequest::ShareProof(serde_json::from_str(text).map_err(syntax)?),
            "repair" => DasRequest::Repair(serde_json::from_str(text).map_err(syntax)?),
            "fraud_proof" => DasRequest::FraudProof(serde_json::from_str(text).map_err(syntax)?),
            "sampling" => DasRequest::Sampling(serde_json::from_str(text).map_err(syntax)?),
            other => return Err(unknown_handler(other)),
        })
    }

    /// Checks the configuration's rules (a request that breaks one is refused, CP-3.5).
    pub fn check(&self) -> Result<(), CaseError> {
        match self {
            DasRequest::Extension(r) => r.config.check(),
            DasRequest::ShareProof(r) => r.config.check(),
            DasRequest::Repair(r) => r.config.check(),
            DasRequest::FraudProof(r) => r.config.check(),
            DasRequest::Sampling(r) => r.config.check(),
        }
    }
}

impl DasVector {
    /// Reads a vector of its handler from YAML or JSON.
    pub fn parse_as(text: &str, encoding: super::Encoding) -> Result<DasVector, CaseError> {
        let probe: HandlerProbe = super::decode(text, encoding)?;
        Ok(match probe.handler.as_str() {
            "extension" => DasVector::Extension(super::decode(text, encoding)?),
            "share_proof" => DasVector::ShareProof(super::decode(text, encoding)?),
            "repair" => DasVector::Repair(super::decode(text, encoding)?),
            "fraud_proof" => DasVector::FraudProof(super::decode(text, encoding)?),
            "sampling" => DasVector::Sampling(super::decode(text, encoding)?),
            other => return Err(unknown_handler(other)),
        })
    }

    /// The result a correct client returns.
    pub fn expected(&self) -> DasResult {
        match self {
            DasVector::Extension(v) => DasResult::Extension(DasResultOf { post: v.post.clone() }),
            DasVector::ShareProof(v) => DasResult::ShareProof(DasResultOf { post: v.post.clone() }),
            DasVector::Repair(v) => DasResult::Repair(DasResultOf { post: v.post }),
            DasVector::FraudProof(v) => DasResult::FraudProof(DasResultOf { post: v.post }),
            DasVector::Sampling(v) => DasResult::Sampling(DasResultOf { post: v.post.clone() }),
        }
    }

    /// Reads a client's result for this case, strictly, with the types of its handler, and
    /// checks the rules a result follows (VEC-7.3 to VEC-7.6: which form answers which config).
    pub fn read_result(&self, raw: &str) -> Result<DasResult, String> {
        let e = |e: serde_json::Error| e.to_string();
        Ok(match self {
            DasVector::Extension(v) => {
                let r: DasResultOf<ExtensionPost> = serde_json::from_str(raw).map_err(e)?;
                check_extension_form(&v.config, &r.post)?;
                DasResult::Extension(r)
            }
            DasVector::ShareProof(v) => {
                let r: DasResultOf<ShareProofPost> = serde_json::from_str(raw).map_err(e)?;
                check_share_proof_form(&v.config, &r.post)?;
                DasResult::ShareProof(r)
            }
            DasVector::Repair(_) => DasResult::Repair(serde_json::from_str(raw).map_err(e)?),
            DasVector::FraudProof(_) => DasResult::FraudProof(serde_json::from_str(raw).map_err(e)?),
            DasVector::Sampling(v) => {
                let r: DasResultOf<SamplingPost> = serde_json::from_str(raw).map_err(e)?;
                check_sampling_form(&v.config, &r.post)?;
                DasResult::Sampling(r)
            }
        })
    }

    /// `result` as it is compared with the expectation: a probability within
    /// [`PROBABILITY_TOLERANCE`] of the expected one counts as the expected one (VEC-7.6), so
    /// neither [`DasVector::matches`] nor a diff reports it.
    pub fn comparable(&self, result: &DasResult) -> DasResult {
        let mut result = result.clone();
        if let (DasVector::Sampling(v), DasResult::Sampling(r)) = (self, &mut result)
            && let (SamplingPost::Probability(expected), SamplingPost::Probability(got)) = (&v.post, &mut r.post)
            && expected.close_to(*got)
        {
            *got = *expected;
        }
        result
    }

    /// Whether `result` is what this vector expects (probabilities within the tolerance).
    pub fn matches(&self, result: &DasResult) -> bool {
        self.comparable(result) == self.expected()
    }

    /// Checks the rules that types alone do not enforce.
    pub(super) fn check(&self) -> Result<(), CaseError> {
        let (suite, handler) = (self.suite(), self.handler());
        if suite != "das" {
            return Err(CaseError::UnknownSuite(suite.to_owned()));
        }
        let expected_handler = match self {
            DasVector::Extension(_) => "extension",
            DasVector::ShareProof(_) => "share_proof",
            DasVector::Repair(_) => "repair",
            DasVector::FraudProof(_) => "fraud_proof",
            DasVector::Sampling(_) => "sampling",
        };
        if handler != expected_handler {
            return Err(unknown_handler(handler));
        }
        let invalid = CaseError::Invalid;
        match self {
            DasVector::Extension(v) => {
                v.config.check()?;
                check_extension_form(&v.config, &v.post).map_err(invalid)?;
                let width = v.config.square.width() as usize;
                if v.post.row_roots.len() != width || v.post.col_roots.len() != width {
                    return Err(CaseError::Invalid(format!("post lists row and column roots for width {width}")));
                }
                Ok(())
            }
            DasVector::ShareProof(v) => {
                v.config.check()?;
                check_share_proof_form(&v.config, &v.post).map_err(invalid)
            }
            DasVector::Repair(v) => v.config.check(),
            DasVector::FraudProof(v) => v.config.check(),
            DasVector::Sampling(v) => {
                v.config.check()?;
                check_sampling_form(&v.config, &v.post).map_err(invalid)
            }
        }
    }
}

/// An extension result lists every share exactly when `k ≤ 4` (VEC-7.3).
fn check_extension_form(config: &ExtensionConfig, post: &ExtensionPost) -> Result<(), String> {
    let k = config.square.k.0;
    match (&post.eds, k <= MAX_LISTED_K) {
        (Some(_), true) | (None, false) => Ok(()),
        (None, true) => Err(format!("post.eds is missing: a result lists every share when k ≤ {MAX_LISTED_K}")),
        (Some(_), false) => Err(format!("post.eds must be absent when k > {MAX_LISTED_K} (k is {k})")),
    }
}

/// A prove case has a `{share, path}` result, a verify case `ok` or `error`.
fn check_share_proof_form(config: &ShareProofConfig, post: &ShareProofPost) -> Result<(), String> {
    match (config, post) {
        (ShareProofConfig::Prove { .. }, ShareProofPost::Proven { .. })
        | (ShareProofConfig::Verify { .. }, ShareProofPost::Valid | ShareProofPost::Invalid { .. }) => Ok(()),
        (ShareProofConfig::Prove { .. }, _) => Err("a prove case's result is `{share, path}`".to_owned()),
        (ShareProofConfig::Verify { .. }, _) => {
            Err("a verify case's result is `{ok: {}}` or `{error: {code}}`, not `{share, path}`".to_owned())
        }
    }
}

/// A coordinates case has a `{coordinates}` result, a probability case `{probability}`.
fn check_sampling_form(config: &SamplingConfig, post: &SamplingPost) -> Result<(), String> {
    match (config, post) {
        (SamplingConfig::Coordinates { .. }, SamplingPost::Coordinates(_))
        | (SamplingConfig::Probability { .. }, SamplingPost::Probability(_)) => Ok(()),
        (SamplingConfig::Coordinates { .. }, _) => Err("a coordinates case's result is `{coordinates}`".to_owned()),
        (SamplingConfig::Probability { .. }, _) => Err("a probability case's result is `{probability}`".to_owned()),
    }
}

impl ExtensionConfig {
    /// The square is valid.
    pub fn check(&self) -> Result<(), CaseError> {
        self.square.check()
    }
}

impl ShareProofConfig {
    /// A prove case's square is valid and its share inside it; a verify case's header is
    /// well formed, its share size valid, and its share and path not huge.
    pub fn check(&self) -> Result<(), CaseError> {
        match self {
            ShareProofConfig::Prove { square, row, col, .. } => {
                square.check()?;
                let width = square.width();
                if row.0 >= width || col.0 >= width {
                    return Err(CaseError::Invalid(format!(
                        "config names share ({row}, {col}) outside the {width}×{width} extended square"
                    )));
                }
                Ok(())
            }
            ShareProofConfig::Verify { dah, share_size, share, proof, .. } => {
                dah.check_shape("config.dah")?;
                let k = dah.row_roots.len() / 2;
                ::das::check_dimensions(k, to_usize(*share_size, "config.share_size")?)
                    .map_err(|e| CaseError::Invalid(format!("config.share_size: {e}")))?;
                if share.0.len() > MAX_SHARE_BYTES {
                    return Err(CaseError::Invalid(format!("config.share is longer than {MAX_SHARE_BYTES} bytes")));
                }
                if proof.path.len() > MAX_PATH_HASHES {
                    return Err(CaseError::Invalid(format!(
                        "config.proof.path has more than {MAX_PATH_HASHES} hashes"
                    )));
                }
                Ok(())
            }
        }
    }
}

impl RepairConfig {
    /// The square is valid and at most [`MAX_REPAIR_K`] wide, its corruptions inside it, and
    /// the mask `2k` lines of `2k` characters.
    pub fn check(&self) -> Result<(), CaseError> {
        self.square.check()?;
        if self.square.k.0 > MAX_REPAIR_K {
            return Err(CaseError::Invalid(format!(
                "config.square.k is {}, above the repair limit of {MAX_REPAIR_K}",
                self.square.k
            )));
        }
        check_corruptions(&self.corrupt, &self.square, "config.corrupt")?;
        let width = self.square.width() as usize;
        if self.present.0.len() != width {
            return Err(CaseError::Invalid(format!(
                "config.present is {0}×{0}; the extended square is {width}×{width}",
                self.present.0.len()
            )));
        }
        Ok(())
    }
}

impl FraudProofConfig {
    /// The header and the proof are not huge; the source, if any, is a valid square.
    pub fn check(&self) -> Result<(), CaseError> {
        if self.dah.row_roots.len() > MAX_HEADER_ROOTS || self.dah.col_roots.len() > MAX_HEADER_ROOTS {
            return Err(CaseError::Invalid(format!("config.dah lists more than {MAX_HEADER_ROOTS} roots per axis")));
        }
        if self.proof.0.len() > MAX_PROOF_BYTES {
            return Err(CaseError::Invalid(format!("config.proof is longer than {MAX_PROOF_BYTES} bytes")));
        }
        if let Some(source) = &self.source {
            source.square.check()?;
            check_corruptions(&source.corrupt, &source.square, "config.source.corrupt")?;
        }
        Ok(())
    }
}

impl SamplingConfig {
    /// A coordinates case's width is 1 to 1024 and it asks for at most 4096 samples; a
    /// probability case's `k` is a valid width, `withheld` at most `4k²` and `samples` at most
    /// 2^20.
    pub fn check(&self) -> Result<(), CaseError> {
        match *self {
            SamplingConfig::Coordinates { width, samples, .. } => {
                if !(1..=MAX_SAMPLE_WIDTH).contains(&width.0) {
                    return Err(CaseError::Invalid(format!(
                        "config.width must be 1 to {MAX_SAMPLE_WIDTH}, not {width}"
                    )));
                }
                if samples.0 > MAX_SAMPLES {
                    return Err(CaseError::Invalid(format!(
                        "config.samples is {samples}, above the limit of {MAX_SAMPLES}"
                    )));
                }
                Ok(())
            }
            SamplingConfig::Probability { k, withheld, samples } => {
                if !k.0.is_power_of_two() || k.0 > MAX_K {
                    return Err(CaseError::Invalid(format!(
                        "config.k must be a power of two from 1 to {MAX_K}, not {k}"
                    )));
                }
                let n = 4 * k.0 * k.0;
                if withheld.0 > n {
                    return Err(CaseError::Invalid(format!("config.withheld is at most 4k² = {n}, not {withheld}")));
                }
                if samples.0 > MAX_PROBABILITY_SAMPLES {
                    return Err(CaseError::Invalid(format!(
                        "config.samples is at most {MAX_PROBABILITY_SAMPLES}, not {samples}"
                    )));
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Encoding;

    #[test]
    fn probabilities_are_decimal_strings_in_the_unit_interval() {
        for good in ["0", "1", "0.5", "0.99992", "1.0", "0.000001", "1e-6", "5E-1", "0.1e+0"] {
            assert!(Probability::parse(good).is_some(), "{good}");
        }
        for bad in ["", "-0.5", "1.5", "0.", ".5", "NaN", "inf", "0x1", "1e", "+0.5", " 0.5", "2e-1e1"] {
            assert!(Probability::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Probability(1.0).to_string(), "1");
        assert_eq!(Probability(0.0).to_string(), "0");
        assert_eq!(Probability(1e-7).to_string(), "0.0000001");
        let p = 1.0 - (3.0f64 / 4.0).powi(16);
        assert_eq!(Probability::parse(&Probability(p).to_string()), Some(Probability(p)));
    }

    #[test]
    fn masks_are_square_pictures_of_zeros_and_ones() {
        let mask = Mask::from_fn(4, |r, c| r < 2 || c == 3);
        assert_eq!(mask.text(), "1111\n1111\n0001\n0001\n");
        assert_eq!(Mask::parse(&mask.text()), Ok(mask.clone()));
        assert_eq!(mask.count(), 10);
        for bad in ["1111\n1111\n0001\n0001", "111\n1111\n0001\n0001\n", "1112\n", "11\n11\n11\n", ""] {
            assert!(Mask::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn enum_results_read_and_write_as_single_key_maps() {
        let post = RepairPost::Error(RepairFailure::BadEncoding { axis: AxisCode::Col, index: Uint(3) });
        let json = serde_json::to_string(&post).expect("serialises");
        assert_eq!(json, r#"{"error":{"code":"bad_encoding","axis":"col","index":"3"}}"#);
        let yaml = crate::case::encode(&post, Encoding::Yaml);
        assert_eq!(yaml, "error:\n  code: 'bad_encoding'\n  axis: 'col'\n  index: '3'\n");
        assert_eq!(crate::case::decode::<RepairPost>(&yaml, Encoding::Yaml), Ok(post));
        assert_eq!(crate::case::decode::<RepairPost>(&json, Encoding::Json), Ok(post));
        for bad in [
            r#"{"error":{"code":"bad_encoding","axis":"col","index":"3","extra":"1"}}"#,
            r#"{"error":{"code":"unrecoverable","axis":"col","index":"3"}}"#,
            r#"{"ok":{"data_root":"0x00"},"error":{"code":"bad_encoding","axis":"col","index":"3"}}"#,
            r#"{}"#,
        ] {
            assert!(crate::case::decode::<RepairPost>(bad, Encoding::Json).is_err(), "{bad}");
        }
        let ok = FraudProofPost::Ok(FraudShown { fraud: FraudCode::RootMismatch });
        let yaml = crate::case::encode(&ok, Encoding::Yaml);
        assert_eq!(yaml, "ok:\n  fraud: 'root_mismatch'\n");
        assert_eq!(crate::case::decode::<FraudProofPost>(&yaml, Encoding::Yaml), Ok(ok));
        let valid = crate::case::encode(&ShareProofPost::Valid, Encoding::Yaml);
        assert_eq!(valid, "ok: {}\n");
        assert_eq!(crate::case::decode::<ShareProofPost>(&valid, Encoding::Yaml), Ok(ShareProofPost::Valid));
    }

    #[test]
    fn a_square_names_its_shares_exactly_one_way() {
        let square = SquareSpec::seeded(2, 64, 7);
        let yaml = crate::case::encode(&square, Encoding::Yaml);
        assert_eq!(yaml, "k: '2'\nshare_size: '64'\nseed: '7'\n");
        assert!(
            crate::case::decode::<SquareSpec>("k: '2'\nshare_size: '64'\nseed: '7'\nblob: '0x'\n", Encoding::Yaml)
                .is_err()
        );
        assert!(crate::case::decode::<SquareSpec>("k: '2'\nshare_size: '64'\n", Encoding::Yaml).is_err());
        assert!(SquareSpec::seeded(3, 64, 0).check().is_err());
        assert!(SquareSpec::seeded(2, 100, 0).check().is_err());
        assert!(SquareSpec::seeded(512, 128, 0).check().is_err(), "above the size limit");
        assert!(SquareSpec::seeded(512, 64, 0).check().is_ok());
        let blob = SquareSpec { k: Uint(2), share_size: Uint(64), ods: OdsSpec::Blob(Hex(vec![7; 100])) };
        assert!(blob.check().is_ok());
        let wrong = SquareSpec { k: Uint(4), ..blob };
        assert!(wrong.check().is_err(), "a 100-byte blob fits a 2×2 square of 64-byte shares");
    }
}
