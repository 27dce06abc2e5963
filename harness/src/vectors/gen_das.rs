//! The das suite's generators: extensions of explicit, blob and seeded squares (Celestia's own
//! `k = 4` square and rsmt2d's test squares among them, both fields), share proofs proven,
//! verified and tampered with, repair from quadrants, minimal withholdings, random subsets and
//! corrupted squares, fraud proofs valid and tampered with at every check of DAS-7.2, and
//! sampling coordinates and detection probabilities.
//!
//! Everything is drawn from `seed`; the same seed gives the same cases, byte for byte. The
//! expectations come from the reference (`crate::reference::das`); the harness tests derive
//! each tamper kind's verdict, each repair verdict and the Celestia square independently.

use std::collections::BTreeSet;

use ::das::{Axis, BadEncodingProof, Codec, ExtendedSquare, ShareWithProof};
use rand_core::RngCore;

use super::gen_vm::rng;
use super::{Generated, flip_hash, refused};
use crate::case::das::{
    AxisCode, Corruption, DahSpec, DasCase, DasVector, ExtensionConfig, FraudProofConfig, FraudSource, Mask, OdsSpec,
    ProofSpec, RepairConfig, SamplingConfig, ShareProofConfig, SquareSpec,
};
use crate::case::{Case, CaseError, HashHex, Hex, Provenance, Uint};
use crate::reference::das as reference;

/// The extended square of a real Celestia block (`k = 4`, 512-byte shares, row-major), from
/// `eigerco/lumina` `types/test_data/shwap_samples/eds.json` at commit `9c2d8619` (also shipped
/// in the `celestia-types` 1.3.0 crate), Apache-2.0; `impl/das/tests/data/README.md`.
pub const CELESTIA_EDS_K4: &[u8] = include_bytes!("../../../impl/das/tests/data/celestia_eds_k4.bin");

/// All das cases for `seed`, in generation order.
pub fn generate(seed: u64) -> Result<Vec<Case>, CaseError> {
    let mut g = Gen { seed, cases: Generated::default() };
    g.extensions()?;
    g.share_proofs()?;
    g.repairs()?;
    g.fraud_proofs()?;
    g.sampling()?;
    Ok(g.cases.cases)
}

/// A share-proof tamper kind and the error it must get (DAS-5.2). The harness tests derive
/// the verdict from the kind alone, apart from the reference.
pub const SHARE_TAMPER_KINDS: &[(&str, &str)] = &[
    ("path_bit", "bad_path"),
    ("wrong_axis", "bad_path"),
    ("moved_row", "bad_path"),
    ("moved_col", "bad_path"),
    ("short_path", "bad_path"),
    ("long_path", "bad_path"),
    ("empty_path", "bad_path"),
    ("share_bit", "bad_path"),
    ("other_share", "bad_path"),
    ("other_header", "bad_path"),
    ("share_short", "share_size"),
    ("share_long", "share_size"),
    ("share_short_and_path_bit", "share_size"),
    ("row_out_of_range", "out_of_range"),
    ("col_out_of_range", "out_of_range"),
    ("row_out_of_range_and_share_short", "out_of_range"),
];

/// A fraud-proof tamper kind and the error it must get (DAS-7.2, whose checks run in order, so
/// a proof with two faults gets the earlier check's code).
pub const FRAUD_TAMPER_KINDS: &[(&str, &str)] = &[
    ("truncated", "decode"),
    ("trailing", "decode"),
    ("bad_axis_byte", "decode"),
    ("bad_option_tag", "decode"),
    ("empty", "decode"),
    ("truncated_and_header_short", "decode"),
    ("header_short", "bad_header"),
    ("header_not_power_of_two", "bad_header"),
    ("header_empty", "bad_header"),
    ("header_short_and_share_size_100", "bad_header"),
    ("share_size_100", "bad_share_size"),
    ("share_size_0", "bad_share_size"),
    ("share_size_8192", "bad_share_size"),
    ("share_size_100_and_index_width", "bad_share_size"),
    ("index_width", "bad_index"),
    ("index_max", "bad_index"),
    ("index_width_and_entry_short", "bad_index"),
    ("entry_short", "wrong_length"),
    ("entry_over", "wrong_length"),
    ("entry_short_and_share_dropped", "wrong_length"),
    ("share_dropped", "too_few_shares"),
    ("share_dropped_and_share_bit", "too_few_shares"),
    ("share_bit", "bad_share"),
    ("path_bit", "bad_share"),
    ("moved_share", "bad_share"),
    ("swapped_shares", "bad_share"),
    ("wrong_proof_axis", "bad_share"),
    ("share_long", "bad_share"),
    ("other_header", "bad_share"),
    ("correct_line", "not_fraud"),
];

/// The valid fraud proofs built for each subject: which shares of the accused line they carry
/// and against which roots. With exactly `k` shares they decode to a codeword whose root is
/// wrong (`root_mismatch`); with more, including the corrupted one, to none (`not_a_codeword`).
pub const FRAUD_VARIANTS: &[&str] = &["row_first_k", "row_last_k", "row_all", "row_orthogonal", "col_first_k"];

struct Gen {
    seed: u64,
    cases: Generated,
}

fn field_tag(k: u64) -> &'static str {
    ::das::Field::for_k(usize::try_from(k).unwrap_or(usize::MAX)).name()
}

/// A square of explicit shares, share `i` being `share_size` copies of `bytes[i]`.
fn constant_square(k: u64, share_size: u64, bytes: &[u8]) -> SquareSpec {
    let shares = bytes.iter().map(|&b| Hex(vec![b; share_size as usize])).collect();
    SquareSpec { k: Uint(k), share_size: Uint(share_size), ods: OdsSpec::Shares(shares) }
}

