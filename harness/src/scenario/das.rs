//! The das step vocabulary: Gherkin sentences about squares, their extension and commitments,
//! share proofs, repair, fraud proofs and sampling, and what each does to a das case.
//!
//! Given steps describe the square (seeded, constant, a blob, or Celestia's), what the
//! producer corrupted, and which shares a node holds or the producer withholds; one When step
//! says what is asked (extend, prove or verify a share, repair, verify a fraud proof, sample);
//! Then steps add expectations about the result. The case is built by the reference; the
//! expectations are checked against whatever answered it (the reference or a client), so a
//! scenario checks any implementation.

use ::das::{BadEncodingProof, Codec, ExtendedSquare};
use primitives::{Hash32, keccak256, merkle};

use super::vm::{Keyword, StepError};
use super::{Steps, SuiteScenario, UINT, captures, invalid, refused, uint};
use crate::case::das::{
    AxisCode, Corruption, DahSpec, DasCase, DasResult, DasVector, ExtensionConfig, ExtensionPost, FraudCode,
    FraudErrorCode, FraudProofConfig, FraudProofPost, FraudSource, Mask, OdsSpec, ProofSpec, RepairConfig,
    RepairFailure, RepairPost, SamplingConfig, SamplingPost, ShareProofConfig, ShareProofErrorCode, ShareProofPost,
    SquareSpec,
};
use crate::case::{Case, CaseId, HashHex, Hex, Provenance, Uint};
use crate::client::CaseResult;
use crate::reference::das as reference;
use crate::vectors::gen_das::{CELESTIA_EDS_K4, FRAUD_TAMPER_KINDS, SHARE_TAMPER_KINDS};

/// What a das scenario asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ask {
    /// Extend the square.
    Extend,
    /// Prove share `(row, col)` against its line of `axis`.
    Prove(u64, u64, AxisCode),
    /// Verify the proof of share `(row, col)` against its line of `axis`, tampered by this kind
    /// (or not).
    Verify(u64, u64, AxisCode, Option<String>),
    /// Repair the producer's square from the shares the node holds.
    Repair,
    /// Verify a fraud proof of a line carrying its first `k` shares (or all of them), tampered
    /// with (or not).
    Fraud {
        /// The accused line's axis.
        axis: AxisCode,
        /// The accused line.
        index: u64,
        /// Whether the proof carries all `2k` shares instead of the first `k`.
        all: bool,
        /// The fraud tamper kind applied, if any.
        tamper: Option<String>,
    },
    /// Draw `samples` coordinates from `seed`.
    Sample(u64, u64),
    /// The probability that `samples` samples detect the withholding.
    Probability(u64),
}

/// A das scenario as built so far.
#[derive(Clone, Debug, Default)]
pub struct DasScenario {
    /// The original square.
    pub square: Option<SquareSpec>,
    /// Bytes the producer changed after extending.
    pub corrupt: Vec<Corruption>,
    /// The shares a node holds (everything the producer does not withhold).
    pub present: Option<Mask>,
    /// What is asked.
    pub ask: Option<Ask>,
    /// The expectations, in order.
    pub expectations: Vec<Expectation>,
}

/// One Then step.
#[derive(Clone, PartialEq, Debug)]
pub enum Expectation {
    /// Every share of the extended square is its byte repeated (`bytes[row][col]`).
    SharesFilledWith(Vec<Vec<u8>>),
    /// The extended square is Celestia's published one.
    IsCelestias,
    /// The extended square's top-left quadrant is the original square.
    OriginalUnchanged,
    /// The parity half of this row is the extension of its original half.
    RowParityExtends(usize),
    /// Every row and column of the extended square is a codeword.
    AllCodewords,
    /// The extended square is this wide.
    Width(usize),
    /// The row (or column) roots are the Merkle roots of the listed rows (or columns).
    RootsOfLines(AxisCode),
    /// The data root is the Merkle root of the row and column roots.
    DataRootOfRoots,
    /// The data root.
    DataRoot(Hash32),
    /// The root of a row or column.
    Root(AxisCode, usize, Hash32),
    /// The proof's path.
    Path(Vec<Hash32>),
    /// The proof has this many hashes.
    PathLength(usize),
    /// The share proof verifies.
    ProofAccepted,
    /// The share proof is rejected with this code.
    ProofRejected(ShareProofErrorCode),
    /// Repair succeeds, giving the square the producer extended.
    Repaired,
    /// Repair fails: unrecoverable, with these counts.
    Unrecoverable(u64, u64, u64),
    /// Repair fails: this line is badly encoded.
    BadEncoding(AxisCode, u64),
    /// The fraud proof is accepted, showing this.
    FraudAccepted(FraudCode),
    /// The fraud proof is rejected with this code.
    FraudRejected(FraudErrorCode),
    /// The samples are distinct and inside the square.
    SamplesDistinct,
    /// The samples are exactly these.
    Samples(Vec<(u64, u64)>),
    /// Some sample falls on a share the node does not hold (`true`), or none does.
    Detects(Mask, bool),
    /// The probability is at least this.
    ProbabilityAtLeast(f64),
    /// The probability, rounded to as many decimals as `digits` has.
    ProbabilityRoundsTo(String),
}

/// The largest blob a scenario draws: the square that holds it is within `vectors.md` VEC-7.1.
const MAX_BLOB_BYTES: usize = 1 << 24;

