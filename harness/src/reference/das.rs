//! The reference answering das cases (`docs/spec/vectors.md` §7) with the `das` crate: the
//! extension and its header, share proofs, repair, fraud-proof verification and sampling.

use ::das::sampling::{detection_probability, sample_coordinates};
use ::das::{BadEncodingProof, DataSquare, ExtendedSquare, PartialSquare, RepairError};
use primitives::keccak256;

use super::RefusedRequest;
use crate::case::das::{
    AxisCode, Corruption, DahSpec, DasRequest, DasResult, DasResultOf, DasVector, ExtensionConfig, ExtensionPost,
    FraudCode, FraudErrorCode, FraudProofConfig, FraudProofPost, FraudRejected, FraudShown, MAX_LISTED_K, OdsSpec,
    Probability, RepairConfig, RepairFailure, RepairPost, Repaired, SamplingConfig, SamplingPost, ShareProofConfig,
    ShareProofErrorCode, ShareProofPost, SquareSpec,
};
use crate::case::{CaseError, HashHex, Hex, Uint};

/// Runs a das request, after checking its configuration (CP-3.5).
pub fn run(request: &DasRequest) -> Result<DasResult, RefusedRequest> {
    if request.suite() != "das" {
        return Err(RefusedRequest(format!("suite `{}` is not `das`", request.suite())));
    }
    request.check().map_err(refuse)?;
    Ok(match request {
        DasRequest::Extension(r) => DasResult::Extension(DasResultOf { post: extension(&r.config)? }),
        DasRequest::ShareProof(r) => DasResult::ShareProof(DasResultOf { post: share_proof(&r.config)? }),
        DasRequest::Repair(r) => DasResult::Repair(DasResultOf { post: repair(&r.config)? }),
        DasRequest::FraudProof(r) => DasResult::FraudProof(DasResultOf { post: fraud_proof(&r.config) }),
        DasRequest::Sampling(r) => DasResult::Sampling(DasResultOf { post: sampling(&r.config)? }),
    })
}

/// Runs a (parsed, hence checked) das vector's configuration.
pub fn run_vector(vector: &DasVector) -> Result<DasResult, RefusedRequest> {
    Ok(match vector {
        DasVector::Extension(v) => DasResult::Extension(DasResultOf { post: extension(&v.config)? }),
        DasVector::ShareProof(v) => DasResult::ShareProof(DasResultOf { post: share_proof(&v.config)? }),
        DasVector::Repair(v) => DasResult::Repair(DasResultOf { post: repair(&v.config)? }),
        DasVector::FraudProof(v) => DasResult::FraudProof(DasResultOf { post: fraud_proof(&v.config) }),
        DasVector::Sampling(v) => DasResult::Sampling(DasResultOf { post: sampling(&v.config)? }),
    })
}

fn refuse(e: CaseError) -> RefusedRequest {
    RefusedRequest(e.to_string())
}

fn internal(e: impl std::fmt::Display) -> RefusedRequest {
    RefusedRequest(format!("internal error: {e}"))
}

/// `len` bytes drawn from `seed` (VEC-7.2): splitmix64 outputs, each written as 8 bytes
/// little-endian, the last cut short if `len` is not a multiple of 8.
pub fn seeded_bytes(seed: u64, len: usize) -> Vec<u8> {
    primitives::splitmix64_bytes(seed, len)
}

/// The original square a spec describes.
pub fn ods(square: &SquareSpec) -> Result<DataSquare, RefusedRequest> {
    square.check().map_err(refuse)?;
    let (k, share_size) = square.dimensions().map_err(refuse)?;
    let ods = match &square.ods {
        OdsSpec::Shares(shares) => {
            DataSquare::new(k, share_size, shares.iter().flat_map(|s| s.0.iter().copied()).collect())
        }
        OdsSpec::Blob(blob) => DataSquare::from_blob(&blob.0, share_size),
        OdsSpec::Seed(seed) => DataSquare::new(k, share_size, seeded_bytes(seed.0, k * k * share_size)),
    };
    ods.map_err(|e| RefusedRequest(e.to_string()))
}

/// The square a producer publishes: the extension of `square`, with `corrupt` applied.
pub fn producer_square(square: &SquareSpec, corrupt: &[Corruption]) -> Result<ExtendedSquare, RefusedRequest> {
    let mut eds = ods(square)?.extend().map_err(internal)?;
    for c in corrupt {
        let share = usize::try_from(c.row.0)
            .ok()
            .zip(usize::try_from(c.col.0).ok())
            .and_then(|(row, col)| eds.share_mut(row, col));
        let byte = share.and_then(|share| usize::try_from(c.byte.0).ok().and_then(|i| share.get_mut(i)));
        let (Some(byte), Ok(xor)) = (byte, u8::try_from(c.xor.0)) else {
            return Err(RefusedRequest(format!("the corruption {c:?} is outside the square")));
        };
        *byte ^= xor;
    }
    Ok(eds)
}

/// The extended square's header, data root and digest, and its shares when `k ≤ 4`.
pub fn extension(config: &ExtensionConfig) -> Result<ExtensionPost, RefusedRequest> {
    let eds = ods(&config.square)?.extend().map_err(internal)?;
    Ok(extension_post(&eds))
}