/// A square of the given shares.
fn explicit_square(k: u64, share_size: u64, bytes: &[u8]) -> SquareSpec {
    let shares = bytes.chunks(share_size as usize).map(|s| Hex(s.to_vec())).collect();
    SquareSpec { k: Uint(k), share_size: Uint(share_size), ods: OdsSpec::Shares(shares) }
}

fn flip_byte(bytes: &mut [u8], draw: u64) {
    let len = bytes.len() as u64;
    if let Some(byte) = bytes.get_mut((draw % len.max(1)) as usize) {
        *byte ^= 1 << (draw / 7 % 8);
    }
}

impl Gen {
    fn provenance(&self, generator: &str) -> Provenance {
        Provenance::generated(generator, self.seed)
    }

    /// A seed for one square, drawn from the suite's seed and a label naming the square.
    fn square_seed(&self, label: &str) -> u64 {
        rng(self.seed, &format!("das/{label}")).next_u64()
    }

    #[allow(clippy::too_many_arguments, reason = "a vector's manifest has this many parts")]
    fn push<C, P>(
        &mut self,
        handler: &str,
        name: &str,
        description: String,
        tags: &[&str],
        config: C,
        post: P,
        wrap: fn(DasCase<C, P>) -> DasVector,
    ) -> Result<(), CaseError> {
        let provenance = self.provenance(&format!("das/{handler}"));
        self.cases.add(("das", handler, name), tags, |id, tags| {
            Case::Das(wrap(DasCase::new(id, description, tags, provenance, config, post)))
        })
    }

    // -----------------------------------------------------------------------------------------
    // extension

    fn extension(
        &mut self,
        name: &str,
        description: String,
        tags: &[&str],
        square: SquareSpec,
    ) -> Result<(), CaseError> {
        let k = square.k.0;
        let listed = if k <= crate::case::das::MAX_LISTED_K { "listed" } else { "digest" };
        // Squares of 128×128 and more take a slow client long; `--skip-tag large` leaves them out.
        let large = (k >= 128).then_some("large");
        let tags: Vec<&str> = tags.iter().copied().chain([field_tag(k), listed]).chain(large).collect();
        let config = ExtensionConfig { square };
        config.check()?;
        let post = reference::extension(&config).map_err(refused)?;
        self.push("extension", name, description, &tags, config, post, DasVector::Extension)
    }