const HASH: &str = r"(0x[0-9a-f]{64})";
const BY: &str = r"(?:×|x)";

fn index(s: &str) -> Result<usize, StepError> {
    s.parse().map_err(|_| StepError(format!("`{s}` is not an index")))
}

fn hash(s: &str) -> Result<Hash32, StepError> {
    s.parse().map_err(|e| StepError(format!("`{s}` is not a hash: {e}")))
}

fn axis(word: &str) -> AxisCode {
    if word == "row" { AxisCode::Row } else { AxisCode::Col }
}

/// The sentences, for error messages and docs.
pub const VOCABULARY: &str = "\
Given a K×K square of S-byte shares drawn from seed N
Given a K×K square of S-byte shares filled with the bytes:   (a doc string: K lines of K bytes)
Given a blob of N bytes drawn from seed M in S-byte shares
Given the original quadrant of the real Celestia square
Given the producer flips a bit of share (R, C) after extending
Given the producer withholds the (k+1)×(k+1) block at the top left
Given the node holds every share  |  Given the node holds only quadrant Q0 (Q1, Q2, Q3)
Given the node holds these shares:   (a doc string: 2k lines of 2k characters, 1 held, 0 not)
When it is extended
When share (R, C) is proven against its row  |  … against its column
When share (R, C) is verified with its row proof  |  … with its column proof
When share (R, C) is verified with its row proof tampered: <kind>   (kinds: path_bit, moved_row, …)
When the node repairs the square
When a fraud proof of row N is built from its first k shares  |  … from all its shares  (or column N)
When a fraud proof of row N is tampered with: <kind>   (kinds: moved_share, truncated, …)
When a light client draws N samples with seed S
When the probability that N samples detect the withholding is computed
Then the extended square's shares are filled with the bytes:   (a doc string: 2k lines of 2k bytes)
Then the extended square is the one Celestia published
Then the original quadrant is unchanged
Then the parity half of row R extends its original half
Then every row and every column is a codeword
Then the extended square is W×W
Then the row roots are the Merkle roots of the rows  |  … column roots … of the columns
Then the data root is the Merkle root of the row and column roots
Then the data root is 0x…  |  Then row root R is 0x…  |  Then column root C is 0x…
Then the path is:   (a doc string: one hash per line)  |  Then the proof has N hashes
Then the proof is accepted  |  Then the proof is rejected as <code>
Then the square is repaired
Then repair fails as unrecoverable with M shares missing in R rows and C columns
Then repair fails with bad encoding of row N  |  … of column N
Then the fraud proof is accepted as <fraud>  |  Then the fraud proof is rejected as <code>
Then the samples are distinct and inside the square
Then the samples are (R, C) (R, C) …
Then a sample falls on a withheld share  |  Then no sample falls on a withheld share
Then the probability is at least P  |  Then the probability rounds to P";

fn unknown(keyword: &str, text: &str) -> StepError {
    StepError(format!("no step matches `{keyword} {text}`. The das steps are:\n{VOCABULARY}"))
}

/// A doc string of whitespace-separated numbers, one line per row.
fn byte_grid(docstring: Option<&str>) -> Result<Vec<Vec<u8>>, StepError> {
    let text = docstring.ok_or_else(|| StepError("this step needs a doc string of bytes".into()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            line.split_whitespace()
                .map(|b| b.parse::<u8>().map_err(|_| StepError(format!("`{b}` is not a byte (0 to 255)"))))
                .collect()
        })
        .collect()
}

impl Steps for DasScenario {
    fn apply(&mut self, keyword: Keyword, text: &str, docstring: Option<&str>) -> Result<(), StepError> {
        let text = text.trim();
        match keyword {
            Keyword::Given => self.given(text, docstring),
            Keyword::When => self.when(text),
            Keyword::Then => {
                let expectation = self.parse_then(text, docstring)?;
                self.expectations.push(expectation);
                Ok(())
            }
        }
    }
}

impl DasScenario {
    fn square(&self) -> Result<&SquareSpec, StepError> {
        self.square
            .as_ref()
            .ok_or_else(|| StepError("the scenario never says which square (`Given a K×K square …`)".into()))
    }

