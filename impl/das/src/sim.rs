//! A seeded simulation of sampling and custody (DAS-8, DAS-9): a producer that withholds
//! shares, full nodes that keep some rows and columns, light clients that sample; how many
//! light clients notice, next to the closed form, and whether the network can rebuild the
//! square from what its honest members hold.
//!
//! The run has three phases, all derived from [`SimConfig::seed`]:
//!
//! 1. **Production.** The producer fills a `k×k` square with splitmix64 bytes, extends it,
//!    publishes the header, and then serves every share except a withheld set chosen by a
//!    [`Withholding`] strategy.
//! 2. **Dissemination and sampling.** Each of the `n_nodes` full nodes downloads the rows and
//!    columns of its custody ([`custody::assign`]) from the producer, with proofs; withheld
//!    shares never arrive. Each light client draws its samples ([`LightClient::sample`])
//!    against the producer and detects withholding if any sample fails to verify.
//! 3. **Reconstruction.** `n_offline` full nodes drop out; the rest pool what they hold,
//!    proofs checked, into a [`PartialSquare`] and repair it against the header: once from
//!    custody alone, once together with every share the light clients sampled.
//!
//! Sampling draws are prefix-stable ([`crate::sampling::sample_coordinates`]): a client with
//! `s` samples asks for the first `s` cells of the sequence its seed draws. So each client
//! samples once, at the largest `s`, and its first failing position answers every `s` at
//! once. Nothing is re-extended or re-hashed per client: the producer keeps its line trees and
//! cuts proofs from them.
//!
//! Seeds: every random choice draws from its own stream, started at
//! `splitmix64(seed ⊕ domain)` with an 8-byte ASCII domain read little-endian: `das-data`
//! (the square's bytes), `withhold` (the withheld set), `custody\0` (the seed handed to
//! [`custody::assign`]), `offline\0` (which nodes drop out), `light\0\0\0` (one seed per light
//! client, drawn in client order). Subsets are drawn by a partial Fisher–Yates shuffle, index
//! `i + splitmix64 mod (n − i)`.

use primitives::merkle::MerkleTree;
use primitives::{Hash32, keccak256, splitmix64};

use crate::custody::{self, Custody};
use crate::fraud::ShareWithProof;
use crate::repair::{PartialSquare, RepairError};
use crate::sampling::{LightClient, LightClientError, SampleOutcome, detection_probability, min_withheld};
use crate::square::{Axis, Dah, DataSquare, ExtendedSquare, ShareProof, SquareError};

/// The widest original square a simulation builds (`k`); wider squares take too long to be
/// useful interactively.
pub const MAX_SIM_K: usize = 128;

/// The most full nodes.
pub const MAX_NODES: usize = 100_000;

/// The most light clients.
pub const MAX_LIGHT_CLIENTS: usize = 1_000_000;

/// The most samples drawn in one run: light clients × the largest sample count.
pub const MAX_SAMPLE_DRAWS: u64 = 5_000_000;

/// The most shares visited to tally custody: nodes × custody lines × width.
pub const MAX_CUSTODY_WORK: u64 = 500_000_000;

/// The two-sided 95 % normal quantile.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// How far, in standard errors, a measured detection rate may stray from the closed form
/// before [`SimReport::problems`] calls it a contradiction. At 5σ a correct implementation
/// trips it with probability below 10⁻⁶ per sample count.
pub const Z_CONTRADICTION: f64 = 5.0;

/// Which shares the producer withholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Withholding {
    /// None: the square is available.
    None,
    /// The intersection of `k + 1` seeded rows and `k + 1` seeded columns: `(k + 1)²` shares,
    /// the fewest that make the square unrecoverable ([`min_withheld`]).
    Minimal,
    /// This many seeded distinct shares.
    Random(usize),
    /// This fraction of the `4k²` shares (rounded to the nearest count), seeded.
    Fraction(f64),
    /// Every share of this many seeded rows.
    Rows(usize),
    /// The original data, quadrant Q0: `k²` shares, recoverable from the parity quadrants.
    Quadrant,
}

/// Why a withholding strategy does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a withholding strategy: {reason}; use none, minimal, quadrant, random:COUNT, fraction:F or rows:N"
)]
pub struct ParseWithholdingError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl std::str::FromStr for Withholding {
    type Err = ParseWithholdingError;

