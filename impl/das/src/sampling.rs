//! Light-client sampling (DAS-8): draw distinct coordinates from a seed, ask for each share
//! with its proof, verify, and call the block available only if every sample verifies. The
//! probability that a withholding producer escapes is the closed form of DAS-8.3.

use primitives::{Hash32, splitmix64};

use crate::fraud::ShareWithProof;
use crate::square::{Dah, DahError, ShareProofError, SquareError, check_dimensions};

/// `s` distinct coordinates of a `width×width` square drawn from `seed` (DAS-8.1): draw
/// `x = splitmix64(state)`, take cell `x mod width²` (row `cell / width`, column
/// `cell mod width`), skip cells already drawn, until `s` are drawn. `s` is capped at
/// `width²`.
pub fn sample_coordinates(seed: u64, width: usize, s: usize) -> Vec<(usize, usize)> {
    let cells = (width as u64).saturating_mul(width as u64);
    let s = s.min(usize::try_from(cells).unwrap_or(usize::MAX));
    let mut drawn = std::collections::HashSet::with_capacity(s);
    let mut out = Vec::with_capacity(s);
    let mut state = seed;
    while out.len() < s {
        let cell = splitmix64(&mut state) % cells;
        if drawn.insert(cell) {
            let cell = cell as usize;
            out.push((cell / width, cell % width));
        }
    }
    out
}

/// The fewest shares a producer must withhold to make a `2k×2k` square unrecoverable:
/// `(k + 1)²` (Al-Bassam, Sonnino, Buterin, arXiv 1809.09044, Theorem 1).
pub fn min_withheld(k: usize) -> u64 {
    let k = k as u64 + 1;
    k * k
}

/// The probability that `s` distinct uniform samples of a `2k×2k` square hit at least one of
/// `withheld` withheld shares: `1 − Π_{i<s} (N − W − i)/(N − i)`, `N = 4k²` (DAS-8.3).
pub fn detection_probability(k: usize, withheld: u64, s: usize) -> f64 {
    let n = 4 * (k as u64) * (k as u64);
    let w = withheld.min(n);
    let mut miss = 1.0_f64;
    for i in 0..s as u64 {
        if i >= n {
            break;
        }
        if n - w < i + 1 {
            return 1.0;
        }
        miss *= (n - w - i) as f64 / (n - i) as f64;
    }
    1.0 - miss
}

/// The fewest distinct samples that detect a minimal withholding of a `2k×2k` square with
/// probability at least `confidence` (`None` if `confidence ≥ 1` cannot be reached below `4k²`).
pub fn samples_needed(k: usize, confidence: f64) -> Option<usize> {
    let n = 4 * k * k;
    (1..=n).find(|&s| detection_probability(k, min_withheld(k), s) >= confidence)
}

/// What became of one sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SampleOutcome {
    /// The share came with a valid proof.
    Verified,
    /// No share came back.
    Missing,
    /// A share came back with a proof that fails.
    Invalid(ShareProofError),
}

/// One sample and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// The row.
    pub row: usize,
    /// The column.
    pub col: usize,
    /// The outcome.
    pub outcome: SampleOutcome,
}

/// The result of a round of sampling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamplingReport {
    /// Every sample, in draw order.
    pub samples: Vec<Sample>,
}

impl SamplingReport {
    /// Available iff every sample verified.
    pub fn available(&self) -> bool {
        self.samples.iter().all(|s| s.outcome == SampleOutcome::Verified)
    }

    /// How many samples verified.
    pub fn verified(&self) -> usize {
        self.samples.iter().filter(|s| s.outcome == SampleOutcome::Verified).count()
    }
}

/// A light client for one block: it trusts the data root (from a verified block header),
/// checks the DAH against it once, then verifies samples.
#[derive(Debug, Clone)]
pub struct LightClient {
    dah: Dah,
    share_size: usize,
}

/// Why a light client cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LightClientError {
    /// The header is malformed or does not hash to the data root.
    #[error(transparent)]
    Header(#[from] DahError),
    /// The share size is not valid.
    #[error(transparent)]
    ShareSize(#[from] SquareError),
}

impl LightClient {
    /// A client for the block with this data root and header.
    pub fn new(data_root: &Hash32, dah: Dah, share_size: usize) -> Result<LightClient, LightClientError> {
        dah.check(data_root)?;
        check_dimensions(dah.width() / 2, share_size)?;
        Ok(LightClient { dah, share_size })
    }

    /// The header.
    pub fn dah(&self) -> &Dah {
        &self.dah
    }

    /// Verifies one answer to a request for `(row, col)`.
    pub fn verify(&self, row: usize, col: usize, answer: Option<&ShareWithProof>) -> SampleOutcome {
        match answer {
            None => SampleOutcome::Missing,
            Some(ShareWithProof { share, proof }) => match proof.verify(&self.dah, self.share_size, row, col, share) {
                Ok(()) => SampleOutcome::Verified,
                Err(e) => SampleOutcome::Invalid(e),
            },
        }
    }

    /// Draws `s` coordinates from `seed` and asks `answer` for each.
    pub fn sample(
        &self,
        seed: u64,
        s: usize,
        mut answer: impl FnMut(usize, usize) -> Option<ShareWithProof>,
    ) -> SamplingReport {
        let samples = sample_coordinates(seed, self.dah.width(), s)
            .into_iter()
            .map(|(row, col)| {
                let outcome = self.verify(row, col, answer(row, col).as_ref());
                Sample { row, col, outcome }
            })
            .collect();
        SamplingReport { samples }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closed_form_matches_the_published_table() {
        // protocol digest §4.6 (exact values computed independently in Python):
        // (k, s for ≥ 99 %, s for ≥ 99.99 %, P at s = 16).
        let table = [
            (4, 9, 16, 0.99992),
            (8, 12, 23, 0.99819),
            (16, 14, 28, 0.99526),
            (32, 15, 30, 0.99296),
            (64, 16, 31, 0.99156),
            (128, 16, 32, 0.99079),
        ];
        for (k, s99, s9999, p16) in table {
            assert_eq!(samples_needed(k, 0.99), Some(s99), "k={k}");
            assert_eq!(samples_needed(k, 0.9999), Some(s9999), "k={k}");
            let p = detection_probability(k, min_withheld(k), 16);
            assert!((p - p16).abs() < 5e-6, "k={k}: {p} vs {p16}");
        }
    }

    #[test]
    fn the_edges_of_the_closed_form() {
        // DAS-8.3: nothing withheld, nothing detected, however many samples (s is capped at N);
        // more samples than served shares always hit a withheld one.
        assert_eq!(detection_probability(1, 0, 16), 0.0);
        assert_eq!(detection_probability(2, 0, 1000), 0.0);
        assert_eq!(detection_probability(1, 1, 4), 1.0);
        assert_eq!(detection_probability(1, 1, 3), 0.75);
        assert_eq!(detection_probability(1, 4, 1), 1.0);
    }

    #[test]
    fn coordinates_are_distinct_in_range_and_reproducible() {
        let a = sample_coordinates(7, 8, 64);
        assert_eq!(a.len(), 64);
        let set: std::collections::HashSet<_> = a.iter().collect();
        assert_eq!(set.len(), 64);
        assert!(a.iter().all(|&(r, c)| r < 8 && c < 8));
        assert_eq!(sample_coordinates(7, 8, 10), a[..10]);
        assert_ne!(sample_coordinates(8, 8, 10), a[..10]);
        assert_eq!(sample_coordinates(7, 2, 100).len(), 4);
    }
}