/// What an extension case reports about an extended square.
pub fn extension_post(eds: &ExtendedSquare) -> ExtensionPost {
    let dah = eds.dah();
    let width = eds.width();
    let eds_listed = (eds.k() as u64 <= MAX_LISTED_K).then(|| {
        (0..width)
            .map(|r| (0..width).map(|c| Hex(eds.share(r, c).map(<[u8]>::to_vec).unwrap_or_default())).collect())
            .collect()
    });
    let spec = DahSpec::of(&dah);
    ExtensionPost {
        data_root: HashHex(dah.data_root()),
        eds_keccak: HashHex(keccak256(eds.as_bytes())),
        row_roots: spec.row_roots,
        col_roots: spec.col_roots,
        eds: eds_listed,
    }
}

/// Proves a share, or verifies a proof.
pub fn share_proof(config: &ShareProofConfig) -> Result<ShareProofPost, RefusedRequest> {
    match config {
        ShareProofConfig::Prove { square, row, col, axis } => {
            let eds = ods(square)?.extend().map_err(internal)?;
            let cell = usize::try_from(row.0).ok().zip(usize::try_from(col.0).ok());
            let proven = cell.and_then(|(r, c)| Some((eds.share(r, c)?, eds.share_proof(r, c, axis.axis())?)));
            let Some((share, proof)) = proven else {
                return Err(RefusedRequest(format!("share ({row}, {col}) is outside the square")));
            };
            Ok(ShareProofPost::Proven {
                share: Hex(share.to_vec()),
                path: proof.path.into_iter().map(HashHex).collect(),
            })
        }
        ShareProofConfig::Verify { dah, share_size, row, col, share, proof } => {
            let proof = ::das::ShareProof { axis: proof.axis.axis(), path: proof.path.iter().map(|h| h.0).collect() };
            // Coordinates beyond the machine's words are beyond any square: out of range.
            let at = |n: Uint| usize::try_from(n.0).unwrap_or(usize::MAX);
            let share_size = usize::try_from(share_size.0).map_err(|_| RefusedRequest("share size".to_owned()))?;
            Ok(match proof.verify(&dah.to_dah(), share_size, at(*row), at(*col), &share.0) {
                Ok(()) => ShareProofPost::Valid,
                Err(e) => ShareProofPost::Invalid { code: ShareProofErrorCode::of(&e) },
            })
        }
    }
}

/// Repairs the producer's square from the shares the mask keeps, against the header of the
/// producer's square.
pub fn repair(config: &RepairConfig) -> Result<RepairPost, RefusedRequest> {
    config.check().map_err(refuse)?;
    let eds = producer_square(&config.square, &config.corrupt)?;
    let dah = eds.dah();
    let partial = PartialSquare::from_square(&eds, |r, c| config.present.present(r, c));
    Ok(match partial.repair(&dah) {
        Ok(repaired) => RepairPost::Ok(Repaired {
            data_root: HashHex(dah.data_root()),
            eds_keccak: HashHex(keccak256(repaired.as_bytes())),
        }),
        Err(RepairError::Unrecoverable { missing, rows, cols }) => RepairPost::Error(RepairFailure::Unrecoverable {
            missing: Uint(missing as u64),
            rows: Uint(rows as u64),
            cols: Uint(cols as u64),
        }),
        Err(RepairError::BadEncoding { axis, index, .. }) => {
            RepairPost::Error(RepairFailure::BadEncoding { axis: AxisCode::of(axis), index: Uint(index as u64) })
        }
        Err(e) => return Err(internal(e)),
    })
}

/// What the verifier makes of a fraud proof's bytes against a header.
pub fn fraud_proof(config: &FraudProofConfig) -> FraudProofPost {
    // A share size beyond the machine's words is not a valid share size either.
    let share_size = usize::try_from(config.share_size.0).unwrap_or(usize::MAX);
    let verdict =
        BadEncodingProof::from_bytes(&config.proof.0).and_then(|proof| proof.verify(&config.dah.to_dah(), share_size));
    match verdict {
        Ok(fraud) => FraudProofPost::Ok(FraudShown { fraud: FraudCode::of(fraud) }),
        Err(e) => FraudProofPost::Error(FraudRejected { code: FraudErrorCode::of(&e) }),
    }
}

/// Sample coordinates, or a detection probability.
pub fn sampling(config: &SamplingConfig) -> Result<SamplingPost, RefusedRequest> {
    config.check().map_err(refuse)?;
    let size = |n: Uint| usize::try_from(n.0).map_err(|_| RefusedRequest(format!("{n} is too large")));
    Ok(match *config {
        SamplingConfig::Coordinates { seed, width, samples } => SamplingPost::Coordinates(
            sample_coordinates(seed.0, size(width)?, size(samples)?)
                .into_iter()
                .map(|(r, c)| [Uint(r as u64), Uint(c as u64)])
                .collect(),
        ),
        SamplingConfig::Probability { k, withheld, samples } => {
            SamplingPost::Probability(Probability(detection_probability(size(k)?, withheld.0, size(samples)?)))
        }
    })
}