    fn from_str(text: &str) -> Result<Withholding, ParseWithholdingError> {
        let bad = |reason: &str| ParseWithholdingError { text: text.to_owned(), reason: reason.to_owned() };
        let count = |n: &str| n.parse::<usize>().map_err(|_| bad("the count must be a whole number"));
        match text.split_once(':') {
            None => match text {
                "none" => Ok(Withholding::None),
                "minimal" => Ok(Withholding::Minimal),
                "quadrant" => Ok(Withholding::Quadrant),
                _ => Err(bad("unknown strategy")),
            },
            Some(("random", n)) => Ok(Withholding::Random(count(n)?)),
            Some(("rows", n)) => Ok(Withholding::Rows(count(n)?)),
            Some(("fraction", f)) => match f.parse::<f64>() {
                Ok(f) if (0.0..=1.0).contains(&f) => Ok(Withholding::Fraction(f)),
                _ => Err(bad("the fraction must be a number from 0 to 1")),
            },
            Some(_) => Err(bad("unknown strategy")),
        }
    }
}

impl std::fmt::Display for Withholding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Withholding::None => f.write_str("none"),
            Withholding::Minimal => f.write_str("minimal"),
            Withholding::Random(n) => write!(f, "random:{n}"),
            Withholding::Fraction(x) => write!(f, "fraction:{x}"),
            Withholding::Rows(n) => write!(f, "rows:{n}"),
            Withholding::Quadrant => f.write_str("quadrant"),
        }
    }
}

/// Everything a run depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// The original square's width.
    pub k: usize,
    /// Bytes per share.
    pub share_size: usize,
    /// Full nodes.
    pub n_nodes: usize,
    /// Rows each full node keeps.
    pub custody_rows: usize,
    /// Columns each full node keeps.
    pub custody_cols: usize,
    /// Full nodes that drop out before reconstruction (chosen from the seed).
    pub n_offline: usize,
    /// Light clients.
    pub n_light_clients: usize,
    /// The sample counts to measure detection at, each from 1 to `4k²`.
    pub samples: Vec<usize>,
    /// What the producer withholds.
    pub withholding: Withholding,
    /// The seed every choice is drawn from.
    pub seed: u64,
}