    fn given(&mut self, text: &str, docstring: Option<&str>) -> Result<(), StepError> {
        let square = |k: u64, size: u64, ods: OdsSpec| SquareSpec { k: Uint(k), share_size: Uint(size), ods };
        let new_square = if let Some(&[k, k2, size, seed]) =
            captures(re!(format!("a {UINT}{BY}{UINT} square of {UINT}-byte shares drawn from seed {UINT}")), text)
                .as_deref()
        {
            Some(square_of(k, k2, size, |k, size| Ok(square(k, size, OdsSpec::Seed(Uint(uint(seed)?))))))
        } else if let Some(&[k, k2, size]) =
            captures(re!(format!("a {UINT}{BY}{UINT} square of {UINT}-byte shares filled with the bytes:")), text)
                .as_deref()
        {
            Some(square_of(k, k2, size, |k, size| {
                let grid = byte_grid(docstring)?;
                if grid.len() as u64 != k || grid.iter().any(|line| line.len() as u64 != k) {
                    return Err(StepError(format!("the doc string must hold {k} lines of {k} bytes")));
                }
                let shares = grid.iter().flatten().map(|&b| Hex(vec![b; size as usize])).collect();
                Ok(square(k, size, OdsSpec::Shares(shares)))
            }))
        } else if let Some(&[len, seed, size]) =
            captures(re!(format!("a blob of {UINT} bytes drawn from seed {UINT} in {UINT}-byte shares")), text)
                .as_deref()
        {
            let len = index(len)?;
            // The largest square holds 512² shares of at most 4096 bytes.
            if len > MAX_BLOB_BYTES {
                return Err(StepError(format!("a blob of {len} bytes is larger than the largest square")));
            }
            let data = reference::seeded_bytes(uint(seed)?, len);
            let size = uint(size)?;
            let k = ::das::DataSquare::from_blob(&data, usize::try_from(size).unwrap_or(usize::MAX))
                .map_err(|e| StepError(format!("the blob does not fit: {e}")))?
                .width() as u64;
            Some(Ok(square(k, size, OdsSpec::Blob(Hex(data)))))
        } else if text == "the original quadrant of the real Celestia square" {
            let eds = ExtendedSquare::from_bytes(4, 512, CELESTIA_EDS_K4.to_vec())
                .map_err(|e| StepError(format!("the Celestia square: {e}")))?;
            let shares = eds.original().as_bytes().chunks(512).map(|s| Hex(s.to_vec())).collect();
            Some(Ok(square(4, 512, OdsSpec::Shares(shares))))
        } else {
            None
        };
        if let Some(new_square) = new_square {
            let new_square = new_square?;
            new_square.check().map_err(|e| StepError(e.to_string()))?;
            self.square = Some(new_square);
            return Ok(());
        }
        if let Some(&[row, col]) =
            captures(re!(format!(r"the producer flips a bit of share \({UINT}, {UINT}\) after extending")), text)
                .as_deref()
        {
            self.corrupt.push(Corruption { row: Uint(uint(row)?), col: Uint(uint(col)?), byte: Uint(0), xor: Uint(1) });
            return Ok(());
        }
        let (k, w) = {
            let k = usize::try_from(self.square()?.k.0).unwrap_or(usize::MAX);
            (k, 2 * k)
        };
        let present = if text == "the producer withholds the (k+1)×(k+1) block at the top left" {
            Mask::from_fn(w, |r, c| !(r <= k && c <= k))
        } else if text == "the node holds every share" {
            Mask::from_fn(w, |_, _| true)
        } else if let Some(&[q]) = captures(re!("the node holds only quadrant Q([0-3])"), text).as_deref() {
            let q = index(q)?;
            Mask::from_fn(w, |r, c| r / k == q / 2 && c / k == q % 2)
        } else if text == "the node holds these shares:" {
            let text = docstring.ok_or_else(|| StepError("this step needs a doc string of 0s and 1s".into()))?;
            let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            let mask = Mask::parse(&format!("{}\n", lines.join("\n"))).map_err(StepError)?;
            if mask.0.len() != w {
                return Err(StepError(format!("the doc string must hold {w} lines of {w} characters")));
            }
            mask
        } else {
            return Err(unknown("Given", text));
        };
        self.present = Some(present);
        Ok(())
    }

    fn when(&mut self, text: &str) -> Result<(), StepError> {
        let ask = if text == "it is extended" {
            Ask::Extend
        } else if let Some(&[row, col, line]) =
            captures(re!(format!(r"share \({UINT}, {UINT}\) is proven against its (row|column)")), text).as_deref()
        {
            Ask::Prove(uint(row)?, uint(col)?, axis(line))
        } else if let Some(&[row, col, line]) =
            captures(re!(format!(r"share \({UINT}, {UINT}\) is verified with its (row|column) proof")), text).as_deref()
        {
            Ask::Verify(uint(row)?, uint(col)?, axis(line), None)
        } else if let Some(&[row, col, kind]) = captures(
            re!(format!(r"share \({UINT}, {UINT}\) is verified with its row proof tampered: ([a-z0-9_]+)")),
            text,
        )
        .as_deref()
        {
            if !SHARE_TAMPER_KINDS.iter().any(|(k, _)| *k == kind) {
                let kinds: Vec<&str> = SHARE_TAMPER_KINDS.iter().map(|(k, _)| *k).collect();
                return Err(StepError(format!("`{kind}` is not a share tamper kind (known: {})", kinds.join(", "))));
            }
            Ask::Verify(uint(row)?, uint(col)?, AxisCode::Row, Some(kind.to_owned()))
        } else if text == "the node repairs the square" {
            Ask::Repair
        } else if let Some(&[line, n, which]) = captures(
            re!(format!("a fraud proof of (row|column) {UINT} is built from (its first k shares|all its shares)")),
            text,
        )
        .as_deref()
        {
            Ask::Fraud { axis: axis(line), index: uint(n)?, all: which == "all its shares", tamper: None }
        } else if let Some(&[n, kind]) =
            captures(re!(format!("a fraud proof of row {UINT} is tampered with: ([a-z0-9_]+)")), text).as_deref()
        {
            if !FRAUD_TAMPER_KINDS.iter().any(|(k, _)| *k == kind) {
                let kinds: Vec<&str> = FRAUD_TAMPER_KINDS.iter().map(|(k, _)| *k).collect();
                return Err(StepError(format!("`{kind}` is not a fraud tamper kind (known: {})", kinds.join(", "))));
            }
            Ask::Fraud { axis: AxisCode::Row, index: uint(n)?, all: false, tamper: Some(kind.to_owned()) }
        } else if let Some(&[n, seed]) =
            captures(re!(format!("a light client draws {UINT} samples? with seed {UINT}")), text).as_deref()
        {
            Ask::Sample(uint(n)?, uint(seed)?)
        } else if let Some(&[n]) =
            captures(re!(format!("the probability that {UINT} samples? detects? the withholding is computed")), text)
                .as_deref()
        {
            Ask::Probability(uint(n)?)
        } else {
            return Err(unknown("When", text));
        };
        if self.ask.is_some() {
            return Err(StepError("a das scenario asks one thing: one When step".into()));
        }
        self.ask = Some(ask);
        Ok(())
    }