    fn extensions(&mut self) -> Result<(), CaseError> {
        // rsmt2d's TestComputeExtendedDataSquare (LeoRSCodec): squares of constant shares.
        for size in [64, 512] {
            self.extension(
                &format!("rsmt2d_1x1_{size}"),
                format!("rsmt2d's 1×1 test square of {size}-byte shares of the byte 1 extends to four equal shares"),
                &["rsmt2d"],
                constant_square(1, size, &[1]),
            )?;
            self.extension(
                &format!("rsmt2d_2x2_{size}"),
                format!(
                    "rsmt2d's 2×2 test square of {size}-byte constant shares 1, 2, 3, 4 extends to its expected square"
                ),
                &["rsmt2d"],
                constant_square(2, size, &[1, 2, 3, 4]),
            )?;
        }
        // A real Celestia block: its original quadrant must extend to the published square.
        let published = ExtendedSquare::from_bytes(4, 512, CELESTIA_EDS_K4.to_vec())
            .map_err(|e| CaseError::Invalid(format!("the Celestia square: {e}")))?;
        let ods = published.original();
        self.extension(
            "celestia_k4",
            "the original quadrant of a real Celestia square (k = 4, lumina test data at 9c2d8619, as in celestia-types 1.3.0) extends to the 64 shares Celestia published".to_owned(),
            &["celestia"],
            explicit_square(4, 512, ods.as_bytes()),
        )?;
        // Explicit squares of one byte value: the code is linear, so zeros extend to zeros.
        self.extension(
            "zeros_k2",
            "a 2×2 square of zero shares extends to zero shares".to_owned(),
            &["explicit"],
            constant_square(2, 64, &[0; 4]),
        )?;
        self.extension(
            "ones_k4",
            "a 4×4 square of 0xff shares".to_owned(),
            &["explicit"],
            constant_square(4, 64, &[0xff; 16]),
        )?;
        let seed = self.square_seed("extension/explicit_k4");
        self.extension(
            "explicit_k4",
            "a 4×4 square of seeded 64-byte shares, given share by share".to_owned(),
            &["explicit"],
            explicit_square(4, 64, &reference::seeded_bytes(seed, 16 * 64)),
        )?;
        // Seeded squares of every width up to 256 (GF(2^16) from k = 129 on).
        let seeded: &[(u64, u64)] = &[
            (1, 64),
            (1, 4096),
            (2, 64),
            (2, 128),
            (4, 64),
            (4, 512),
            (8, 64),
            (8, 192),
            (16, 64),
            (16, 512),
            (32, 64),
            (64, 64),
            (128, 64),
            (256, 64),
            (256, 128),
        ];
        for &(k, size) in seeded {
            let seed = self.square_seed(&format!("extension/seeded_k{k}_{size}"));
            self.extension(
                &format!("seeded_k{k}_{size}"),
                format!(
                    "a {k}×{k} square of {size}-byte shares drawn from seed {seed}, over GF(2^{})",
                    if field_tag(k) == "gf8" { 8 } else { 16 }
                ),
                &["seeded"],
                SquareSpec::seeded(k, size, seed),
            )?;
        }
        // Blobs (DAS-2.1): the length prefix and the padding, at every boundary between widths.
        let blobs: &[(u64, usize)] = &[
            (64, 0),
            (64, 1),
            (64, 56),
            (64, 57),
            (64, 248),
            (64, 249),
            (64, 1000),
            (64, 4088),
            (64, 4089),
            (512, 0),
            (512, 504),
            (512, 505),
            (512, 2040),
            (512, 2041),
            (512, 20000),
        ];
        for &(size, len) in blobs {
            let seed = self.square_seed(&format!("extension/blob_{len}_{size}"));
            let data = reference::seeded_bytes(seed, len);
            let k = ::das::DataSquare::from_blob(&data, size as usize)
                .map_err(|e| CaseError::Invalid(format!("blob of {len} bytes: {e}")))?
                .width() as u64;
            self.extension(
                &format!("blob_{len}_{size}"),
                format!("a blob of {len} seeded bytes laid out in {size}-byte shares fills a {k}×{k} square"),
                &["blob"],
                SquareSpec { k: Uint(k), share_size: Uint(size), ods: OdsSpec::Blob(Hex(data)) },
            )?;
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // share_proof

    fn share_proofs(&mut self) -> Result<(), CaseError> {
        let mut squares: Vec<(String, SquareSpec)> =
            vec![("rsmt2d_2x2".to_owned(), constant_square(2, 64, &[1, 2, 3, 4]))];
        for k in [1u64, 2, 4, 8, 16] {
            let seed = self.square_seed(&format!("share_proof/k{k}"));
            squares.push((format!("k{k}"), SquareSpec::seeded(k, 64, seed)));
        }
        for (label, square) in &squares {
            let width = square.width();
            let mut r = rng(self.seed, &format!("das/share_proof/{label}/cells"));
            let mut cells: BTreeSet<(u64, u64)> =
                [(0, 0), (0, width - 1), (width - 1, 0), (width - 1, width - 1)].into();
            cells.insert((r.next_u64() % width, r.next_u64() % width));
            if label == "rsmt2d_2x2" {
                // The share proof of das.md's worked example.
                cells.insert((1, 2));
            }
            for (row, col) in cells {
                for axis in [AxisCode::Row, AxisCode::Col] {
                    let config =
                        ShareProofConfig::Prove { square: square.clone(), row: Uint(row), col: Uint(col), axis };
                    let post = reference::share_proof(&config).map_err(refused)?;
                    self.push(
                        "share_proof",
                        &format!("prove_{label}_{row}_{col}_{}", axis.name()),
                        format!(
                            "the proof of share ({row}, {col}) of the {width}×{width} extended square against its {}",
                            if axis == AxisCode::Row { "row" } else { "column" }
                        ),
                        &["prove", axis.name()],
                        config,
                        post,
                        DasVector::ShareProof,
                    )?;
                }
            }
        }
        // Verification: untampered proofs in every quadrant, then every tamper kind.
        for (label, square) in &squares {
            let eds =
                reference::ods(square).map_err(refused)?.extend().map_err(|e| CaseError::Invalid(e.to_string()))?;
            let width = square.width();
            let mut r = rng(self.seed, &format!("das/share_proof/{label}/verify"));
            for axis in [AxisCode::Row, AxisCode::Col] {
                let (row, col) = (r.next_u64() % width, r.next_u64() % width);
                let (share, path) = proven(&eds, row, col, axis)?;
                self.verify_share(
                    &format!("verify_{label}_{row}_{col}_{}", axis.name()),
                    format!("the untampered proof of share ({row}, {col}) against its {} verifies", axis.name()),
                    &["verify", "untampered", axis.name()],
                    &eds,
                    (row, col, share, ProofSpec { axis, path }),
                )?;
            }
            // Every share of a 1×1 square's extension is the same, so a proof of one share is a
            // proof of any: a proof moved to another position or axis still verifies.
            if square.k.0 == 1 {
                let (share, path) = proven(&eds, 0, 0, AxisCode::Row)?;
                self.verify_share(
                    &format!("verify_{label}_equal_shares_moved"),
                    "in a 1×1 square's extension all four shares are equal, so share (0, 0)'s row proof also proves it at (1, 1) against column 1".to_owned(),
                    &["verify", "untampered", "equal_shares"],
                    &eds,
                    (1, 1, share, ProofSpec { axis: AxisCode::Col, path }),
                )?;
                continue;
            }
            let (row, col) = (r.next_u64() % width, r.next_u64() % width);
            for &(kind, _) in SHARE_TAMPER_KINDS {
                let draw = r.next_u64();
                let (what, dah, claim) = tamper_share(kind, draw, &eds, square, (row, col), self.seed)?;
                let tag = format!("tamper_{kind}");
                self.verify_share_against(
                    &format!("tampered_{label}_{kind}"),
                    format!("the row proof of share ({row}, {col}) with {what} is rejected"),
                    &["verify", "tampered", tag.as_str()],
                    dah,
                    64,
                    claim,
                )?;
            }
        }
        Ok(())
    }

    fn verify_share(
        &mut self,
        name: &str,
        description: String,
        tags: &[&str],
        eds: &ExtendedSquare,
        claim: (u64, u64, Vec<u8>, ProofSpec),
    ) -> Result<(), CaseError> {
        let dah = DahSpec::of(&eds.dah());
        self.verify_share_against(name, description, tags, dah, eds.share_size() as u64, claim)
    }

    fn verify_share_against(
        &mut self,
        name: &str,
        description: String,
        tags: &[&str],
        dah: DahSpec,
        share_size: u64,
        (row, col, share, proof): (u64, u64, Vec<u8>, ProofSpec),
    ) -> Result<(), CaseError> {
        let config = ShareProofConfig::Verify {
            dah,
            share_size: Uint(share_size),
            row: Uint(row),
            col: Uint(col),
            share: Hex(share),
            proof,
        };
        config.check()?;
        let post = reference::share_proof(&config).map_err(refused)?;
        self.push("share_proof", name, description, tags, config, post, DasVector::ShareProof)
    }

    // -----------------------------------------------------------------------------------------
    // repair

    fn repair(
        &mut self,
        name: &str,
        description: String,
        tags: &[&str],
        square: &SquareSpec,
        corrupt: &[Corruption],
        present: Mask,
    ) -> Result<(), CaseError> {
        let config = RepairConfig { square: square.clone(), corrupt: corrupt.to_vec(), present };
        config.check()?;
        let post = reference::repair(&config).map_err(refused)?;
        self.push("repair", name, description, tags, config, post, DasVector::Repair)
    }

    fn repairs(&mut self) -> Result<(), CaseError> {
        for k in [1u64, 2, 4, 8, 16, 32] {
            let seed = self.square_seed(&format!("repair/k{k}"));
            let square = SquareSpec::seeded(k, 64, seed);
            let (ku, w) = (k as usize, 2 * k as usize);
            let label = format!("k{k}");
            let mut r = rng(self.seed, &format!("das/repair/{label}"));
            let mut patterns: Vec<(String, String, &str, Mask)> = vec![
                ("all".into(), "every share present".into(), "full", Mask::from_fn(w, |_, _| true)),
                ("none".into(), "no share present".into(), "empty", Mask::from_fn(w, |_, _| false)),
            ];
            for (q, what) in [(0, "original"), (1, "row parity"), (2, "column parity"), (3, "parity of parity")] {
                let (qr, qc) = (q / 2, q % 2);
                patterns.push((
                    format!("q{q}"),
                    format!("only quadrant Q{q} ({what})"),
                    "quadrant",
                    Mask::from_fn(w, |r, c| r / ku == qr && c / ku == qc),
                ));
            }
            patterns.push((
                "q0_minus_one".into(),
                "quadrant Q0 but one share, one share short of k²".into(),
                "quadrant",
                Mask::from_fn(w, |r, c| r < ku && c < ku && (r, c) != (ku - 1, ku - 1)),
            ));
            patterns.push((
                "q3_plus_one".into(),
                "quadrant Q3 and one more share".into(),
                "quadrant",
                Mask::from_fn(w, |r, c| (r >= ku && c >= ku) || (r, c) == (0, 0)),
            ));
            patterns.push((
                "first_k_rows".into(),
                "the first k rows, whole".into(),
                "lines",
                Mask::from_fn(w, |r, _| r < ku),
            ));
            patterns.push((
                "last_k_columns".into(),
                "the last k columns, whole".into(),
                "lines",
                Mask::from_fn(w, |_, c| c >= ku),
            ));
            patterns.push((
                "minimal_withholding".into(),
                "everything but the (k+1)×(k+1) block at the top left, the minimal unrecoverable withholding".into(),
                "minimal_withholding",
                Mask::from_fn(w, |r, c| !(r <= ku && c <= ku)),
            ));
            patterns.push((
                "minimal_withholding_bottom_right".into(),
                "everything but a (k+1)×(k+1) block at the bottom right".into(),
                "minimal_withholding",
                Mask::from_fn(w, |r, c| !(r + 1 >= ku && c + 1 >= ku)),
            ));
            // Any k+1 rows crossed with any k+1 columns block repair the same way.
            let pick = |r: &mut rand_chacha::ChaCha8Rng| -> Vec<usize> {
                let mut lines: Vec<usize> = (0..w).collect();
                for i in (1..w).rev() {
                    lines.swap(i, (r.next_u64() % (i as u64 + 1)) as usize);
                }
                lines.truncate(ku + 1);
                lines
            };
            let (rows, cols) = (pick(&mut r), pick(&mut r));
            patterns.push((
                "minimal_withholding_scattered".into(),
                format!(
                    "everything but rows {rows:?} crossed with columns {cols:?}, a scattered (k+1)×(k+1) withholding"
                ),
                "minimal_withholding",
                Mask::from_fn(w, |r, c| !(rows.contains(&r) && cols.contains(&c))),
            ));
            patterns.push((
                "minimal_withholding_released_one".into(),
                "everything but the (k+1)×(k+1) top-left block less one share, one share over the threshold".into(),
                "minimal_withholding",
                Mask::from_fn(w, |r, c| !(r <= ku && c <= ku) || (r, c) == (ku, 0)),
            ));
            if k >= 2 {
                for percent in [25u64, 50, 60, 75, 90] {
                    let threshold = percent * (u64::MAX / 100);
                    let cells: Vec<bool> = (0..w * w).map(|_| r.next_u64() < threshold).collect();
                    let mask = Mask::from_fn(w, |row, c| cells.get(row * w + c).copied().unwrap_or(false));
                    patterns.push((
                        format!("random_{percent}"),
                        format!("a seeded random {percent}% of the shares"),
                        "random",
                        mask,
                    ));
                }
            }
            for (pattern, what, tag, mask) in patterns {
                self.repair(
                    &format!("{label}_{pattern}"),
                    format!("repair a {w}×{w} extended square from {what}"),
                    &[tag],
                    &square,
                    &[],
                    mask,
                )?;
            }
        }
        // Producers that commit to squares that are not codewords.
        for (k, (row, col), what) in [
            (1u64, (0u64, 1u64), "the row parity"),
            (2, (1, 3), "a row-parity share"),
            (4, (2, 6), "a row-parity share"),
            (4, (6, 1), "a column-parity share"),
            (4, (1, 2), "an original share"),
            (8, (12, 13), "a parity-of-parity share"),
        ] {
            let seed = self.square_seed(&format!("repair/corrupt_k{k}_{row}_{col}"));
            let square = SquareSpec::seeded(k, 64, seed);
            let corrupt = [Corruption { row: Uint(row), col: Uint(col), byte: Uint(5), xor: Uint(0x40) }];
            let (ku, w) = (k as usize, 2 * k as usize);
            let masks: [(&str, &str, Mask); 4] = [
                ("all", "every share", Mask::from_fn(w, |_, _| true)),
                ("q0", "quadrant Q0", Mask::from_fn(w, |r, c| r < ku && c < ku)),
                ("q3", "quadrant Q3", Mask::from_fn(w, |r, c| r >= ku && c >= ku)),
                (
                    "minimal_withholding",
                    "all but the top-left (k+1)×(k+1) block",
                    Mask::from_fn(w, |r, c| !(r <= ku && c <= ku)),
                ),
            ];
            for (mask_name, mask_what, mask) in masks {
                self.repair(
                    &format!("corrupt_k{k}_{row}_{col}_{mask_name}"),
                    format!(
                        "repair from {mask_what} of a {w}×{w} square whose producer changed {what}, ({row}, {col}), after extending it"
                    ),
                    &["corrupted"],
                    &square,
                    &corrupt,
                    mask,
                )?;
            }
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // fraud_proof

    fn fraud_case(
        &mut self,
        name: &str,
        description: String,
        tags: &[&str],
        config: FraudProofConfig,
    ) -> Result<(), CaseError> {
        config.check()?;
        let post = reference::fraud_proof(&config);
        self.push("fraud_proof", name, description, tags, config, post, DasVector::FraudProof)
    }

    fn fraud_proofs(&mut self) -> Result<(), CaseError> {
        let subjects: [(u64, (u64, u64), bool); 6] = [
            (1, (0, 1), false),
            (2, (1, 3), true),
            (4, (2, 6), true),
            (4, (5, 1), false),
            (8, (3, 3), true),
            (16, (20, 25), false),
        ];
        for (k, (row, col), tampered) in subjects {
            let label = format!("k{k}_{row}_{col}");
            let seed = self.square_seed(&format!("fraud_proof/{label}"));
            let square = SquareSpec::seeded(k, 64, seed);
            let corrupt = vec![Corruption { row: Uint(row), col: Uint(col), byte: Uint(9), xor: Uint(0x80) }];
            let eds = reference::producer_square(&square, &corrupt).map_err(refused)?;
            let dah = eds.dah();
            let source = FraudSource { square: square.clone(), corrupt };
            let (ru, cu) = (row as usize, col as usize);
            let mut codec = Codec::new(k as usize, 64).map_err(|e| CaseError::Invalid(e.to_string()))?;
            let bad = eds.bad_lines(&mut codec).map_err(|e| CaseError::Invalid(e.to_string()))?;
            if bad != [(Axis::Row, ru), (Axis::Col, cu)] {
                return Err(CaseError::Invalid(format!("{label}: the bad lines are {bad:?}")));
            }
            for &variant in FRAUD_VARIANTS {
                let proof = fraud_variant(variant, &eds, ru, cu)?;
                let tag = format!("variant_{variant}");
                self.fraud_case(
                    &format!("{label}_{variant}"),
                    format!(
                        "a fraud proof against a {w}×{w} square whose share ({row}, {col}) was changed after extending, carrying {}",
                        describe_variant(variant),
                        w = 2 * k
                    ),
                    &["valid", tag.as_str()],
                    fraud_config(DahSpec::of(&dah), 64, proof.to_bytes(), &source),
                )?;
            }
            if !tampered {
                continue;
            }
            let base = fraud_variant("row_first_k", &eds, ru, cu)?;
            let mut r = rng(self.seed, &format!("das/fraud_proof/{label}"));
            for &(kind, _) in FRAUD_TAMPER_KINDS {
                let draw = r.next_u64();
                let (what, dah, share_size, bytes) = tamper_fraud(kind, draw, &eds, &base, self.seed)?;
                let tag = format!("tamper_{kind}");
                self.fraud_case(
                    &format!("tampered_{label}_{kind}"),
                    format!("the fraud proof of row {row} (its first k shares) with {what} is rejected"),
                    &["tampered", tag.as_str()],
                    fraud_config(dah, share_size, bytes, &source),
                )?;
            }
            // A proof over a line of an honest square proves nothing.
            let honest = reference::producer_square(&source.square, &[]).map_err(refused)?;
            let proof = BadEncodingProof::for_line(&honest, Axis::Row, ru)
                .ok_or_else(|| CaseError::Invalid("no line".to_owned()))?;
            self.fraud_case(
                &format!("{label}_honest_square"),
                format!("a fraud proof of row {row} of the honest square (before the corruption) proves nothing"),
                &["tampered", "tamper_honest_square"],
                fraud_config(
                    DahSpec::of(&honest.dah()),
                    64,
                    proof.to_bytes(),
                    &FraudSource { square: source.square.clone(), corrupt: Vec::new() },
                ),
            )?;
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // sampling

    fn sample(
        &mut self,
        name: &str,
        description: String,
        tags: &[&str],
        config: SamplingConfig,
    ) -> Result<(), CaseError> {
        config.check()?;
        let post = reference::sampling(&config).map_err(refused)?;
        self.push("sampling", name, description, tags, config, post, DasVector::Sampling)
    }

    fn sampling(&mut self) -> Result<(), CaseError> {
        // The worked example of das.md §10.
        for (seed, width, samples) in [(1u64, 4u64, 5u64), (2026, 256, 4)] {
            self.sample(
                &format!("coordinates_spec_seed{seed}_w{width}_s{samples}"),
                format!("das.md's worked example: {samples} samples of a {width}×{width} square from seed {seed}"),
                &["coordinates", "spec_example"],
                SamplingConfig::Coordinates { seed: Uint(seed), width: Uint(width), samples: Uint(samples) },
            )?;
        }
        let mut r = rng(self.seed, "das/sampling");
        for width in [1u64, 2, 3, 4, 8, 16, 32, 64, 100, 128, 256, 512, 1024] {
            for samples in [1u64, 16] {
                let seed = r.next_u64();
                self.sample(
                    &format!("coordinates_w{width}_s{samples}"),
                    format!("{samples} distinct samples of a {width}×{width} square from seed {seed}"),
                    &["coordinates"],
                    SamplingConfig::Coordinates { seed: Uint(seed), width: Uint(width), samples: Uint(samples) },
                )?;
            }
        }
        for (width, samples, what) in [
            (4u64, 16u64, "every cell of a 4×4 square, in draw order"),
            (8, 64, "every cell of an 8×8 square, in draw order"),
            (2, 10, "10 samples of a 2×2 square: capped at its 4 cells"),
            (16, 0, "no samples"),
            (1024, 4096, "4096 samples of the widest square"),
            (512, 16, "16 samples of a 512×512 square, seed 0"),
        ] {
            let seed = if what.ends_with("seed 0") { 0 } else { r.next_u64() };
            self.sample(
                &format!("coordinates_w{width}_s{samples}_edge"),
                format!("{what} (seed {seed})"),
                &["coordinates", "edge"],
                SamplingConfig::Coordinates { seed: Uint(seed), width: Uint(width), samples: Uint(samples) },
            )?;
        }
        // The closed form (DAS-8.3): the minimal withholding at 16 samples for every width,
        // das.md's table around its thresholds, and the edges.
        for k in [1u64, 2, 4, 8, 16, 32, 64, 128, 256, 512] {
            let w = (k + 1) * (k + 1);
            self.probability(k, w, 16, "the minimal withholding (k+1)²", &["minimal_withholding"])?;
        }
        for (k, s99, s9999) in
            [(4u64, 9u64, 16u64), (8, 12, 23), (16, 14, 28), (32, 15, 30), (64, 16, 31), (128, 16, 32)]
        {
            let w = (k + 1) * (k + 1);
            for s in [s99 - 1, s99, s9999 - 1, s9999] {
                if s == 16 {
                    continue;
                }
                self.probability(k, w, s, "the minimal withholding (k+1)²", &["minimal_withholding", "table"])?;
            }
        }
        let n = |k: u64| 4 * k * k;
        for (k, w, s, what) in [
            (4u64, 0u64, 16u64, "nothing withheld"),
            (4, 25, 0, "no samples"),
            (4, 1, 1, "one share withheld, one sample"),
            (4, n(4), 1, "everything withheld"),
            (4, 60, 5, "more samples than shares not withheld"),
            (4, 25, n(4), "every share sampled"),
            (256, 1, 1, "one share of a 512×512 square withheld, one sample"),
            (512, n(512) / 4, 33, "a quarter withheld, 33 samples"),
            (512, 263_169, 100_000, "the minimal withholding, 100000 samples"),
            (2, 9, 3, "the minimal withholding of a 4×4 square, 3 samples"),
            (1, 4, 1, "every share of a 2×2 square withheld"),
        ] {
            self.probability(k, w, s, what, &["edge"])?;
        }
        Ok(())
    }

    fn probability(&mut self, k: u64, withheld: u64, samples: u64, what: &str, tags: &[&str]) -> Result<(), CaseError> {
        let tags: Vec<&str> = tags.iter().copied().chain(["probability"]).collect();
        self.sample(
            &format!("probability_k{k}_w{withheld}_s{samples}"),
            format!(
                "the probability that {samples} distinct samples of a {w}×{w} square hit {what} ({withheld} shares)",
                w = 2 * k
            ),
            &tags,
            SamplingConfig::Probability { k: Uint(k), withheld: Uint(withheld), samples: Uint(samples) },
        )
    }
}

/// A fraud-proof case's configuration.
fn fraud_config(dah: DahSpec, share_size: u64, proof: Vec<u8>, source: &FraudSource) -> FraudProofConfig {
    FraudProofConfig { dah, share_size: Uint(share_size), proof: Hex(proof), source: Some(source.clone()) }
}

/// Share `(row, col)` of `eds` and its path against its line of `axis`.
fn proven(eds: &ExtendedSquare, row: u64, col: u64, axis: AxisCode) -> Result<(Vec<u8>, Vec<HashHex>), CaseError> {
    let (r, c) = (row as usize, col as usize);
    let share = eds.share(r, c).ok_or_else(|| CaseError::Invalid(format!("no share ({row}, {col})")))?;
    let proof =
        eds.share_proof(r, c, axis.axis()).ok_or_else(|| CaseError::Invalid(format!("no proof ({row}, {col})")))?;
    Ok((share.to_vec(), proof.path.into_iter().map(HashHex).collect()))
}

/// What a verify case claims: `(row, col, share, proof)`.
pub(crate) type Claim = (u64, u64, Vec<u8>, ProofSpec);

/// Applies share-proof tamper `kind` to the row proof of share `(row, col)` of `eds`. Returns
/// what was done, the header to verify against and the claim.
pub(crate) fn tamper_share(
    kind: &str,
    draw: u64,
    eds: &ExtendedSquare,
    square: &SquareSpec,
    (row, col): (u64, u64),
    seed: u64,
) -> Result<(String, DahSpec, Claim), CaseError> {
    let width = eds.width() as u64;
    let dah = DahSpec::of(&eds.dah());
    let (share, path) = proven(eds, row, col, AxisCode::Row)?;
    let mut claim: Claim = (row, col, share, ProofSpec { axis: AxisCode::Row, path });
    let bit = draw % 256;
    let what = match kind {
        "path_bit" | "share_short_and_path_bit" => {
            let i = (draw % claim.3.path.len().max(1) as u64) as usize;
            if let Some(h) = claim.3.path.get_mut(i) {
                flip_hash(&mut h.0, bit);
            }
            if kind == "share_short_and_path_bit" {
                claim.2.pop();
                format!("its last byte cut off and bit {bit} of path hash {i} flipped")
            } else {
                format!("bit {bit} of path hash {i} flipped")
            }
        }
        "wrong_axis" => {
            claim.3.axis = AxisCode::Col;
            "its axis changed to col (a row path offered as a column path)".to_owned()
        }
        "moved_row" => {
            claim.0 = (row + 1) % width;
            format!("the share claimed at row {} instead", claim.0)
        }
        "moved_col" => {
            claim.1 = (col + 1) % width;
            format!("the share claimed at column {} instead", claim.1)
        }
        "short_path" => {
            claim.3.path.pop();
            "its last path hash removed".to_owned()
        }
        "long_path" => {
            claim.3.path.push(HashHex(primitives::keccak256(&draw.to_le_bytes())));
            "a hash appended to its path".to_owned()
        }
        "empty_path" => {
            claim.3.path.clear();
            "an empty path".to_owned()
        }
        "share_bit" => {
            flip_byte(&mut claim.2, draw);
            "a bit of the share flipped".to_owned()
        }
        "other_share" => {
            let other = (col + 1) % width;
            claim.2 = eds.share(row as usize, other as usize).map(<[u8]>::to_vec).unwrap_or_default();
            format!("the share of ({row}, {other}) offered instead")
        }
        "other_header" => {
            let other_seed = rng(seed, "das/share_proof/other_header").next_u64();
            let other = reference::ods(&SquareSpec::seeded(square.k.0, square.share_size.0, other_seed))
                .map_err(refused)?
                .extend()
                .map_err(|e| CaseError::Invalid(e.to_string()))?;
            return Ok((format!("the header of another square (seed {other_seed})"), DahSpec::of(&other.dah()), claim));
        }
        "share_short" => {
            claim.2.pop();
            "its last byte cut off".to_owned()
        }
        "share_long" => {
            claim.2.push(0);
            "a zero byte appended to the share".to_owned()
        }
        "row_out_of_range" | "row_out_of_range_and_share_short" => {
            claim.0 = width;
            if kind == "row_out_of_range_and_share_short" {
                claim.2.pop();
                format!("row {width} claimed (one past the last) and its last byte cut off")
            } else {
                format!("row {width} claimed, one past the last")
            }
        }
        "col_out_of_range" => {
            claim.1 = u64::MAX;
            "column 2^64 − 1 claimed".to_owned()
        }
        _ => return Err(CaseError::Invalid(format!("unknown share tamper kind `{kind}`"))),
    };
    Ok((what, dah, claim))
}

fn describe_variant(variant: &str) -> &'static str {
    match variant {
        "row_first_k" => "the first k shares of the accused row, proven against the row",
        "row_last_k" => "the last k shares of the accused row (its parity half), proven against the row",
        "row_all" => "all 2k shares of the accused row, proven against the row",
        "row_orthogonal" => "the first k shares of the accused row, each proven against its column",
        "col_first_k" => "the first k shares of the accused column, proven against the column",
        _ => "an unknown variant",
    }
}

/// A valid fraud proof of the line through the corrupted share `(row, col)`.
fn fraud_variant(variant: &str, eds: &ExtendedSquare, row: usize, col: usize) -> Result<BadEncodingProof, CaseError> {
    let (k, w) = (eds.k(), eds.width());
    let no_line = || CaseError::Invalid(format!("no fraud proof for line {row}"));
    let entry = |r: usize, c: usize, axis: Axis| -> Result<ShareWithProof, CaseError> {
        let share = eds.share(r, c).ok_or_else(no_line)?.to_vec();
        let proof = eds.share_proof(r, c, axis).ok_or_else(no_line)?;
        Ok(ShareWithProof { share, proof })
    };
    let row_proof = |keep: &dyn Fn(usize) -> bool, axis: Axis| -> Result<BadEncodingProof, CaseError> {
        let shares = (0..w).map(|p| keep(p).then(|| entry(row, p, axis)).transpose()).collect::<Result<_, _>>()?;
        Ok(BadEncodingProof { axis: Axis::Row, index: row as u32, shares })
    };
    match variant {
        "row_first_k" => row_proof(&|p| p < k, Axis::Row),
        "row_last_k" => row_proof(&|p| p >= k, Axis::Row),
        "row_all" => row_proof(&|_| true, Axis::Row),
        "row_orthogonal" => row_proof(&|p| p < k, Axis::Col),
        "col_first_k" => BadEncodingProof::for_line(eds, Axis::Col, col).ok_or_else(no_line),
        _ => Err(CaseError::Invalid(format!("unknown fraud variant `{variant}`"))),
    }
}

/// Applies fraud tamper `kind` to `base`, a valid proof of the bad row of `eds` carrying its
/// first `k` shares. Returns what was done, the header, the share size and the bytes.
pub(crate) fn tamper_fraud(
    kind: &str,
    draw: u64,
    eds: &ExtendedSquare,
    base: &BadEncodingProof,
    seed: u64,
) -> Result<(String, DahSpec, u64, Vec<u8>), CaseError> {
    let (k, w) = (eds.k(), eds.width());
    let mut dah = DahSpec::of(&eds.dah());
    let mut share_size = 64u64;
    let mut p = base.clone();
    let mut notes: Vec<String> = Vec::new();
    let mut bytes: Option<Vec<u8>> = None;
    for part in kind.split("_and_") {
        match part {
            "truncated" => {
                let mut b = p.to_bytes();
                b.pop();
                bytes = Some(b);
                notes.push("its last byte cut off".into());
            }
            "trailing" => {
                let mut b = p.to_bytes();
                b.push(0);
                bytes = Some(b);
                notes.push("a zero byte appended".into());
            }
            "bad_axis_byte" => {
                let mut b = p.to_bytes();
                if let Some(first) = b.first_mut() {
                    *first = 2;
                }
                bytes = Some(b);
                notes.push("axis byte 2".into());
            }
            "bad_option_tag" => {
                // axis (1) ‖ index (4) ‖ the list's length (4), then the first entry's tag.
                let mut b = p.to_bytes();
                if let Some(tag) = b.get_mut(9) {
                    *tag = 2;
                }
                bytes = Some(b);
                notes.push("option tag 2 for its first entry".into());
            }
            "empty" => {
                bytes = Some(Vec::new());
                notes.push("no bytes at all".into());
            }
            "header_short" => {
                dah.row_roots.pop();
                notes.push("a header missing its last row root".into());
            }
            "header_not_power_of_two" => {
                let six: Vec<HashHex> = dah.row_roots.iter().chain(&dah.col_roots).copied().take(6).collect();
                dah = DahSpec { row_roots: six.clone(), col_roots: six };
                notes.push("a header of 6 row and 6 column roots (k = 3 is not a power of two)".into());
            }
            "header_empty" => {
                dah = DahSpec { row_roots: Vec::new(), col_roots: Vec::new() };
                notes.push("an empty header".into());
            }
            "share_size_100" => {
                share_size = 100;
                notes.push("share size 100 (not a multiple of 64)".into());
            }
            "share_size_0" => {
                share_size = 0;
                notes.push("share size 0".into());
            }
            "share_size_8192" => {
                share_size = 8192;
                notes.push("share size 8192 (above 4096)".into());
            }
            "index_width" => {
                p.index = w as u32;
                notes.push(format!("index {w}, one past the last line"));
            }
            "index_max" => {
                p.index = u32::MAX;
                notes.push("index 2^32 − 1".into());
            }
            "entry_short" => {
                p.shares.pop();
                notes.push("its last entry removed (2k − 1 entries)".into());
            }
            "entry_over" => {
                p.shares.push(None);
                notes.push("an absent entry appended (2k + 1 entries)".into());
            }
            "share_dropped" => {
                if let Some(first) = p.shares.first_mut() {
                    *first = None;
                }
                notes.push("its first share dropped (k − 1 shares)".into());
            }
            "share_bit" => {
                // The last present entry, so that a dropped first share is still a fault too.
                if let Some(Some(entry)) = p.shares.iter_mut().rev().find(|e| e.is_some()) {
                    flip_byte(&mut entry.share, draw);
                }
                notes.push("a bit of its last share flipped".into());
            }
            "path_bit" => {
                if let Some(Some(entry)) = p.shares.get_mut((draw % k.max(1) as u64) as usize) {
                    let i = (draw / 3 % entry.proof.path.len().max(1) as u64) as usize;
                    if let Some(h) = entry.proof.path.get_mut(i) {
                        flip_hash(h, draw % 256);
                    }
                }
                notes.push("a bit of a share's path flipped".into());
            }
            "moved_share" => {
                // Position 0's share and proof moved to the empty position k.
                let moved = p.shares.first_mut().and_then(Option::take);
                if let Some(slot) = p.shares.get_mut(k) {
                    *slot = moved;
                }
                notes.push(format!("its share at position 0 moved, with its proof, to position {k}"));
            }
            "swapped_shares" => {
                if k >= 2 {
                    p.shares.swap(0, 1);
                    notes.push("the entries at positions 0 and 1 swapped".into());
                } else {
                    p.shares.swap(0, 1);
                    notes.push("its only entry swapped with the absent one at position 1".into());
                }
            }
            "wrong_proof_axis" => {
                if let Some(Some(entry)) = p.shares.first_mut() {
                    entry.proof.axis = Axis::Col;
                }
                notes.push("its first share's row proof labelled as a column proof".into());
            }
            "share_long" => {
                if let Some(Some(entry)) = p.shares.first_mut() {
                    entry.share.push(0);
                }
                notes.push("a zero byte appended to its first share".into());
            }
            "other_header" => {
                let other_seed = rng(seed, "das/fraud_proof/other_header").next_u64();
                let other = reference::ods(&SquareSpec::seeded(eds.k() as u64, 64, other_seed))
                    .map_err(refused)?
                    .extend()
                    .map_err(|e| CaseError::Invalid(e.to_string()))?;
                dah = DahSpec::of(&other.dah());
                notes.push(format!("the header of another square (seed {other_seed})"));
            }
            "correct_line" => {
                // A row without the corrupted share: a codeword with the committed root.
                let row = (p.index as usize + 1) % w;
                p = BadEncodingProof::for_line(eds, Axis::Row, row)
                    .ok_or_else(|| CaseError::Invalid("no line".to_owned()))?;
                notes.push(format!("row {row}, a correct line, accused instead"));
            }
            other => return Err(CaseError::Invalid(format!("unknown fraud tamper `{other}`"))),
        }
    }
    let bytes = bytes.unwrap_or_else(|| p.to_bytes());
    Ok((notes.join(" and "), dah, share_size, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_share_tamper_kind_and_fraud_tamper_kind_is_known_to_the_tamperers() {
        let square = SquareSpec::seeded(2, 64, 1);
        let eds = reference::ods(&square).expect("ods").extend().expect("extends");
        for &(kind, _) in SHARE_TAMPER_KINDS {
            assert!(tamper_share(kind, 5, &eds, &square, (1, 2), 0).is_ok(), "{kind}");
        }
        let base = fraud_variant("row_first_k", &eds, 1, 3).expect("variant");
        for &(kind, _) in FRAUD_TAMPER_KINDS {
            assert!(tamper_fraud(kind, 5, &eds, &base, 0).is_ok(), "{kind}");
        }
        assert!(tamper_share("nonsense", 5, &eds, &square, (1, 2), 0).is_err());
    }
}