/// Why a configuration cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// `k` or the share size is not valid.
    #[error(transparent)]
    Square(#[from] SquareError),
    /// `k` is above [`MAX_SIM_K`].
    #[error("k = {k} is above the simulator's limit of {max}")]
    TooWide {
        /// The `k` given.
        k: usize,
        /// [`MAX_SIM_K`].
        max: usize,
    },
    /// More custody lines than the square has.
    #[error("a node cannot keep {got} {axis}s of a square {width} wide")]
    CustodyTooWide {
        /// `rows` or `columns`.
        axis: &'static str,
        /// The count given.
        got: usize,
        /// The square's width `2k`.
        width: usize,
    },
    /// More nodes offline than there are nodes.
    #[error("{offline} nodes cannot be offline out of {nodes}")]
    TooManyOffline {
        /// Offline nodes asked for.
        offline: usize,
        /// Full nodes.
        nodes: usize,
    },
    /// A count is above its limit.
    #[error("{what} = {got} is above the limit of {max}")]
    Limit {
        /// What was counted.
        what: &'static str,
        /// The count given.
        got: u64,
        /// The limit.
        max: u64,
    },
    /// No light clients, or no sample counts.
    #[error("at least one {0} is needed to measure detection")]
    Empty(&'static str),
    /// A sample count outside `1..=4k²`.
    #[error("{got} samples: a light client draws from 1 to {max} distinct samples of this square")]
    SampleCount {
        /// The count given.
        got: usize,
        /// `4k²`.
        max: usize,
    },
    /// The strategy does not fit the square.
    #[error("withholding {strategy} does not fit a {width}×{width} square: {reason}")]
    Withholding {
        /// The strategy.
        strategy: Withholding,
        /// The square's width.
        width: usize,
        /// What does not fit.
        reason: String,
    },
    /// The producer's own header was refused: a bug in orsma.
    #[error("the producer's header is refused by a light client: {0}")]
    Header(#[from] LightClientError),
}

impl SimConfig {
    /// Checks every field against the square and the limits.
    pub fn validate(&self) -> Result<(), SimError> {
        crate::square::check_dimensions(self.k, self.share_size)?;
        if self.k > MAX_SIM_K {
            return Err(SimError::TooWide { k: self.k, max: MAX_SIM_K });
        }
        let width = 2 * self.k;
        let cells = width * width;
        for (axis, got) in [("row", self.custody_rows), ("column", self.custody_cols)] {
            if got > width {
                return Err(SimError::CustodyTooWide { axis, got, width });
            }
        }
        if self.n_offline > self.n_nodes {
            return Err(SimError::TooManyOffline { offline: self.n_offline, nodes: self.n_nodes });
        }
        let limit = |what, got: u64, max: u64| if got > max { Err(SimError::Limit { what, got, max }) } else { Ok(()) };
        limit("nodes", self.n_nodes as u64, MAX_NODES as u64)?;
        limit("light clients", self.n_light_clients as u64, MAX_LIGHT_CLIENTS as u64)?;
        if self.n_light_clients == 0 {
            return Err(SimError::Empty("light client"));
        }
        let Some(&s_max) = self.samples.iter().max() else {
            return Err(SimError::Empty("sample count"));
        };
        if let Some(&got) = self.samples.iter().find(|&&s| s == 0 || s > cells) {
            return Err(SimError::SampleCount { got, max: cells });
        }
        limit("light clients × samples", self.n_light_clients as u64 * s_max as u64, MAX_SAMPLE_DRAWS)?;
        let custody_work = self.n_nodes as u64 * (self.custody_rows + self.custody_cols) as u64 * width as u64;
        limit("nodes × custody lines × width", custody_work, MAX_CUSTODY_WORK)?;
        let misfit = |reason: String| SimError::Withholding { strategy: self.withholding, width, reason };
        match self.withholding {
            Withholding::Random(n) if n > cells => Err(misfit(format!("it has only {cells} shares"))),
            Withholding::Rows(n) if n > width => Err(misfit(format!("it has only {width} rows"))),
            Withholding::Fraction(f) if !(0.0..=1.0).contains(&f) => Err(misfit("a fraction is from 0 to 1".into())),
            _ => Ok(()),
        }
    }
}

/// The `8`-byte domains of the seed streams (see the module documentation).
const DOMAIN_DATA: &[u8; 8] = b"das-data";
const DOMAIN_WITHHOLD: &[u8; 8] = b"withhold";
const DOMAIN_CUSTODY: &[u8; 8] = b"custody\0";
const DOMAIN_OFFLINE: &[u8; 8] = b"offline\0";
const DOMAIN_LIGHT: &[u8; 8] = b"light\0\0\0";

/// The start of the stream for `domain`: `splitmix64(seed ⊕ domain)`.
fn stream(seed: u64, domain: &[u8; 8]) -> u64 {
    let mut state = seed ^ u64::from_le_bytes(*domain);
    splitmix64(&mut state)
}

/// `count` distinct indices below `n`, by a partial Fisher–Yates shuffle driven by `state`.
fn choose(state: &mut u64, n: usize, count: usize) -> Vec<usize> {
    let count = count.min(n);
    let mut order: Vec<usize> = (0..n).collect();
    for i in 0..count {
        let j = i + (splitmix64(state) % (n - i) as u64) as usize;
        order.swap(i, j);
    }
    order.truncate(count);
    order
}

/// A prepared run: the producer's square and header, its line trees, the withheld set, every
/// node's custody and who drops out. [`Sim::run`] plays the sampling and reconstruction.
#[derive(Debug)]
pub struct Sim {
    config: SimConfig,
    eds: ExtendedSquare,
    dah: Dah,
    data_root: Hash32,
    row_trees: Vec<MerkleTree>,
    col_trees: Vec<MerkleTree>,
    withheld: Vec<bool>,
    custody: Vec<Custody>,
    offline: Vec<bool>,
    light_client: LightClient,
}

impl Sim {
    /// Produces the square and draws every choice from the seed.
    pub fn new(config: SimConfig) -> Result<Sim, SimError> {
        config.validate()?;
        let (k, share_size, seed) = (config.k, config.share_size, config.seed);
        let w = 2 * k;

        let bytes = primitives::splitmix64_bytes(stream(seed, DOMAIN_DATA), k * k * share_size);
        let eds = DataSquare::new(k, share_size, bytes)?.extend()?;

        // One tree per line, kept, so that every proof the producer serves is cut from it.
        let leaves = eds.leaf_hashes();
        let row_trees: Vec<MerkleTree> =
            leaves.chunks_exact(w).map(|row| MerkleTree::from_leaf_hashes(row.to_vec())).collect();
        let col_trees: Vec<MerkleTree> =
            (0..w).map(|c| MerkleTree::from_leaf_hashes(leaves.iter().skip(c).step_by(w).copied().collect())).collect();
        let dah = Dah {
            row_roots: row_trees.iter().map(MerkleTree::root).collect(),
            col_roots: col_trees.iter().map(MerkleTree::root).collect(),
        };
        let data_root = dah.data_root();

        let withheld = withheld_set(&config, &mut stream(seed, DOMAIN_WITHHOLD));
        let custody_seed = stream(seed, DOMAIN_CUSTODY);
        let custody = (0..config.n_nodes as u64)
            .map(|n| custody::assign(custody_seed, n, w, config.custody_rows, config.custody_cols))
            .collect();
        let mut offline = vec![false; config.n_nodes];
        for n in choose(&mut stream(seed, DOMAIN_OFFLINE), config.n_nodes, config.n_offline) {
            offline[n] = true;
        }
        let light_client = LightClient::new(&data_root, dah.clone(), share_size)?;
        Ok(Sim { config, eds, dah, data_root, row_trees, col_trees, withheld, custody, offline, light_client })
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The producer's extended square, withheld shares included.
    pub fn square(&self) -> &ExtendedSquare {
        &self.eds
    }

    /// The published header.
    pub fn header(&self) -> &Dah {
        &self.dah
    }

    /// The published data root.
    pub fn data_root(&self) -> Hash32 {
        self.data_root
    }

    /// Whether the producer withholds share `(row, col)`.
    pub fn is_withheld(&self, row: usize, col: usize) -> bool {
        let w = self.eds.width();
        row < w && col < w && self.withheld[row * w + col]
    }

    /// How many shares the producer withholds.
    pub fn n_withheld(&self) -> usize {
        self.withheld.iter().filter(|&&w| w).count()
    }

    /// The custody of node `node`.
    pub fn custody(&self, node: usize) -> Option<&Custody> {
        self.custody.get(node)
    }

    /// Whether node `node` drops out before reconstruction.
    pub fn is_offline(&self, node: usize) -> bool {
        self.offline.get(node).copied().unwrap_or(false)
    }

    /// The seed light client `client` samples with.
    pub fn light_client_seed(&self, client: usize) -> u64 {
        let mut state = stream(self.config.seed, DOMAIN_LIGHT);
        (0..client).for_each(|_| {
            splitmix64(&mut state);
        });
        splitmix64(&mut state)
    }

    /// The producer's answer to a request for `(row, col)`: the share and its proof against
    /// the line of `axis`, or nothing if it is withheld or outside the square.
    pub fn serve(&self, row: usize, col: usize, axis: Axis) -> Option<ShareWithProof> {
        if self.is_withheld(row, col) {
            return None;
        }
        let share = self.eds.share(row, col)?.to_vec();
        let path = match axis {
            Axis::Row => self.row_trees.get(row)?.proof(col as u64)?.path,
            Axis::Col => self.col_trees.get(col)?.proof(row as u64)?.path,
        };
        Some(ShareWithProof { share, proof: ShareProof { axis, path } })
    }

    /// Plays sampling and reconstruction. `progress` is told how many light clients have
    /// sampled, after each one.
    pub fn run(&self, mut progress: impl FnMut(usize)) -> SimReport {
        let config = &self.config;
        let (k, w) = (config.k, self.eds.width());
        let s_max = config.samples.iter().copied().max().unwrap_or(0);

        // Light clients: one draw of s_max samples each; `first_failure[i]` counts clients
        // whose first failing sample is at position i, `first_failure[s_max]` those that
        // never fail.
        let mut first_failure = vec![0usize; s_max + 1];
        let mut sampled = vec![false; w * w];
        let mut state = stream(config.seed, DOMAIN_LIGHT);
        for client in 0..config.n_light_clients {
            let seed = splitmix64(&mut state);
            let report = self.light_client.sample(seed, s_max, |r, c| self.serve(r, c, Axis::Row));
            let failed_at = report.samples.iter().position(|s| s.outcome != SampleOutcome::Verified).unwrap_or(s_max);
            first_failure[failed_at] += 1;
            for sample in report.samples.iter().filter(|s| s.outcome == SampleOutcome::Verified) {
                sampled[sample.row * w + sample.col] = true;
            }
            progress(client + 1);
        }
        let n_withheld = self.n_withheld();
        let detection = config
            .samples
            .iter()
            .map(|&s| {
                let n_detected = first_failure[..s].iter().sum();
                Detection::new(s, config.n_light_clients, n_detected, detection_probability(k, n_withheld as u64, s))
            })
            .collect();

        // Custody: what each online node holds, and through which axis it got it.
        let mut replication = vec![0u32; w * w];
        let mut via_row = vec![false; w * w];
        let mut n_noticing = 0;
        let mut held_all = vec![false; w * w];
        for (node, custody) in self.custody.iter().enumerate() {
            let cells = self.custody_cells(custody);
            if self.offline[node] {
                cells.iter().for_each(|&(i, _)| held_all[i] = true);
                continue;
            }
            if self.misses_custody(custody) {
                n_noticing += 1;
            }
            for (i, axis) in cells {
                held_all[i] = true;
                replication[i] += 1;
                via_row[i] |= axis == Axis::Row;
            }
        }
        let available: Vec<usize> = (0..w * w).filter(|&i| !self.withheld[i]).collect();
        let replicas: Vec<u32> = available.iter().map(|&i| replication[i]).collect();
        let n_online = self.offline.iter().filter(|&&o| !o).count();
        let custody = CustodyStats {
            shares_per_node: config.custody_rows.min(w) * w + config.custody_cols.min(w) * w
                - config.custody_rows.min(w) * config.custody_cols.min(w),
            n_online,
            held_online: replication.iter().filter(|&&r| r > 0).count(),
            held_all: held_all.iter().filter(|&&h| h).count(),
            uncovered: replicas.iter().filter(|&&r| r == 0).count(),
            replication_min: replicas.iter().copied().min().unwrap_or(0) as usize,
            replication_max: replicas.iter().copied().max().unwrap_or(0) as usize,
            replication_mean: if replicas.is_empty() {
                0.0
            } else {
                replicas.iter().map(|&r| f64::from(r)).sum::<f64>() / replicas.len() as f64
            },
            n_noticing,
        };

        let from_custody =
            self.reconstruct(|i| (replication[i] > 0).then_some(if via_row[i] { Axis::Row } else { Axis::Col }));
        let from_custody_and_samples = self.reconstruct(|i| {
            if replication[i] > 0 {
                Some(if via_row[i] { Axis::Row } else { Axis::Col })
            } else {
                sampled[i].then_some(Axis::Row)
            }
        });
        let nodes_needed = self.nodes_needed();
        SimReport {
            config: config.clone(),
            data_root: self.data_root,
            n_withheld,
            threshold: min_withheld(k),
            detection,
            n_sampled: sampled.iter().filter(|&&s| s).count(),
            custody,
            from_custody,
            from_custody_and_samples,
            nodes_needed,
        }
    }

    /// The cells of a node's custody that the producer serves, each with the axis of the
    /// line it came through (a row first).
    fn custody_cells(&self, custody: &Custody) -> Vec<(usize, Axis)> {
        let w = self.eds.width();
        let mut cells = Vec::with_capacity((custody.rows.len() + custody.cols.len()) * w);
        for &r in &custody.rows {
            cells.extend((0..w).map(|c| (r * w + c, Axis::Row)));
        }
        let mut in_rows = vec![false; w];
        custody.rows.iter().for_each(|&r| in_rows[r] = true);
        for &c in &custody.cols {
            cells.extend((0..w).filter(|&r| !in_rows[r]).map(|r| (r * w + c, Axis::Col)));
        }
        cells.retain(|&(i, _)| !self.withheld[i]);
        cells
    }

    /// Whether some share of a node's custody lines is withheld.
    fn misses_custody(&self, custody: &Custody) -> bool {
        let w = self.eds.width();
        custody.rows.iter().any(|&r| (0..w).any(|c| self.withheld[r * w + c]))
            || custody.cols.iter().any(|&c| (0..w).any(|r| self.withheld[r * w + c]))
    }

    /// The fewest nodes, in node order and whether online or not, whose custody together is
    /// enough to rebuild the square; `None` if all of them together are not.
    fn nodes_needed(&self) -> Option<usize> {
        let w = self.eds.width();
        // The first n nodes know share (r, c) iff one of them keeps row r or column c, and the
        // producer served it.
        let missing_with = |n: usize| {
            let (mut rows, mut cols) = (vec![false; w], vec![false; w]);
            for custody in &self.custody[..n] {
                custody.rows.iter().for_each(|&r| rows[r] = true);
                custody.cols.iter().for_each(|&c| cols[c] = true);
            }
            let known = (0..w * w).map(|i| (rows[i / w] || cols[i % w]) && !self.withheld[i]).collect();
            closure_missing(known, self.config.k)
        };
        // Rebuilding is monotone in the shares known, so the smallest prefix is found by
        // bisection.
        let (mut lo, mut hi) = (0, self.custody.len());
        if missing_with(hi) > 0 {
            return None;
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if missing_with(mid) == 0 { hi = mid } else { lo = mid + 1 }
        }
        Some(lo)
    }

    /// Pools the shares `given` names (cell index ↦ the axis of the proof it comes with),
    /// checks every proof into a [`PartialSquare`], and repairs it against the header.
    fn reconstruct(&self, given: impl Fn(usize) -> Option<Axis>) -> Reconstruction {
        let (k, w) = (self.config.k, self.eds.width());
        let mut known = vec![false; w * w];
        let mut n_given = 0;
        let outcome = match PartialSquare::new(k, self.config.share_size) {
            Err(e) => Outcome::Failed { code: "bad_square", message: e.to_string() },
            Ok(mut partial) => {
                let mut refused = None;
                for (i, axis) in (0..w * w).filter_map(|i| given(i).map(|a| (i, a))) {
                    let (r, c) = (i / w, i % w);
                    let inserted = match self.serve(r, c, axis) {
                        Some(ShareWithProof { share, proof }) => partial.insert_proven(&self.dah, r, c, &share, proof),
                        None => continue,
                    };
                    match inserted {
                        Ok(()) => {
                            known[i] = true;
                            n_given += 1;
                        }
                        Err(e) => refused = refused.or(Some(e)),
                    }
                }
                match refused {
                    Some(e) => Outcome::Failed { code: e.code(), message: e.to_string() },
                    None => self.repair(partial),
                }
            }
        };
        // Pair assertion: the combinatorial closure and the decoder agree on what can be
        // rebuilt and on what stays missing.
        let predicted_missing = closure_missing(known, k);
        match &outcome {
            Outcome::Recovered { .. } => assert_eq!(predicted_missing, 0, "repair recovered what the closure cannot"),
            Outcome::Unrecoverable { missing, .. } => {
                assert_eq!(predicted_missing, *missing, "repair and the closure disagree on what stays missing");
            }
            Outcome::Failed { .. } => {}
        }
        Reconstruction { n_given, outcome }
    }

    fn repair(&self, partial: PartialSquare) -> Outcome {
        match partial.repair(&self.dah) {
            Ok(eds) => Outcome::Recovered { matches_header: eds.dah() == self.dah, matches_original: eds == self.eds },
            Err(RepairError::Unrecoverable { missing, rows, cols }) => Outcome::Unrecoverable { missing, rows, cols },
            Err(e) => Outcome::Failed { code: e.code(), message: e.to_string() },
        }
    }
}

/// Which shares the strategy withholds, row-major.
fn withheld_set(config: &SimConfig, state: &mut u64) -> Vec<bool> {
    let (k, w) = (config.k, 2 * config.k);
    let mut withheld = vec![false; w * w];
    match config.withholding {
        Withholding::None => {}
        Withholding::Minimal => {
            let rows = choose(state, w, k + 1);
            let cols = choose(state, w, k + 1);
            for &r in &rows {
                for &c in &cols {
                    withheld[r * w + c] = true;
                }
            }
        }
        Withholding::Random(n) => choose(state, w * w, n).into_iter().for_each(|i| withheld[i] = true),
        Withholding::Fraction(f) => {
            let n = (f.clamp(0.0, 1.0) * (w * w) as f64).round() as usize;
            choose(state, w * w, n).into_iter().for_each(|i| withheld[i] = true);
        }
        Withholding::Rows(n) => {
            for r in choose(state, w, n) {
                withheld[r * w..(r + 1) * w].iter_mut().for_each(|x| *x = true);
            }
        }
        Withholding::Quadrant => {
            for r in 0..k {
                withheld[r * w..r * w + k].iter_mut().for_each(|x| *x = true);
            }
        }
    }
    withheld
}

/// How many shares stay unknown once every row and column with at least `k` known shares has
/// been filled in, repeatedly: what [`PartialSquare::repair`] can reach, without decoding.
pub fn closure_missing(mut known: Vec<bool>, k: usize) -> usize {
    let w = 2 * k;
    if known.len() != w * w {
        return w * w;
    }
    let mut rows: Vec<usize> = (0..w).map(|r| known[r * w..(r + 1) * w].iter().filter(|&&x| x).count()).collect();
    let mut cols: Vec<usize> = (0..w).map(|c| (0..w).filter(|&r| known[r * w + c]).count()).collect();
    loop {
        let mut progress = false;
        for axis in [Axis::Row, Axis::Col] {
            for index in 0..w {
                let present = match axis {
                    Axis::Row => rows[index],
                    Axis::Col => cols[index],
                };
                if present < k || present == w {
                    continue;
                }
                for p in 0..w {
                    let (r, c) = axis.cell(index, p);
                    if !known[r * w + c] {
                        known[r * w + c] = true;
                        rows[r] += 1;
                        cols[c] += 1;
                    }
                }
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    w * w - rows.iter().sum::<usize>()
}

/// The Wilson score interval for `successes` out of `trials` at normal quantile `z`
/// (`[0, 1]` for no trials).
pub fn wilson_interval(successes: usize, trials: usize, z: f64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 1.0);
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 and n successes the bounds are exactly 0 and 1; rounding would land next to them.
    let lo = if successes == 0 { 0.0 } else { (center - half).max(0.0) };
    let hi = if successes >= trials { 1.0 } else { (center + half).min(1.0) };
    (lo, hi)
}

/// Detection at one sample count.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Samples per light client.
    pub samples: usize,
    /// Light clients.
    pub n_clients: usize,
    /// Light clients that saw a sample fail.
    pub n_detected: usize,
    /// `n_detected / n_clients`.
    pub measured: f64,
    /// The closed form ([`detection_probability`]).
    pub predicted: f64,
    /// The Wilson 95 % interval around `measured`.
    pub ci95: (f64, f64),
}

impl Detection {
    fn new(samples: usize, n_clients: usize, n_detected: usize, predicted: f64) -> Detection {
        let measured = if n_clients == 0 { 0.0 } else { n_detected as f64 / n_clients as f64 };
        let ci95 = wilson_interval(n_detected, n_clients, Z_95);
        Detection { samples, n_clients, n_detected, measured, predicted, ci95 }
    }

    /// Whether the closed form lies inside the 95 % interval.
    pub fn within_ci(&self) -> bool {
        let eps = 1e-12;
        self.ci95.0 - eps <= self.predicted && self.predicted <= self.ci95.1 + eps
    }

    /// `(measured − predicted) / σ`, σ the binomial standard error at the predicted rate;
    /// 0 when both agree on a certain outcome, infinite when they disagree on one.
    pub fn z_score(&self) -> f64 {
        let p = self.predicted;
        let sigma = (p * (1.0 - p) / self.n_clients.max(1) as f64).sqrt();
        let diff = self.measured - p;
        if sigma > 0.0 {
            diff / sigma
        } else if diff.abs() < 1e-12 {
            0.0
        } else {
            diff.signum() * f64::INFINITY
        }
    }
}

/// What the online full nodes hold.
#[derive(Debug, Clone, PartialEq)]
pub struct CustodyStats {
    /// Shares in one node's lines: `2k·(rows + cols) − rows·cols`.
    pub shares_per_node: usize,
    /// Full nodes still online.
    pub n_online: usize,
    /// Distinct shares the online nodes hold.
    pub held_online: usize,
    /// Distinct shares all nodes held before some dropped out.
    pub held_all: usize,
    /// Shares the producer served that no online node holds.
    pub uncovered: usize,
    /// The fewest online nodes holding any served share.
    pub replication_min: usize,
    /// The most.
    pub replication_max: usize,
    /// The mean over served shares.
    pub replication_mean: f64,
    /// Online nodes that found shares of their custody lines missing.
    pub n_noticing: usize,
}

/// What became of a reconstruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The square was rebuilt.
    Recovered {
        /// Its header is the published one.
        matches_header: bool,
        /// It is the producer's square, bit for bit.
        matches_original: bool,
    },
    /// Not enough shares to rebuild it.
    Unrecoverable {
        /// Shares still missing.
        missing: usize,
        /// Rows still incomplete.
        rows: usize,
        /// Columns still incomplete.
        cols: usize,
    },
    /// Something else went wrong: with an honest encoder, a bug in orsma.
    Failed {
        /// The error's code.
        code: &'static str,
        /// The error.
        message: String,
    },
}

/// One network-wide reconstruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconstruction {
    /// Distinct shares pooled, each with a checked proof.
    pub n_given: usize,
    /// What came of it.
    pub outcome: Outcome,
}

impl Reconstruction {
    /// Whether the square was rebuilt, and is the published one.
    pub fn recovered(&self) -> bool {
        matches!(self.outcome, Outcome::Recovered { matches_header: true, matches_original: true })
    }
}

/// Everything a run measured. A function of the configuration alone.
#[derive(Debug, Clone, PartialEq)]
pub struct SimReport {
    /// The configuration.
    pub config: SimConfig,
    /// The published data root.
    pub data_root: Hash32,
    /// Shares withheld.
    pub n_withheld: usize,
    /// The fewest shares whose withholding can make the square unrecoverable, `(k + 1)²`.
    pub threshold: u64,
    /// Detection at each sample count, in the configuration's order.
    pub detection: Vec<Detection>,
    /// Distinct shares the light clients sampled and verified (at the largest sample count).
    pub n_sampled: usize,
    /// Custody.
    pub custody: CustodyStats,
    /// Rebuilding from the online full nodes' custody.
    pub from_custody: Reconstruction,
    /// Rebuilding from that and every share the light clients sampled.
    pub from_custody_and_samples: Reconstruction,
    /// The fewest full nodes (in node order) whose custody suffices; `None` if all do not.
    pub nodes_needed: Option<usize>,
}

impl SimReport {
    /// Sample counts whose 95 % interval misses the closed form. About one in twenty, by
    /// chance, when the implementation is right.
    pub fn outside_ci(&self) -> usize {
        self.detection.iter().filter(|d| !d.within_ci()).count()
    }

    /// What contradicts the model, each a bug in orsma: a measured rate more than
    /// [`Z_CONTRADICTION`] standard errors from the closed form, a rebuilt square that is not
    /// the published one, or a reconstruction that failed for another reason than missing
    /// shares.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for d in &self.detection {
            if d.z_score().abs() > Z_CONTRADICTION {
                problems.push(format!(
                    "at {} samples {} of {} light clients detected withholding ({:.4}); the closed form says {:.4} (z = {:.1})",
                    d.samples,
                    d.n_detected,
                    d.n_clients,
                    d.measured,
                    d.predicted,
                    d.z_score()
                ));
            }
        }
        for (name, r) in [("custody", &self.from_custody), ("custody and samples", &self.from_custody_and_samples)] {
            match &r.outcome {
                Outcome::Recovered { matches_header, matches_original } if !(*matches_header && *matches_original) => {
                    problems.push(format!(
                        "the square rebuilt from {name} differs from the producer's (header {}, shares {})",
                        if *matches_header { "matches" } else { "differs" },
                        if *matches_original { "match" } else { "differ" }
                    ));
                }
                Outcome::Failed { code, message } => {
                    problems.push(format!("rebuilding from {name} failed ({code}): {message}"));
                }
                _ => {}
            }
        }
        problems
    }

    /// A digest of every count in the report (the rates are functions of them): equal seeds
    /// and configurations give equal digests.
    pub fn digest(&self) -> Hash32 {
        let mut bytes = Vec::new();
        let mut put = |x: u64| bytes.extend_from_slice(&x.to_le_bytes());
        let c = &self.config;
        for x in [c.k, c.share_size, c.n_nodes, c.custody_rows, c.custody_cols, c.n_offline, c.n_light_clients] {
            put(x as u64);
        }
        put(c.seed);
        put(self.n_withheld as u64);
        for d in &self.detection {
            put(d.samples as u64);
            put(d.n_detected as u64);
        }
        put(self.n_sampled as u64);
        let s = &self.custody;
        for x in
            [s.n_online, s.held_online, s.held_all, s.uncovered, s.replication_min, s.replication_max, s.n_noticing]
        {
            put(x as u64);
        }
        for r in [&self.from_custody, &self.from_custody_and_samples] {
            put(r.n_given as u64);
            match r.outcome {
                Outcome::Recovered { matches_header, matches_original } => {
                    put(0);
                    put(u64::from(matches_header));
                    put(u64::from(matches_original));
                }
                Outcome::Unrecoverable { missing, rows, cols } => {
                    put(1);
                    put(missing as u64);
                    put(rows as u64);
                    put(cols as u64);
                }
                Outcome::Failed { .. } => put(2),
            }
        }
        put(self.nodes_needed.map_or(u64::MAX, |n| n as u64));
        bytes.extend_from_slice(c.withholding.to_string().as_bytes());
        bytes.extend_from_slice(&self.data_root.0);
        keccak256(&bytes)
    }
}