    fn parse_then(&self, text: &str, docstring: Option<&str>) -> Result<Expectation, StepError> {
        use Expectation as E;
        Ok(match text {
            "the extended square's shares are filled with the bytes:" => E::SharesFilledWith(byte_grid(docstring)?),
            "the extended square is the one Celestia published" => E::IsCelestias,
            "the original quadrant is unchanged" => E::OriginalUnchanged,
            "every row and every column is a codeword" => E::AllCodewords,
            "the row roots are the Merkle roots of the rows" => E::RootsOfLines(AxisCode::Row),
            "the column roots are the Merkle roots of the columns" => E::RootsOfLines(AxisCode::Col),
            "the data root is the Merkle root of the row and column roots" => E::DataRootOfRoots,
            "the proof is accepted" => E::ProofAccepted,
            "the square is repaired" => E::Repaired,
            "the samples are distinct and inside the square" => E::SamplesDistinct,
            "a sample falls on a withheld share" | "no sample falls on a withheld share" => {
                let mask = self
                    .present
                    .clone()
                    .ok_or_else(|| StepError("the scenario never says which shares are withheld".into()))?;
                E::Detects(mask, text.starts_with("a sample"))
            }
            "the path is:" => {
                let text = docstring.ok_or_else(|| StepError("this step needs a doc string of hashes".into()))?;
                E::Path(text.split_whitespace().map(hash).collect::<Result<_, _>>()?)
            }
            _ => {
                if let Some(&[r]) =
                    captures(re!(format!("the parity half of row {UINT} extends its original half")), text).as_deref()
                {
                    E::RowParityExtends(index(r)?)
                } else if let Some(&[w, w2]) =
                    captures(re!(format!("the extended square is {UINT}{BY}{UINT}")), text).as_deref()
                {
                    if w != w2 {
                        return Err(StepError("a square is as wide as it is tall".into()));
                    }
                    E::Width(index(w)?)
                } else if let Some(&[h]) = captures(re!(format!("the data root is {HASH}")), text).as_deref() {
                    E::DataRoot(hash(h)?)
                } else if let Some(&[line, i, h]) =
                    captures(re!(format!("(row|column) root {UINT} is {HASH}")), text).as_deref()
                {
                    E::Root(axis(line), index(i)?, hash(h)?)
                } else if let Some(&[n]) = captures(re!(format!("the proof has {UINT} hash(?:es)?")), text).as_deref() {
                    E::PathLength(index(n)?)
                } else if let Some(&[code]) = captures(re!("the proof is rejected as ([a-z_]+)"), text).as_deref() {
                    let code = ShareProofErrorCode::ALL.into_iter().find(|c| c.name() == code).ok_or_else(|| {
                        StepError(format!("`{code}` is not a share-proof error code (das.md DAS-5.2)"))
                    })?;
                    E::ProofRejected(code)
                } else if let Some(&[m, r, c]) = captures(
                    re!(format!(
                        "repair fails as unrecoverable with {UINT} shares? missing in {UINT} rows? and {UINT} columns?"
                    )),
                    text,
                )
                .as_deref()
                {
                    E::Unrecoverable(uint(m)?, uint(r)?, uint(c)?)
                } else if let Some(&[line, i]) =
                    captures(re!(format!("repair fails with bad encoding of (row|column) {UINT}")), text).as_deref()
                {
                    E::BadEncoding(axis(line), uint(i)?)
                } else if let Some(&[fraud]) =
                    captures(re!("the fraud proof is accepted as ([a-z_]+)"), text).as_deref()
                {
                    let fraud = [FraudCode::NotACodeword, FraudCode::RootMismatch]
                        .into_iter()
                        .find(|f| f.name() == fraud)
                        .ok_or_else(|| StepError(format!("`{fraud}` is not a fraud (das.md DAS-7.2)")))?;
                    E::FraudAccepted(fraud)
                } else if let Some(&[code]) = captures(re!("the fraud proof is rejected as ([a-z_]+)"), text).as_deref()
                {
                    let code = FraudErrorCode::ALL.into_iter().find(|c| c.name() == code).ok_or_else(|| {
                        StepError(format!("`{code}` is not a fraud-proof error code (das.md DAS-7.2)"))
                    })?;
                    E::FraudRejected(code)
                } else if let Some(&[list]) =
                    captures(re!(r"the samples are ((?:\([0-9]+, ?[0-9]+\) ?)+)"), text).as_deref()
                {
                    let pairs = list
                        .split(')')
                        .map(|p| p.trim().trim_start_matches('('))
                        .filter(|p| !p.is_empty())
                        .map(|p| {
                            let (r, c) = p.split_once(',').ok_or_else(|| StepError(format!("`{p}` is not (R, C)")))?;
                            Ok((uint(r.trim())?, uint(c.trim())?))
                        })
                        .collect::<Result<_, StepError>>()?;
                    E::Samples(pairs)
                } else if let Some(&[p]) = captures(re!(r"the probability is at least ([0-9.]+)"), text).as_deref() {
                    E::ProbabilityAtLeast(p.parse().map_err(|_| StepError(format!("`{p}` is not a number")))?)
                } else if let Some(&[p]) = captures(re!(r"the probability rounds to (0\.[0-9]+|1)"), text).as_deref() {
                    E::ProbabilityRoundsTo(p.to_owned())
                } else {
                    return Err(unknown("Then", text));
                }
            }
        })
    }
}

