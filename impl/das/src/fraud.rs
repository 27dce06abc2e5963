//! Bad-encoding fraud proofs (BEFP, DAS-7): the shares of one line, each with its inclusion
//! proof, showing that the line the header commits to is not a Reed–Solomon codeword. Any
//! node verifies one statelessly against the header.

use borsh::{BorshDeserialize, BorshSerialize};
use primitives::merkle;

use crate::codec::{Codec, CodecError};
use crate::square::{Axis, Dah, DahError, ExtendedSquare, ShareProof, ShareProofError, SquareError, check_dimensions};

/// A share with the proof that puts it at its position.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ShareWithProof {
    /// The share's bytes.
    pub share: Vec<u8>,
    /// Its proof against the accused line's root, or against the root of the orthogonal line
    /// through it.
    pub proof: ShareProof,
}

/// The claim that line `index` of `axis` is badly encoded, with the evidence.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct BadEncodingProof {
    /// The accused line's axis.
    pub axis: Axis,
    /// The accused line's index, `< 2k`.
    pub index: u32,
    /// One entry per position of the line (`2k`), at least `k` of them present.
    pub shares: Vec<Option<ShareWithProof>>,
}

/// What a valid proof shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fraud {
    /// The proven shares do not lie on one codeword.
    NotACodeword,
    /// They decode to a codeword whose root is not the header's root for the line.
    RootMismatch,
}

impl Fraud {
    /// `not_a_codeword` or `root_mismatch`.
    pub fn code(self) -> &'static str {
        match self {
            Fraud::NotACodeword => "not_a_codeword",
            Fraud::RootMismatch => "root_mismatch",
        }
    }
}

/// Why a fraud proof is rejected, checked in this order (DAS-7.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FraudProofError {
    /// The bytes are not a canonical encoding of a proof.
    #[error("not a canonical fraud proof encoding: {0}")]
    Decode(String),
    /// The header is malformed.
    #[error(transparent)]
    BadHeader(#[from] DahError),
    /// The verifier's share size is not a valid one.
    #[error(transparent)]
    BadShareSize(#[from] SquareError),
    /// `index ≥ 2k`.
    #[error("line {index} is outside a square of width {width}")]
    BadIndex {
        /// The accused index.
        index: u32,
        /// `2k`.
        width: usize,
    },
    /// The share list does not have one entry per position.
    #[error("a proof lists {width} positions, got {got}")]
    WrongLength {
        /// `2k`.
        width: usize,
        /// Entries given.
        got: usize,
    },
    /// Fewer than `k` shares.
    #[error("{present} shares present; at least {needed} are needed")]
    TooFewShares {
        /// Present shares.
        present: usize,
        /// `k`.
        needed: usize,
    },
    /// A share's proof fails.
    #[error("the share at position {position}: {source}")]
    BadShare {
        /// The position on the accused line.
        position: usize,
        /// Why.
        source: ShareProofError,
    },
    /// The shares decode to a codeword whose root is the header's: the line is fine.
    #[error("the line is a codeword with the header's root: no fraud")]
    NotFraud,
}

impl FraudProofError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            FraudProofError::Decode(_) => "decode",
            FraudProofError::BadHeader(_) => "bad_header",
            FraudProofError::BadShareSize(_) => "bad_share_size",
            FraudProofError::BadIndex { .. } => "bad_index",
            FraudProofError::WrongLength { .. } => "wrong_length",
            FraudProofError::TooFewShares { .. } => "too_few_shares",
            FraudProofError::BadShare { .. } => "bad_share",
            FraudProofError::NotFraud => "not_fraud",
        }
    }
}

impl BadEncodingProof {
    /// The canonical bytes (Borsh, `docs/spec/das.md` DAS-7.1).
    pub fn to_bytes(&self) -> Vec<u8> {
        borsh::to_vec(self).unwrap_or_default()
    }

    /// Decodes canonical bytes; trailing bytes are an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<BadEncodingProof, FraudProofError> {
        borsh::from_slice(bytes).map_err(|e| FraudProofError::Decode(e.to_string()))
    }

    /// A proof for line `index` of `axis` of a published square: its first `k` shares, each
    /// with its proof against the accused line's root. `None` if the line is out of range.
    pub fn for_line(eds: &ExtendedSquare, axis: Axis, index: usize) -> Option<BadEncodingProof> {
        let width = eds.width();
        if index >= width {
            return None;
        }
        let line = eds.line(axis, index);
        let leaves = line.iter().map(|s| merkle::leaf_hash(s)).collect();
        let tree = merkle::MerkleTree::from_leaf_hashes(leaves);
        let shares = (0..width)
            .map(|p| {
                if p >= eds.k() {
                    return None;
                }
                let path = tree.proof(p as u64)?.path;
                Some(ShareWithProof { share: line.get(p)?.to_vec(), proof: ShareProof { axis, path } })
            })
            .collect();
        Some(BadEncodingProof { axis, index: u32::try_from(index).ok()?, shares })
    }

    /// Verifies the proof against a header (DAS-7.2). `Ok` names the fraud shown.
    pub fn verify(&self, dah: &Dah, share_size: usize) -> Result<Fraud, FraudProofError> {
        dah.validate()?;
        let width = dah.width();
        let k = width / 2;
        check_dimensions(k, share_size)?;
        let index = usize::try_from(self.index).unwrap_or(usize::MAX);
        if index >= width {
            return Err(FraudProofError::BadIndex { index: self.index, width });
        }
        if self.shares.len() != width {
            return Err(FraudProofError::WrongLength { width, got: self.shares.len() });
        }
        let present = self.shares.iter().flatten().count();
        if present < k {
            return Err(FraudProofError::TooFewShares { present, needed: k });
        }
        for (position, entry) in self.shares.iter().enumerate() {
            if let Some(ShareWithProof { share, proof }) = entry {
                let (row, col) = self.axis.cell(index, position);
                proof
                    .verify(dah, share_size, row, col, share)
                    .map_err(|source| FraudProofError::BadShare { position, source })?;
            }
        }
        let line: Vec<Option<&[u8]>> = self.shares.iter().map(|e| e.as_ref().map(|s| s.share.as_slice())).collect();
        let mut codec = Codec::new(k, share_size).map_err(|_| FraudProofError::NotFraud)?;
        let decoded = match codec.decode(&line) {
            Ok(decoded) => decoded,
            Err(CodecError::NotACodeword { .. }) => return Ok(Fraud::NotACodeword),
            // Shapes and counts were checked above; nothing else can fail.
            Err(_) => return Err(FraudProofError::NotFraud),
        };
        let root = merkle::root(&decoded);
        if Some(&root) != dah.root(self.axis, index) { Ok(Fraud::RootMismatch) } else { Err(FraudProofError::NotFraud) }
    }
}