/// Prepares and runs a simulation in one call.
pub fn run(config: SimConfig) -> Result<SimReport, SimError> {
    Ok(Sim::new(config)?.run(|_| {}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_intervals_match_published_values() {
        // Wilson (1927) as tabulated by Newcombe (1998), Table I: 0/10, 1/10 (as 95 % limits
        // 0–0.2775 and 0.0179–0.4042) and the symmetric 50/100 (0.4038–0.5962).
        let close = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() < 5e-5 && (a.1 - b.1).abs() < 5e-5;
        assert!(close(wilson_interval(0, 10, Z_95), (0.0, 0.2775)), "{:?}", wilson_interval(0, 10, Z_95));
        assert!(close(wilson_interval(1, 10, Z_95), (0.0179, 0.4042)), "{:?}", wilson_interval(1, 10, Z_95));
        assert!(close(wilson_interval(50, 100, Z_95), (0.4038, 0.5962)), "{:?}", wilson_interval(50, 100, Z_95));
        let (lo, hi) = wilson_interval(10, 10, Z_95);
        assert!(hi == 1.0 && (lo - 0.7225).abs() < 5e-5, "{lo} {hi}");
    }

    #[test]
    fn withholding_strategies_parse_and_print_back() {
        for text in ["none", "minimal", "quadrant", "random:17", "rows:3", "fraction:0.25", "fraction:1"] {
            let parsed: Withholding = text.parse().unwrap();
            assert_eq!(parsed.to_string(), text);
        }
        for bad in ["", "some", "random:", "random:-1", "rows:x", "fraction:1.5", "fraction:nan", "minimal:3"] {
            assert!(bad.parse::<Withholding>().is_err(), "{bad}");
        }
    }

    #[test]
    fn choose_draws_distinct_indices_and_all_of_them_when_asked() {
        let mut state = 5;
        let picked = choose(&mut state, 10, 4);
        let mut sorted = picked.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 4);
        assert!(picked.iter().all(|&i| i < 10));
        let mut all = choose(&mut state, 10, 99);
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn the_closure_follows_the_textbook_cases() {
        let k = 4;
        let w = 2 * k;
        let grid = |keep: &dyn Fn(usize, usize) -> bool| (0..w * w).map(|i| keep(i / w, i % w)).collect::<Vec<_>>();
        assert_eq!(closure_missing(grid(&|r, c| r < k && c < k), k), 0, "one quadrant suffices");
        assert_eq!(closure_missing(grid(&|r, c| !(r <= k && c <= k)), k), (k + 1) * (k + 1), "the minimal block");
        assert_eq!(closure_missing(grid(&|r, _| r < k - 1), k), w * (k + 1), "k − 1 full rows are not enough");
        assert_eq!(closure_missing(grid(&|_, _| false), k), w * w);
    }
}