impl SuiteScenario for DasScenario {
    const SUITE: &'static str = "das";
    type Vector = DasVector;
    type Result = DasResult;
    type Expectation = Expectation;

    fn expectations(&self) -> &[Expectation] {
        &self.expectations
    }

    /// A client's probability within the tolerance counts as the expected one (VEC-7.6).
    fn check(expectation: &Expectation, vector: &DasVector, result: &DasResult) -> Result<(), StepError> {
        expectation.check(vector, &vector.comparable(result))
    }

    fn expected(vector: &DasVector) -> DasResult {
        vector.expected()
    }

    fn case(vector: DasVector) -> Case {
        Case::Das(vector)
    }

    fn result_of(result: CaseResult) -> Option<DasResult> {
        match result {
            CaseResult::Das(result) => Some(result),
            _ => None,
        }
    }

    fn vector(
        &self,
        name: &str,
        description: &str,
        tags: &[String],
        provenance: Provenance,
    ) -> Result<DasVector, StepError> {
        let ask = self.ask.as_ref().ok_or_else(|| StepError("the scenario has no When step".into()))?;
        let handler = match ask {
            Ask::Extend => "extension",
            Ask::Prove(..) | Ask::Verify(..) => "share_proof",
            Ask::Repair => "repair",
            Ask::Fraud { .. } => "fraud_proof",
            Ask::Sample(..) | Ask::Probability(_) => "sampling",
        };
        let id = CaseId::new("das", handler, name).map_err(invalid)?;
        macro_rules! case {
            ($variant:ident, $config:expr, $post:expr) => {
                DasVector::$variant(DasCase::new(
                    &id,
                    description.to_owned(),
                    tags.to_vec(),
                    provenance,
                    $config,
                    $post,
                ))
            };
        }
        let square = self.square()?.clone();
        let draw = u64::from(keccak256(description.as_bytes()).0[0]);
        let vector = match ask {
            Ask::Extend => {
                let config = ExtensionConfig { square };
                config.check().map_err(invalid)?;
                let post = reference::extension(&config).map_err(refused)?;
                case!(Extension, config, post)
            }
            Ask::Prove(row, col, axis) => {
                let config = ShareProofConfig::Prove { square, row: Uint(*row), col: Uint(*col), axis: *axis };
                config.check().map_err(invalid)?;
                let post = reference::share_proof(&config).map_err(refused)?;
                case!(ShareProof, config, post)
            }
            Ask::Verify(row, col, axis, kind) => {
                // The same limits a prove case has, before the reference runs anything.
                ShareProofConfig::Prove { square: square.clone(), row: Uint(*row), col: Uint(*col), axis: *axis }
                    .check()
                    .map_err(invalid)?;
                let eds = reference::producer_square(&square, &self.corrupt).map_err(refused)?;
                let (dah, (r, c, share, proof)) = match kind {
                    None => {
                        let (ru, cu) = (*row as usize, *col as usize);
                        let share = eds.share(ru, cu).map(<[u8]>::to_vec).unwrap_or_default();
                        let path = eds.share_proof(ru, cu, axis.axis()).map(|p| p.path).unwrap_or_default();
                        let proof = ProofSpec { axis: *axis, path: path.into_iter().map(HashHex).collect() };
                        (DahSpec::of(&eds.dah()), (*row, *col, share, proof))
                    }
                    Some(kind) => {
                        let (_, dah, claim) =
                            crate::vectors::gen_das::tamper_share(kind, draw, &eds, &square, (*row, *col), draw)
                                .map_err(invalid)?;
                        (dah, claim)
                    }
                };
                let share_size = square.share_size;
                let config =
                    ShareProofConfig::Verify { dah, share_size, row: Uint(r), col: Uint(c), share: Hex(share), proof };
                config.check().map_err(invalid)?;
                let post = reference::share_proof(&config).map_err(refused)?;
                case!(ShareProof, config, post)
            }
            Ask::Repair => {
                let present = self
                    .present
                    .clone()
                    .ok_or_else(|| StepError("the scenario never says which shares the node holds".into()))?;
                let config = RepairConfig { square, corrupt: self.corrupt.clone(), present };
                config.check().map_err(invalid)?;
                let post = reference::repair(&config).map_err(refused)?;
                case!(Repair, config, post)
            }
            Ask::Fraud { axis, index, all, tamper } => {
                square.check().map_err(invalid)?;
                let eds = reference::producer_square(&square, &self.corrupt).map_err(refused)?;
                let line = usize::try_from(*index).unwrap_or(usize::MAX);
                let mut proof = BadEncodingProof::for_line(&eds, axis.axis(), line)
                    .ok_or_else(|| StepError(format!("there is no {} {index}", axis.name())))?;
                if *all {
                    for (p, slot) in proof.shares.iter_mut().enumerate() {
                        let (r, c) = axis.axis().cell(line, p);
                        let share = eds.share(r, c).map(<[u8]>::to_vec).unwrap_or_default();
                        *slot = eds.share_proof(r, c, axis.axis()).map(|proof| ::das::ShareWithProof { share, proof });
                    }
                }
                let source = FraudSource { square: square.clone(), corrupt: self.corrupt.clone() };
                let (dah, share_size, bytes) = match tamper {
                    None => (DahSpec::of(&eds.dah()), square.share_size.0, proof.to_bytes()),
                    Some(kind) => {
                        let (_, dah, share_size, bytes) =
                            crate::vectors::gen_das::tamper_fraud(kind, draw, &eds, &proof, draw).map_err(invalid)?;
                        (dah, share_size, bytes)
                    }
                };
                let config =
                    FraudProofConfig { dah, share_size: Uint(share_size), proof: Hex(bytes), source: Some(source) };
                config.check().map_err(invalid)?;
                let post = reference::fraud_proof(&config);
                case!(FraudProof, config, post)
            }
            Ask::Sample(samples, seed) => {
                let config = SamplingConfig::Coordinates {
                    seed: Uint(*seed),
                    width: Uint(square.width()),
                    samples: Uint(*samples),
                };
                config.check().map_err(invalid)?;
                let post = reference::sampling(&config).map_err(refused)?;
                case!(Sampling, config, post)
            }
            Ask::Probability(samples) => {
                let withheld = self.present.as_ref().map_or(0, |m| m.0.iter().flatten().filter(|&&p| !p).count());
                let config = SamplingConfig::Probability {
                    k: square.k,
                    withheld: Uint(withheld as u64),
                    samples: Uint(*samples),
                };
                config.check().map_err(invalid)?;
                let post = reference::sampling(&config).map_err(refused)?;
                case!(Sampling, config, post)
            }
        };
        Ok(vector)
    }
}

/// Checks `K×K` and builds the square.
fn square_of(
    k: &str,
    k2: &str,
    size: &str,
    build: impl FnOnce(u64, u64) -> Result<SquareSpec, StepError>,
) -> Result<SquareSpec, StepError> {
    if k != k2 {
        return Err(StepError(format!("a square is as wide as it is tall, not {k}×{k2}")));
    }
    let (k, size) = (uint(k)?, uint(size)?);
    // Before anything is allocated for the shares.
    ::das::check_dimensions(usize::try_from(k).unwrap_or(usize::MAX), usize::try_from(size).unwrap_or(usize::MAX))
        .map_err(|e| StepError(e.to_string()))?;
    build(k, size)
}

/// The listed extended square of an extension result, as `(width, shares[row][col])`.
fn listed(post: &ExtensionPost) -> Result<&[Vec<Hex>], StepError> {
    post.eds.as_deref().ok_or_else(|| StepError("the result lists no shares (only for k ≤ 4)".into()))
}

fn line_root(shares: &[&[u8]]) -> Hash32 {
    merkle::root(shares)
}

impl Expectation {
    /// Checks the expectation against a result for `case`; the error says what was found.
    pub fn check(&self, case: &DasVector, result: &DasResult) -> Result<(), StepError> {
        use Expectation as E;
        let fail = |what: String| Err(StepError(what));
        let extension = || match result {
            DasResult::Extension(r) => Ok(&r.post),
            _ => Err(StepError("this expectation is about an extension; say `When it is extended`".into())),
        };
        let share_proof = || match result {
            DasResult::ShareProof(r) => Ok(&r.post),
            _ => Err(StepError("this expectation is about a share proof".into())),
        };
        let repair = || match result {
            DasResult::Repair(r) => Ok(&r.post),
            _ => Err(StepError("this expectation is about repair; say `When the node repairs the square`".into())),
        };
        let fraud = || match result {
            DasResult::FraudProof(r) => Ok(&r.post),
            _ => Err(StepError("this expectation is about a fraud proof".into())),
        };
        let coordinates = || match result {
            DasResult::Sampling(r) => match &r.post {
                SamplingPost::Coordinates(c) => Ok(c),
                SamplingPost::Probability(_) => Err(StepError("this expectation is about samples drawn".into())),
            },
            _ => Err(StepError("this expectation is about samples; say `When a light client draws …`".into())),
        };
        let probability = || match result {
            DasResult::Sampling(r) => match &r.post {
                SamplingPost::Probability(p) => Ok(*p),
                SamplingPost::Coordinates(_) => Err(StepError("this expectation is about a probability".into())),
            },
            _ => Err(StepError("this expectation is about a probability".into())),
        };
        let square = || match case {
            DasVector::Extension(v) => Ok(&v.config.square),
            DasVector::Repair(v) => Ok(&v.config.square),
            _ => Err(StepError("this expectation is about a square".into())),
        };
        match self {
            E::SharesFilledWith(bytes) => {
                let eds = listed(extension()?)?;
                let got: Vec<Vec<Option<u8>>> = eds
                    .iter()
                    .map(|row| {
                        row.iter().map(|s| s.0.first().copied().filter(|b| s.0.iter().all(|x| x == b))).collect()
                    })
                    .collect();
                let want: Vec<Vec<Option<u8>>> =
                    bytes.iter().map(|row| row.iter().map(|&b| Some(b)).collect()).collect();
                if got != want {
                    return fail(format!(
                        "expected shares of the bytes {want:?}, got {got:?} (None: not one byte repeated)"
                    ));
                }
            }
            E::IsCelestias => {
                let post = extension()?;
                let want = keccak256(CELESTIA_EDS_K4);
                if post.eds_keccak.0 != want {
                    return fail(format!("expected eds_keccak {want} (Celestia's square), got {}", post.eds_keccak));
                }
                let shares: Vec<u8> = listed(post)?.iter().flatten().flat_map(|s| s.0.iter().copied()).collect();
                if shares != CELESTIA_EDS_K4 {
                    return fail("the listed shares are not Celestia's published square".into());
                }
            }
            E::OriginalUnchanged => {
                let eds = listed(extension()?)?;
                let ods = reference::ods(square()?).map_err(|e| StepError(e.to_string()))?;
                for r in 0..ods.width() {
                    for c in 0..ods.width() {
                        let got = eds.get(r).and_then(|row| row.get(c)).map(|s| s.0.as_slice());
                        if got != ods.share(r, c) {
                            return fail(format!("share ({r}, {c}) of the extended square is not the original's"));
                        }
                    }
                }
            }
            E::RowParityExtends(r) => {
                let eds = listed(extension()?)?;
                let row = eds.get(*r).ok_or_else(|| StepError(format!("there is no row {r}")))?;
                check_codeword(row, &format!("row {r}"))?;
            }
            E::AllCodewords => {
                let eds = listed(extension()?)?;
                for (r, row) in eds.iter().enumerate() {
                    check_codeword(row, &format!("row {r}"))?;
                }
                for c in 0..eds.len() {
                    let column: Vec<Hex> = eds.iter().filter_map(|row| row.get(c).cloned()).collect();
                    check_codeword(&column, &format!("column {c}"))?;
                }
            }
            E::Width(w) => {
                let post = extension()?;
                if post.row_roots.len() != *w || post.col_roots.len() != *w {
                    return fail(format!(
                        "expected {w} row and column roots, got {} and {}",
                        post.row_roots.len(),
                        post.col_roots.len()
                    ));
                }
            }
            E::RootsOfLines(axis) => {
                let post = extension()?;
                let eds = listed(post)?;
                let roots = if *axis == AxisCode::Row { &post.row_roots } else { &post.col_roots };
                for (i, root) in roots.iter().enumerate() {
                    let line: Vec<&[u8]> = match axis {
                        AxisCode::Row => {
                            eds.get(i).map(|row| row.iter().map(|s| s.0.as_slice()).collect()).unwrap_or_default()
                        }
                        AxisCode::Col => eds.iter().filter_map(|row| row.get(i)).map(|s| s.0.as_slice()).collect(),
                    };
                    if line_root(&line) != root.0 {
                        return fail(format!("{} root {i} is not the Merkle root of its shares", axis.name()));
                    }
                }
            }
            E::DataRootOfRoots => {
                let post = extension()?;
                let roots: Vec<&[u8]> =
                    post.row_roots.iter().chain(&post.col_roots).map(|h| h.0.0.as_slice()).collect();
                let want = merkle::root(&roots);
                if post.data_root.0 != want {
                    return fail(format!("expected the data root {want} over the roots, got {}", post.data_root));
                }
            }
            E::DataRoot(want) => {
                let got = extension()?.data_root.0;
                if got != *want {
                    return fail(format!("expected data root {want}, got {got}"));
                }
            }
            E::Root(axis, i, want) => {
                let post = extension()?;
                let roots = if *axis == AxisCode::Row { &post.row_roots } else { &post.col_roots };
                match roots.get(*i) {
                    Some(got) if got.0 == *want => {}
                    got => return fail(format!("expected {} root {i} {want}, got {got:?}", axis.name())),
                }
            }
            E::Path(want) => match share_proof()? {
                ShareProofPost::Proven { path, .. } if path.iter().map(|h| h.0).eq(want.iter().copied()) => {}
                other => return fail(format!("expected the path {want:?}, got {other:?}")),
            },
            E::PathLength(n) => match share_proof()? {
                ShareProofPost::Proven { path, .. } if path.len() == *n => {}
                other => return fail(format!("expected a path of {n} hashes, got {other:?}")),
            },
            E::ProofAccepted => {
                if *share_proof()? != ShareProofPost::Valid {
                    return fail(format!("expected the proof to be accepted, got {:?}", share_proof()?));
                }
            }
            E::ProofRejected(code) => match share_proof()? {
                ShareProofPost::Invalid { code: got } if got == code => {}
                other => return fail(format!("expected the proof to be rejected as {}, got {other:?}", code.name())),
            },
            E::Repaired => match repair()? {
                RepairPost::Ok(repaired) => {
                    let DasVector::Repair(v) = case else { return fail("not a repair case".into()) };
                    let eds = reference::producer_square(&v.config.square, &v.config.corrupt)
                        .map_err(|e| StepError(e.to_string()))?;
                    let want = keccak256(eds.as_bytes());
                    if repaired.eds_keccak.0 != want {
                        return fail(format!("expected the producer's square ({want}), got {}", repaired.eds_keccak));
                    }
                }
                other => return fail(format!("expected the square to be repaired, got {other:?}")),
            },
            E::Unrecoverable(m, r, c) => match repair()? {
                RepairPost::Error(RepairFailure::Unrecoverable { missing, rows, cols })
                    if (missing.0, rows.0, cols.0) == (*m, *r, *c) => {}
                other => {
                    return fail(format!(
                        "expected unrecoverable with {m} missing in {r} rows and {c} columns, got {other:?}"
                    ));
                }
            },
            E::BadEncoding(axis, i) => match repair()? {
                RepairPost::Error(RepairFailure::BadEncoding { axis: got_axis, index })
                    if (got_axis, index.0) == (axis, *i) => {}
                other => return fail(format!("expected bad encoding of {} {i}, got {other:?}", axis.name())),
            },
            E::FraudAccepted(want) => match fraud()? {
                FraudProofPost::Ok(shown) if shown.fraud == *want => {}
                other => {
                    return fail(format!("expected the fraud proof to be accepted as {}, got {other:?}", want.name()));
                }
            },
            E::FraudRejected(want) => match fraud()? {
                FraudProofPost::Error(rejected) if rejected.code == *want => {}
                other => {
                    return fail(format!("expected the fraud proof to be rejected as {}, got {other:?}", want.name()));
                }
            },
            E::SamplesDistinct => {
                let samples = coordinates()?;
                let DasVector::Sampling(v) = case else { return fail("not a sampling case".into()) };
                let SamplingConfig::Coordinates { width, samples: asked, .. } = v.config else {
                    return fail("not a coordinates case".into());
                };
                let distinct: std::collections::BTreeSet<(u64, u64)> =
                    samples.iter().map(|[r, c]| (r.0, c.0)).collect();
                let want = asked.0.min(width.0.saturating_mul(width.0));
                if distinct.len() != samples.len() || samples.len() as u64 != want {
                    return fail(format!(
                        "expected {want} distinct samples, got {} ({} distinct)",
                        samples.len(),
                        distinct.len()
                    ));
                }
                if let Some([r, c]) = samples.iter().find(|[r, c]| r.0 >= width.0 || c.0 >= width.0) {
                    return fail(format!("sample ({r}, {c}) is outside the {width}×{width} square"));
                }
            }
            E::Samples(want) => {
                let got: Vec<(u64, u64)> = coordinates()?.iter().map(|[r, c]| (r.0, c.0)).collect();
                if got != *want {
                    return fail(format!("expected the samples {want:?}, got {got:?}"));
                }
            }
            E::Detects(mask, detects) => {
                let samples = coordinates()?;
                let hit = samples.iter().any(|[r, c]| {
                    let (r, c) =
                        (usize::try_from(r.0).unwrap_or(usize::MAX), usize::try_from(c.0).unwrap_or(usize::MAX));
                    r < mask.0.len() && c < mask.0.len() && !mask.present(r, c)
                });
                if hit != *detects {
                    let how = if *detects { "some sample to fall" } else { "no sample to fall" };
                    return fail(format!("expected {how} on a withheld share, got the samples {samples:?}"));
                }
            }
            E::ProbabilityAtLeast(p) => {
                let got = probability()?;
                if got.0 < *p {
                    return fail(format!("expected a probability of at least {p}, got {got}"));
                }
            }
            E::ProbabilityRoundsTo(digits) => {
                let got = probability()?;
                let decimals = digits.split_once('.').map_or(0, |(_, d)| d.len());
                let rounded = format!("{:.*}", decimals, got.0);
                if rounded != *digits {
                    return fail(format!("expected a probability that rounds to {digits}, got {got} ({rounded})"));
                }
            }
        }
        Ok(())
    }
}

/// Checks that a line of listed shares is a codeword: its parity half is the extension of its
/// original half (DAS-3.1), with the das codec.
fn check_codeword(line: &[Hex], what: &str) -> Result<(), StepError> {
    let w = line.len();
    let k = w / 2;
    let size = line.first().map_or(0, |s| s.0.len());
    if w < 2 || !w.is_multiple_of(2) || line.iter().any(|s| s.0.len() != size) {
        return Err(StepError(format!("{what} does not have an even number of equal-sized shares")));
    }
    let mut codec = Codec::new(k, size).map_err(|e| StepError(format!("{what}: {e}")))?;
    let mut full: Vec<Vec<u8>> = line.iter().map(|s| s.0.clone()).collect();
    for shard in full.iter_mut().skip(k) {
        shard.iter_mut().for_each(|b| *b = 0);
    }
    let mut refs: Vec<&mut [u8]> = full.iter_mut().map(Vec::as_mut_slice).collect();
    codec.encode(&mut refs).map_err(|e| StepError(format!("{what}: {e}")))?;
    if let Some(p) = full.iter().zip(line).position(|(want, got)| *want != got.0) {
        return Err(StepError(format!(
            "{what} is not a codeword: its share at position {p} is not the extension of its original half"
        )));
    }
    Ok(())
}
