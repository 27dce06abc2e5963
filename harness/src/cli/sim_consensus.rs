//! `orsma sim consensus`: Tendermint validators over a simulated network (`impl/sim`), with
//! faulty nodes, partitions and an adversarial schedule drawn from one seed; a summary, a JSON
//! timeline, a plot of heights against simulated time, and the command that replays a failure
//! (`docs/guides/consensus-simulation.md`).

use std::fmt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use clap::Args;
use consensus::{Deviation, ValidatorSetError};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use sim::rng::Rng;
use sim::{Behaviour, ConfigError, EngineKind, Latency, Micros, Report, Sim, SimConfig, Topology, Violation};

use super::{invoked_program, quote};

/// Exit status when a property broke, or the correct nodes fell short of `--heights`.
const EXIT_FAILED: u8 = 1;

/// The most validators a run simulates (every link is a pair: the cost grows as n²).
const MAX_NODES: usize = 1000;
/// The most heights a run waits for.
const MAX_HEIGHTS: u64 = 1_000_000;
/// The most seeds one sweep runs.
const MAX_SEEDS: u64 = 1_000_000;
/// The largest clock drift, in parts per million (10%).
const MAX_DRIFT_PPM: u32 = 100_000;
/// The largest `ring:CHORDS` or `random:DEGREE`.
const MAX_DEGREE: u32 = 1000;
/// Points per node line in the plot, at most (longer runs are thinned).
const PLOT_POINTS: usize = 2000;

/// The random stream crash times are drawn from (`Rng::split` purpose; the simulator's own
/// streams use small integers).
const CRASH_STREAM: u64 = u64::from_le_bytes(*b"cli-crsh");

/// The defaults, as the flags spell them; a unit test checks that they build
/// `SimConfig::new`'s configuration.
const DEFAULT_NODES: usize = 4;
const DEFAULT_POWER: u64 = 10;
const DEFAULT_HEIGHTS: u64 = 100;
const DEFAULT_SEED: u64 = 1;
const DEFAULT_LATENCY: LatencySpec = LatencySpec(Latency::Uniform { min: 20_000, max: 120_000 });
const DEFAULT_FAULTY_DROP: f64 = 0.3;
const DEFAULT_FAULTY_DELAY: Micros = 500_000;
const DEFAULT_FAULT_PHASE: Micros = 30_000_000;
const DEFAULT_PROGRESS_BOUND: Micros = 120_000_000;
const DEFAULT_MAX_TIME: Micros = 3_600_000_000;

#[derive(Debug, Args)]
pub(crate) struct ConsensusArgs {
    /// Validators. [default: 4, or the length of --powers]
    #[arg(long, value_name = "N")]
    nodes: Option<usize>,
    /// Voting power per validator, node 0 first (10,10,5,...); sets the number of validators.
    /// [default: 10 each]
    #[arg(long, value_name = "P,P,...")]
    powers: Option<Powers>,
    /// Heights every correct validator must decide before the run ends.
    #[arg(long, value_name = "H", default_value_t = DEFAULT_HEIGHTS)]
    heights: u64,
    /// The seed every random choice is drawn from.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED, conflicts_with = "seeds")]
    seed: u64,
    /// Sweep seeds A..B (B excluded) or A..=B: one run per seed, a line per failing seed with
    /// its replay command, and a count at the end.
    #[arg(long, value_name = "A..B")]
    seeds: Option<SeedRange>,
    /// Draw the whole configuration from the seed (SimConfig::swarm): powers 1 to 20, latency,
    /// loss, duplication, reordering, topology, fan-out, drift, pipelined validation, up to 3
    /// partitions and faulty nodes of every kind below a third of the power. The network and
    /// behaviour flags cannot be combined with it.
    #[arg(long, conflicts_with_all = SWARM_CONFLICTS)]
    swarm: bool,

    /// Byzantine validators: they equivocate, sending one proposal or vote to even-numbered
    /// peers and a conflicting one to odd-numbered peers.
    #[arg(long, value_name = "K", default_value_t = 0, help_heading = BEHAVIOURS)]
    byzantine: usize,
    /// Dead validators: they never start.
    #[arg(long, value_name = "K", default_value_t = 0, help_heading = BEHAVIOURS)]
    dead: usize,
    /// Crash-restart validators: each goes down at a time drawn from the seed within
    /// --fault-phase, stays down between 1/60 and 2/3 of it, and restarts from its durable
    /// state.
    #[arg(long, value_name = "K", default_value_t = 0, help_heading = BEHAVIOURS)]
    crash: usize,
    /// Faulty validators: honest, but each of their own messages is lost with probability
    /// --faulty-drop and the rest are held back by up to --faulty-delay.
    #[arg(long, value_name = "K", default_value_t = 0, help_heading = BEHAVIOURS)]
    faulty: usize,
    /// Validators that ignore their lock (they prevote any valid proposal).
    #[arg(long, value_name = "K", default_value_t = 0, help_heading = BEHAVIOURS)]
    ignores_lock: usize,
    /// Validators that skip validation (they vote for every proposal, valid or not).
    #[arg(long, value_name = "K", default_value_t = 0, help_heading = BEHAVIOURS)]
    skips_validation: usize,
    /// Validators with a wrong state hash: they propose blocks nobody else accepts and reject
    /// everyone else's.
    #[arg(long, value_name = "K", default_value_t = 0, help_heading = BEHAVIOURS)]
    bad_state: usize,
    /// The probability that a --faulty validator loses each of its own messages.
    #[arg(long, value_name = "P", default_value_t = Probability(DEFAULT_FAULTY_DROP), help_heading = BEHAVIOURS)]
    faulty_drop: Probability,
    /// The longest a --faulty validator holds back one of its messages.
    #[arg(long, value_name = "DUR", default_value_t = Dur(DEFAULT_FAULTY_DELAY), help_heading = BEHAVIOURS)]
    faulty_delay: Dur,

    /// Message latency: const:DUR, uniform:MIN..MAX, or exp:MIN,MEAN (MIN plus an exponential
    /// tail). Each link scales it by a factor drawn once in [0.5, 1.5].
    #[arg(long, value_name = "DIST", default_value_t = DEFAULT_LATENCY, help_heading = "Network")]
    latency: LatencySpec,
    /// The probability that a message is lost on a link.
    #[arg(long, value_name = "P", default_value_t = Probability(0.0), help_heading = "Network")]
    drop: Probability,
    /// The probability that a message is delivered twice.
    #[arg(long, value_name = "P", default_value_t = Probability(0.0), help_heading = "Network")]
    duplicate: Probability,
    /// The probability that a message is held back by up to twice the mean latency more.
    #[arg(long, value_name = "P", default_value_t = Probability(0.0), help_heading = "Network")]
    reorder: Probability,
    /// Who is linked to whom: full; ring (ring:CHORDS adds CHORDS random links per node);
    /// random:DEGREE (DEGREE random links per node, over a ring that keeps it connected).
    /// Messages travel over sparse topologies by gossip: each node relays what it sees first.
    #[arg(long, value_name = "TOPOLOGY", default_value_t = TopologySpec(Topology::Full), help_heading = "Network")]
    topology: TopologySpec,
    /// Redraw the topology this often (0: never).
    #[arg(long, value_name = "DUR", default_value_t = Dur(0), help_heading = "Network")]
    rewire_every: Dur,
    /// Gossip fan-out: a broadcast, and each relay, goes to K random neighbours.
    /// [default: every neighbour]
    #[arg(long, value_name = "K", help_heading = "Network")]
    fanout: Option<u32>,
    /// Random partitions, each splitting the validators in two: each starts within
    /// --fault-phase and lasts between 1/30 and 1/2 of it.
    #[arg(long, value_name = "K", default_value_t = 0, help_heading = "Network")]
    partitions: usize,
    /// The stretch at the start of the run in which partitions start and validators crash.
    #[arg(long, value_name = "DUR", default_value_t = Dur(DEFAULT_FAULT_PHASE), help_heading = "Network")]
    fault_phase: Dur,
    /// Each validator's clock runs at 1 + d, with |d| ≤ PPM / 10⁶ drawn from the seed (up to
    /// 100000).
    #[arg(long, value_name = "PPM", default_value_t = 0, help_heading = "Network")]
    drift_ppm: u32,

    /// Validate proposals in the background, answering DUR later, instead of inline.
    #[arg(long, value_name = "DUR", help_heading = "Consensus and checks")]
    pipelined_validation: Option<Dur>,
    /// Run the dummy consensus instead of Tendermint: the leader of each height proposes and
    /// everybody decides its block. No votes and no fault tolerance: a baseline.
    #[arg(long, help_heading = "Consensus and checks")]
    dummy: bool,
    /// After the last partition heals, every correct validator must decide a new height within
    /// each stretch this long (checked when faulty validators hold less than a third of the
    /// power; 0 turns the check off).
    #[arg(long, value_name = "DUR", default_value_t = Dur(DEFAULT_PROGRESS_BOUND), help_heading = "Consensus and checks")]
    progress_bound: Dur,
    /// Give up at this simulated time.
    #[arg(long, value_name = "DUR", default_value_t = Dur(DEFAULT_MAX_TIME), help_heading = "Consensus and checks")]
    max_time: Dur,
    /// Verify every signature at every validator instead of sharing one verification cache
    /// (slower; the outcome is the same, and signatures are then not counted).
    #[arg(long, help_heading = "Consensus and checks")]
    no_verify_cache: bool,

    /// Write timeline.json (the configuration, every decision, the partitions and crashes, the
    /// summary) and commits.svg (height against simulated time, a line per validator) to this
    /// directory, creating it if needed.
    #[arg(long, value_name = "DIR", conflicts_with = "seeds", help_heading = "Output")]
    out: Option<PathBuf>,
    /// Print a JSON summary on stdout instead of the text one.
    #[arg(long, help_heading = "Output")]
    json: bool,
}

/// The help heading of the behaviour flags.
const BEHAVIOURS: &str = "Behaviours (assigned from the highest node index down, in this order)";

/// The flags `--swarm` replaces.
const SWARM_CONFLICTS: [&str; 20] = [
    "powers",
    "byzantine",
    "dead",
    "crash",
    "faulty",
    "ignores_lock",
    "skips_validation",
    "bad_state",
    "faulty_drop",
    "faulty_delay",
    "latency",
    "drop",
    "duplicate",
    "reorder",
    "topology",
    "rewire_every",
    "fanout",
    "partitions",
    "fault_phase",
    "drift_ppm",
];

/// A duration in microseconds, written with a unit: `500us`, `50ms`, `2s`, `1.5s`, `2min`, `1h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dur(Micros);

impl FromStr for Dur {
    type Err = String;

    fn from_str(text: &str) -> Result<Dur, String> {
        let t = text.trim();
        if t == "0" {
            return Ok(Dur(0));
        }
        let units = "units: us, ms, s, min, h";
        let at = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("`{t}` needs a unit: write e.g. {t}ms or {t}s ({units})"))?;
        let (number, unit) = t.split_at(at);
        let scale: u64 = match unit {
            "us" | "µs" => 1,
            "ms" => 1_000,
            "s" => 1_000_000,
            "min" => 60_000_000,
            "h" => 3_600_000_000,
            _ => return Err(format!("`{t}`: unknown unit `{unit}` ({units})")),
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
            return Err(format!("`{t}` is not a duration: write e.g. 50ms, 1.5s or 2min"));
        }
        let too_long = || format!("`{t}` is too long");
        let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| too_long())? };
        let mut micros = whole.checked_mul(scale).ok_or_else(too_long)?;
        if !fraction.is_empty() {
            let exact = || format!("`{t}` is finer than a microsecond");
            let places = u32::try_from(fraction.len()).ok().filter(|&p| p <= 18).ok_or_else(exact)?;
            let numerator = u128::from(fraction.parse::<u64>().map_err(|_| exact())?) * u128::from(scale);
            let denominator = 10u128.pow(places);
            if numerator % denominator != 0 {
                return Err(exact());
            }
            let part = u64::try_from(numerator / denominator).map_err(|_| too_long())?;
            micros = micros.checked_add(part).ok_or_else(too_long)?;
        }
        Ok(Dur(micros))
    }
}

impl fmt::Display for Dur {
    /// In the largest of s, ms and us that divides it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("0"),
            d if d % 1_000_000 == 0 => write!(f, "{}s", d / 1_000_000),
            d if d % 1_000 == 0 => write!(f, "{}ms", d / 1_000),
            d => write!(f, "{d}us"),
        }
    }
}

/// A probability in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Probability(f64);

impl FromStr for Probability {
    type Err = String;

    fn from_str(text: &str) -> Result<Probability, String> {
        match text.trim().parse::<f64>() {
            Ok(p) if (0.0..=1.0).contains(&p) => Ok(Probability(p)),
            _ => Err(format!("`{text}` is not a probability: write a number from 0 to 1, e.g. 0.05")),
        }
    }
}

impl fmt::Display for Probability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A latency distribution: `const:50ms`, `uniform:20ms..120ms`, `exp:5ms,100ms`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LatencySpec(Latency);

impl FromStr for LatencySpec {
    type Err = String;

    fn from_str(text: &str) -> Result<LatencySpec, String> {
        let forms = "write const:50ms, uniform:20ms..120ms or exp:5ms,100ms";
        let (kind, rest) = text.trim().split_once(':').ok_or_else(|| format!("`{text}`: {forms}"))?;
        let dur = |s: &str| s.parse::<Dur>().map(|d| d.0);
        let latency = match kind {
            "const" | "constant" => Latency::Constant(dur(rest)?),
            "uniform" => {
                let (a, b) = rest.split_once("..").ok_or_else(|| format!("`{text}`: write uniform:MIN..MAX"))?;
                let (min, max) = (dur(a)?, dur(b)?);
                if min > max {
                    return Err(format!("`{text}`: the minimum is above the maximum"));
                }
                Latency::Uniform { min, max }
            }
            "exp" | "exponential" => {
                let (a, b) = rest.split_once(',').ok_or_else(|| format!("`{text}`: write exp:MIN,MEAN"))?;
                let (min, mean) = (dur(a)?, dur(b)?);
                if mean < min {
                    return Err(format!("`{text}`: the mean is below the minimum"));
                }
                Latency::Exponential { min, mean }
            }
            _ => return Err(format!("`{text}`: unknown distribution `{kind}`; {forms}")),
        };
        Ok(LatencySpec(latency))
    }
}

impl fmt::Display for LatencySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Latency::Constant(d) => write!(f, "const:{}", Dur(d)),
            Latency::Uniform { min, max } => write!(f, "uniform:{}..{}", Dur(min), Dur(max)),
            Latency::Exponential { min, mean } => write!(f, "exp:{},{}", Dur(min), Dur(mean)),
        }
    }
}

/// A topology: `full`, `ring`, `ring:CHORDS`, `random:DEGREE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TopologySpec(Topology);

impl FromStr for TopologySpec {
    type Err = String;

    fn from_str(text: &str) -> Result<TopologySpec, String> {
        let count = |s: &str| match s.parse::<u32>() {
            Ok(k) if k <= MAX_DEGREE => Ok(k),
            _ => Err(format!("`{text}`: `{s}` is not a whole number from 0 to {MAX_DEGREE}")),
        };
        let topology = match text.trim().split_once(':') {
            None if text.trim() == "full" => Topology::Full,
            None if text.trim() == "ring" => Topology::Ring { chords: 0 },
            Some(("ring", k)) => Topology::Ring { chords: count(k)? },
            Some(("random", k)) => Topology::Random { degree: count(k)? },
            _ => return Err(format!("`{text}`: write full, ring, ring:CHORDS or random:DEGREE")),
        };
        Ok(TopologySpec(topology))
    }
}

impl fmt::Display for TopologySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Topology::Full => f.write_str("full"),
            Topology::Ring { chords: 0 } => f.write_str("ring"),
            Topology::Ring { chords } => write!(f, "ring:{chords}"),
            Topology::Random { degree } => write!(f, "random:{degree}"),
        }
    }
}

/// Voting powers, node 0 first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Powers(Vec<u64>);

impl FromStr for Powers {
    type Err = String;

    fn from_str(text: &str) -> Result<Powers, String> {
        let powers = text
            .split(',')
            .map(|p| match p.trim().parse::<u64>() {
                Ok(0) => Err("a validator's power is at least 1".to_owned()),
                Ok(p) => Ok(p),
                Err(_) => Err(format!("`{p}` is not a whole number (write e.g. 10,10,5)")),
            })
            .collect::<Result<Vec<u64>, String>>()?;
        if powers.len() > MAX_NODES {
            return Err(format!("at most {MAX_NODES} validators"));
        }
        Ok(Powers(powers))
    }
}

impl fmt::Display for Powers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&parts.join(","))
    }
}

/// Seeds to sweep: `A..B` (B excluded), `A..=B`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeedRange {
    first: u64,
    last: u64,
}

impl FromStr for SeedRange {
    type Err = String;

    fn from_str(text: &str) -> Result<SeedRange, String> {
        let number = |s: &str| s.trim().parse::<u64>().map_err(|_| format!("`{s}` is not a seed (write e.g. 0..100)"));
        let (first, last) = if let Some((a, b)) = text.split_once("..=") {
            (number(a)?, number(b)?)
        } else if let Some((a, b)) = text.split_once("..") {
            let (a, b) = (number(a)?, number(b)?);
            (a, b.checked_sub(1).filter(|&l| l >= a).ok_or_else(|| format!("`{text}` is empty"))?)
        } else {
            return Err(format!("`{text}`: write a range of seeds, A..B (B excluded) or A..=B"));
        };
        if first > last {
            return Err(format!("`{text}` is empty: the end comes before the start"));
        }
        if last - first >= MAX_SEEDS {
            return Err(format!("at most {MAX_SEEDS} seeds per sweep"));
        }
        Ok(SeedRange { first, last })
    }
}

impl fmt::Display for SeedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..={}", self.first, self.last)
    }
}

/// How many validators behave in each way, in the order they are assigned (from the highest
/// node index down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Counts {
    byzantine: usize,
    dead: usize,
    crash: usize,
    faulty: usize,
    ignores_lock: usize,
    skips_validation: usize,
    bad_state: usize,
}

impl Counts {
    /// (flag, count) in assignment order.
    fn flags(&self) -> [(&'static str, usize); 7] {
        [
            ("--byzantine", self.byzantine),
            ("--dead", self.dead),
            ("--crash", self.crash),
            ("--faulty", self.faulty),
            ("--ignores-lock", self.ignores_lock),
            ("--skips-validation", self.skips_validation),
            ("--bad-state", self.bad_state),
        ]
    }

    fn total(&self) -> usize {
        self.flags().iter().map(|(_, k)| k).sum()
    }
}

/// One run, as the flags describe it: what `SimConfig` is built from for a seed, and what the
/// replay command is printed from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    swarm: bool,
    seed: u64,
    nodes: usize,
    /// `None`: every validator has the default power.
    powers: Option<Vec<u64>>,
    heights: u64,
    counts: Counts,
    faulty_drop: f64,
    faulty_delay: Micros,
    latency: Latency,
    drop: f64,
    duplicate: f64,
    reorder: f64,
    topology: Topology,
    rewire_every: Micros,
    fanout: Option<u32>,
    partitions: usize,
    fault_phase: Micros,
    drift_ppm: u32,
    pipelined_validation: Option<Micros>,
    dummy: bool,
    progress_bound: Micros,
    max_time: Micros,
    verify_cache: bool,
}

impl ConsensusArgs {
    /// The run the flags describe, checked; the error says which flag to change.
    fn plan(&self) -> anyhow::Result<Plan> {
        let nodes = match (&self.powers, self.nodes) {
            (Some(p), Some(n)) if p.0.len() != n => {
                bail!("--nodes {n} but --powers lists {} validators: drop --nodes or make them agree", p.0.len())
            }
            (Some(p), _) => p.0.len(),
            (None, n) => n.unwrap_or(DEFAULT_NODES),
        };
        if nodes == 0 {
            bail!("--nodes 0: a simulation needs at least one validator; pass --nodes 1 or more");
        }
        if nodes > MAX_NODES {
            bail!("--nodes {nodes}: at most {MAX_NODES} validators; pass a smaller --nodes");
        }
        if self.heights == 0 || self.heights > MAX_HEIGHTS {
            bail!("--heights {}: pass a number of heights from 1 to {MAX_HEIGHTS}", self.heights);
        }
        let counts = Counts {
            byzantine: self.byzantine,
            dead: self.dead,
            crash: self.crash,
            faulty: self.faulty,
            ignores_lock: self.ignores_lock,
            skips_validation: self.skips_validation,
            bad_state: self.bad_state,
        };
        if counts.total() > nodes {
            bail!(
                "{} faulty validators but only {nodes} validators: lower --byzantine, --dead, --crash, --faulty, \
                 --ignores-lock, --skips-validation or --bad-state, or raise --nodes",
                counts.total()
            );
        }
        if self.fanout == Some(0) {
            bail!("--fanout 0 sends nothing: pass 1 or more, or leave it out to send to every neighbour");
        }
        if self.drift_ppm > MAX_DRIFT_PPM {
            bail!("--drift-ppm {}: pass at most {MAX_DRIFT_PPM} (10%)", self.drift_ppm);
        }
        if self.max_time.0 == 0 {
            bail!("--max-time 0 ends the run before it starts: pass e.g. --max-time 600s");
        }
        let powers = self.powers.as_ref().map(|p| p.0.clone()).filter(|p| p.iter().any(|&x| x != DEFAULT_POWER));
        Ok(Plan {
            swarm: self.swarm,
            seed: self.seed,
            nodes,
            powers,
            heights: self.heights,
            counts,
            faulty_drop: self.faulty_drop.0,
            faulty_delay: self.faulty_delay.0,
            latency: self.latency.0,
            drop: self.drop.0,
            duplicate: self.duplicate.0,
            reorder: self.reorder.0,
            topology: self.topology.0,
            rewire_every: self.rewire_every.0,
            fanout: self.fanout,
            partitions: self.partitions,
            fault_phase: self.fault_phase.0,
            drift_ppm: self.drift_ppm,
            pipelined_validation: self.pipelined_validation.map(|d| d.0),
            dummy: self.dummy,
            progress_bound: self.progress_bound.0,
            max_time: self.max_time.0,
            verify_cache: !self.no_verify_cache,
        })
    }
}

impl Plan {
    fn with_seed(&self, seed: u64) -> Plan {
        Plan { seed, ..self.clone() }
    }

    /// The simulator's configuration.
    fn config(&self) -> SimConfig {
        let mut c = if self.swarm {
            SimConfig::swarm(self.seed, self.nodes, self.heights)
        } else {
            let mut c = SimConfig::new(self.seed, self.nodes, self.heights);
            c.powers = self.powers.clone().unwrap_or_else(|| vec![DEFAULT_POWER; self.nodes]);
            c.behaviours = self.behaviours();
            c.net.latency = self.latency;
            c.net.drop = self.drop;
            c.net.duplicate = self.duplicate;
            c.net.reorder = self.reorder;
            c.net.topology = self.topology;
            c.net.rewire_every = self.rewire_every;
            c.net.fanout = self.fanout;
            c.max_drift_ppm = self.drift_ppm;
            c.pipelined_validation = self.pipelined_validation;
            let phase = self.fault_phase;
            c.random_partitions(self.partitions, phase, (phase / 30).max(1), (phase / 2).max(1));
            c
        };
        c.engine = if self.dummy { EngineKind::Dummy } else { EngineKind::Tendermint };
        c.progress_bound = self.progress_bound;
        c.max_time = self.max_time;
        c.verify_cache = self.verify_cache;
        c
    }

    /// Behaviours from the highest node index down, in the order of [`Counts::flags`].
    fn behaviours(&self) -> Vec<Behaviour> {
        type Make = fn(&Plan, usize) -> Behaviour;
        let c = &self.counts;
        let kinds: [(usize, Make); 7] = [
            (c.byzantine, |_, _| Behaviour::Byzantine),
            (c.dead, |_, _| Behaviour::Dead),
            (c.crash, Plan::crash_times),
            (c.faulty, |p, _| Behaviour::Faulty { drop: p.faulty_drop, delay: p.faulty_delay }),
            (c.ignores_lock, |_, _| Behaviour::Deviates(Deviation::IgnoresLock)),
            (c.skips_validation, |_, _| Behaviour::Deviates(Deviation::SkipsValidation)),
            (c.bad_state, |_, _| Behaviour::BadStateHash),
        ];
        let mut behaviours = vec![Behaviour::Honest; self.nodes];
        let mut next = self.nodes;
        for (count, make) in kinds {
            for _ in 0..count {
                // `plan` checked that the counts add up to at most the number of nodes.
                let Some(i) = next.checked_sub(1) else { return behaviours };
                next = i;
                behaviours[i] = make(self, i);
            }
        }
        behaviours
    }

    /// Node `i` crashes within the fault phase and stays down for 1/60 to 2/3 of it.
    fn crash_times(&self, i: usize) -> Behaviour {
        let mut rng = Rng::split(self.seed, CRASH_STREAM, i as u64);
        let phase = self.fault_phase;
        let crash_at = rng.below(phase.max(1));
        let down = rng.between(phase / 60, phase / 3 * 2);
        Behaviour::CrashRestart { crash_at, restart_at: crash_at.saturating_add(down) }
    }

    /// The flags that replay this run: the seed, and every flag whose value is not the default.
    fn args(&self) -> Vec<String> {
        let mut args: Vec<String> = Vec::new();
        let mut flag = |name: &str, value: Option<String>| {
            args.push(name.to_owned());
            args.extend(value);
        };
        if self.swarm {
            flag("--swarm", None);
        }
        flag("--seed", Some(self.seed.to_string()));
        match &self.powers {
            Some(p) => flag("--powers", Some(Powers(p.clone()).to_string())),
            None if self.nodes != DEFAULT_NODES => flag("--nodes", Some(self.nodes.to_string())),
            None => {}
        }
        if self.heights != DEFAULT_HEIGHTS {
            flag("--heights", Some(self.heights.to_string()));
        }
        for (name, count) in self.counts.flags() {
            if count > 0 {
                flag(name, Some(count.to_string()));
            }
        }
        if self.faulty_drop != DEFAULT_FAULTY_DROP {
            flag("--faulty-drop", Some(Probability(self.faulty_drop).to_string()));
        }
        if self.faulty_delay != DEFAULT_FAULTY_DELAY {
            flag("--faulty-delay", Some(Dur(self.faulty_delay).to_string()));
        }
        if LatencySpec(self.latency) != DEFAULT_LATENCY {
            flag("--latency", Some(LatencySpec(self.latency).to_string()));
        }
        for (name, p) in [("--drop", self.drop), ("--duplicate", self.duplicate), ("--reorder", self.reorder)] {
            if p != 0.0 {
                flag(name, Some(Probability(p).to_string()));
            }
        }
        if self.topology != Topology::Full {
            flag("--topology", Some(TopologySpec(self.topology).to_string()));
        }
        if self.rewire_every != 0 {
            flag("--rewire-every", Some(Dur(self.rewire_every).to_string()));
        }
        if let Some(k) = self.fanout {
            flag("--fanout", Some(k.to_string()));
        }
        if self.partitions != 0 {
            flag("--partitions", Some(self.partitions.to_string()));
        }
        if self.fault_phase != DEFAULT_FAULT_PHASE {
            flag("--fault-phase", Some(Dur(self.fault_phase).to_string()));
        }
        if self.drift_ppm != 0 {
            flag("--drift-ppm", Some(self.drift_ppm.to_string()));
        }
        if let Some(d) = self.pipelined_validation {
            flag("--pipelined-validation", Some(Dur(d).to_string()));
        }
        if self.dummy {
            flag("--dummy", None);
        }
        if self.progress_bound != DEFAULT_PROGRESS_BOUND {
            flag("--progress-bound", Some(Dur(self.progress_bound).to_string()));
        }
        if self.max_time != DEFAULT_MAX_TIME {
            flag("--max-time", Some(Dur(self.max_time).to_string()));
        }
        if !self.verify_cache {
            flag("--no-verify-cache", None);
        }
        args
    }

    /// `orsma sim consensus FLAGS`, quoted for a shell, with `program` in front.
    fn command(&self, program: &str) -> String {
        let flags: Vec<String> = self.args().iter().map(|a| quote(a)).collect();
        format!("{program} sim consensus {}", flags.join(" "))
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// Every property held and the correct validators reached `--heights`.
    Passed,
    /// A property broke.
    Violation(Violation),
    /// No property broke, but the correct validators fell short of `--heights` although faulty
    /// validators hold less than a third of the power.
    Incomplete { reason: &'static str },
    /// Short of `--heights` with a third or more of the power faulty: allowed.
    Stalled,
}

impl Verdict {
    fn of(report: &Report, config: &SimConfig) -> Verdict {
        if let Some(v) = &report.violation {
            return Verdict::Violation(v.clone());
        }
        if report.completed {
            return Verdict::Passed;
        }
        if !config.expects_progress() {
            return Verdict::Stalled;
        }
        let reason = if report.time >= config.max_time { "the time limit (--max-time)" } else { "no events left" };
        Verdict::Incomplete { reason }
    }

    fn failed(&self) -> bool {
        matches!(self, Verdict::Violation(_) | Verdict::Incomplete { .. })
    }

    fn name(&self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Violation(_) => "violation",
            Verdict::Incomplete { .. } => "incomplete",
            Verdict::Stalled => "stalled",
        }
    }

    fn describe(&self, report: &Report, config: &SimConfig) -> String {
        let h = config.heights;
        match self {
            Verdict::Passed => format!(
                "PASS: agreement, integrity and validity held at every decision; every correct validator decided \
                 {h} heights",
            ),
            Verdict::Violation(v) => format!("FAIL: {v}"),
            Verdict::Incomplete { reason } => format!(
                "FAIL: the correct validators decided {} of {h} heights before {reason}, although faulty validators \
                 hold less than a third of the power",
                report.heights
            ),
            Verdict::Stalled => format!(
                "PASS (progress not checked): agreement, integrity and validity held at every decision; the correct \
                 validators decided {} of {h} heights, and with a third or more of the power faulty they need not \
                 decide more",
                report.heights
            ),
        }
    }
}

pub(crate) fn run(args: &ConsensusArgs) -> anyhow::Result<ExitCode> {
    let plan = args.plan()?;
    match args.seeds {
        Some(range) => sweep(&plan, range, args.json),
        None => single(&plan, args),
    }
}

/// A configuration error with what to change.
fn explain(error: ConfigError) -> anyhow::Error {
    let hint = match &error {
        ConfigError::NoValidators => "pass --nodes 1 or more",
        ConfigError::Set(ValidatorSetError::TotalPowerTooLarge) => "lower --powers",
        ConfigError::Set(ValidatorSetError::ZeroPower { .. } | ValidatorSetError::Empty) => {
            "give every validator a power of 1 or more"
        }
        ConfigError::Set(_) => "this is a bug in orsma; please report it with the command line",
    };
    anyhow!("{error}: {hint}")
}

/// Warnings about configurations outside the protocol's guarantees, on stderr.
fn warn(config: &SimConfig) {
    let (faulty, total) = config.faulty_power();
    let byzantine = config.byzantine_power();
    let share = |p: u64| 100.0 * p as f64 / total.max(1) as f64;
    let mut warnings = Vec::new();
    if 3 * u128::from(byzantine) >= u128::from(total) {
        warnings.push(format!(
            "validators that break the protocol (byzantine, ignores-lock, skips-validation, bad-state) hold {byzantine} \
             of {total} power ({:.1}%, at least a third): agreement and validity are not guaranteed, so a \
             violation is the protocol's limit, not a bug",
            share(byzantine)
        ));
    }
    if 3 * u128::from(faulty) >= u128::from(total) {
        warnings.push(format!(
            "validators that are not honest hold {faulty} of {total} power ({:.1}%, at least a third): \
             progress is not guaranteed and not checked",
            share(faulty)
        ));
    }
    if config.engine == EngineKind::Dummy && faulty > 0 {
        warnings.push("the dummy consensus tolerates no faults: expect no progress or a violation".to_owned());
    }
    #[allow(clippy::print_stderr, reason = "warnings go to stderr, apart from the summary")]
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// A progress bar on stderr, hidden when stderr is not a terminal or under CI.
fn progress_bar(len: u64, template: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    bar
}

/// Runs `config` to the end, moving `bar` over heights when given.
fn simulate(config: SimConfig, bar: Option<&ProgressBar>) -> anyhow::Result<Report> {
    let mut sim = Sim::new(config).map_err(explain)?;
    let mut steps: u64 = 0;
    while !sim.finished() {
        sim.step();
        steps += 1;
        if let Some(bar) = bar
            && steps.is_multiple_of(4096)
        {
            bar.set_position(sim.heights_done());
            bar.set_message(format!("{:.1} s simulated", sim.now() as f64 / 1e6));
        }
    }
    Ok(sim.report())
}

fn single(plan: &Plan, args: &ConsensusArgs) -> anyhow::Result<ExitCode> {
    let config = plan.config();
    warn(&config);
    let started = Instant::now();
    let bar = progress_bar(config.heights, "{spinner} {bar:40} {pos}/{len} heights {elapsed} {wide_msg}");
    let report = simulate(config.clone(), Some(&bar))?;
    bar.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();
    let verdict = Verdict::of(&report, &config);

    let summary = summary_json(&report, &config, &verdict);
    let written = match &args.out {
        Some(dir) => {
            let timeline = json!({
                "config": config_json(plan, &config),
                "partitions": partitions_json(&config),
                "crashes": crashes_json(&config),
                "commits": report.commits.iter().map(|c| json!({
                    "node": c.node,
                    "height": c.height,
                    "round": c.round,
                    "time_us": c.time,
                    "value": c.value.to_string(),
                })).collect::<Vec<Value>>(),
                "summary": summary,
                "reproduce": plan.command("orsma"),
            });
            let text = serde_json::to_string_pretty(&timeline).context("cannot render the timeline")?;
            Some(write_out(dir, &text, &plot(&report, &config)?)?)
        }
        None => None,
    };

    let command = plan.command(&invoked_program());
    if args.json {
        let mut out = json!({
            "config": config_json(plan, &config),
            "summary": summary,
            "wall_seconds": wall,
            "heights_per_wall_second": report.heights as f64 / wall.max(1e-9),
            "reproduce": command,
        });
        if let Some((timeline, svg)) = &written {
            out["written"] = json!([timeline.display().to_string(), svg.display().to_string()]);
        }
        outln!("{}", serde_json::to_string_pretty(&out).context("cannot render the summary")?);
    } else {
        print_summary(&report, &config, &verdict, wall, &command);
        if let Some((timeline, svg)) = written {
            outln!("wrote      {} and {}", timeline.display(), svg.display());
        }
    }
    if !verdict.failed() {
        return Ok(ExitCode::SUCCESS);
    }
    if args.json {
        #[allow(clippy::print_stderr, reason = "with --json, stdout is for the JSON; the failure goes to stderr too")]
        {
            eprintln!("{} (seed {}); replay: {command}", verdict.describe(&report, &config), config.seed);
        }
    }
    Ok(ExitCode::from(EXIT_FAILED))
}

fn sweep(plan: &Plan, range: SeedRange, json_out: bool) -> anyhow::Result<ExitCode> {
    let total = range.last - range.first + 1;
    if !plan.swarm {
        // The powers and behaviours are the same for every seed: warn once.
        warn(&plan.config());
    }
    let what = if plan.swarm { "swarm configurations" } else { "the flags' configuration" };
    if !json_out {
        outln!(
            "orsma sim consensus: {total} seeds {range}, {what}, {} validators, {} heights",
            plan.nodes,
            plan.heights
        );
    }
    let started = Instant::now();
    let bar = progress_bar(total, "{spinner} {bar:40} {pos}/{len} seeds {elapsed} {wide_msg}");
    let program = invoked_program();
    let (mut passed, mut failed) = (0u64, 0u64);
    let mut runs = Vec::new();
    for seed in range.first..=range.last {
        let run = plan.with_seed(seed);
        let config = run.config();
        let report = simulate(config.clone(), None)?;
        let verdict = Verdict::of(&report, &config);
        let command = run.command(&program);
        if verdict.failed() {
            failed += 1;
            let line = format!("seed {seed}  {}  replay: {command}", verdict.describe(&report, &config));
            if json_out {
                #[allow(clippy::print_stderr, reason = "with --json, stdout is for the JSON")]
                bar.suspend(|| eprintln!("{line}"));
            } else {
                bar.suspend(|| outln!("{line}"));
            }
        } else {
            passed += 1;
        }
        bar.inc(1);
        bar.set_message(format!("{failed} failed"));
        if json_out {
            runs.push(json!({
                "seed": seed,
                "verdict": verdict.name(),
                "passed": !verdict.failed(),
                "violation": report.violation.as_ref().map(violation_json),
                "heights": report.heights,
                "max_height": report.max_height,
                "simulated_time_us": report.time,
                "expects_progress": config.expects_progress(),
                "reproduce": command,
            }));
        }
    }
    bar.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();
    if json_out {
        let out = json!({
            "seeds": {"first": range.first, "last": range.last},
            "swarm": plan.swarm,
            "nodes": plan.nodes,
            "heights": plan.heights,
            "runs": runs,
            "passed": passed,
            "failed": failed,
            "wall_seconds": wall,
        });
        outln!("{}", serde_json::to_string_pretty(&out).context("cannot render the sweep")?);
    } else {
        outln!("{total} seeds: {passed} passed, {failed} failed ({wall:.2} s)");
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILED) })
}

fn write_out(dir: &Path, json_text: &str, svg: &str) -> anyhow::Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let json_path = dir.join("timeline.json");
    let svg_path = dir.join("commits.svg");
    std::fs::write(&json_path, format!("{json_text}\n"))
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    std::fs::write(&svg_path, svg).with_context(|| format!("cannot write {}", svg_path.display()))?;
    Ok((json_path, svg_path))
}

fn engine_name(engine: EngineKind) -> &'static str {
    match engine {
        EngineKind::Tendermint => "tendermint",
        EngineKind::Dummy => "dummy",
    }
}

fn behaviour_json(b: Behaviour) -> Value {
    match b {
        Behaviour::CrashRestart { crash_at, restart_at } => {
            json!({"behaviour": b.name(), "crash_us": crash_at, "restart_us": restart_at})
        }
        Behaviour::Faulty { drop, delay } => json!({"behaviour": b.name(), "drop": drop, "max_delay_us": delay}),
        _ => json!({"behaviour": b.name()}),
    }
}

/// The configuration as run: the flags that replay it and everything they resolved to.
fn config_json(plan: &Plan, c: &SimConfig) -> Value {
    let validators: Vec<Value> = (0..c.n())
        .map(|i| {
            let mut v = json!({"node": i, "power": c.powers.get(i).copied().unwrap_or(0)});
            if let (Some(obj), Value::Object(b)) = (v.as_object_mut(), behaviour_json(c.behaviour(i))) {
                obj.extend(b);
            }
            v
        })
        .collect();
    let (faulty, total) = c.faulty_power();
    let t = &c.timeouts;
    json!({
        "flags": plan.args(),
        "seed": c.seed,
        "swarm": plan.swarm,
        "nodes": c.n(),
        "heights": c.heights,
        "engine": engine_name(c.engine),
        "validators": validators,
        "power": {
            "total": total,
            "faulty": faulty,
            "byzantine": c.byzantine_power(),
            "expects_progress": c.expects_progress(),
        },
        "network": {
            "latency": LatencySpec(c.net.latency).to_string(),
            "link_spread": c.net.link_spread,
            "drop": c.net.drop,
            "duplicate": c.net.duplicate,
            "reorder": c.net.reorder,
            "topology": TopologySpec(c.net.topology).to_string(),
            "rewire_every_us": c.net.rewire_every,
            "fanout": c.net.fanout,
            "partitions": c.net.partitions.len(),
        },
        "timeouts_ms": {
            "propose": t.propose_ms,
            "propose_delta": t.propose_delta_ms,
            "prevote": t.prevote_ms,
            "prevote_delta": t.prevote_delta_ms,
            "precommit": t.precommit_ms,
            "precommit_delta": t.precommit_delta_ms,
        },
        "pipelined_validation_us": c.pipelined_validation,
        "max_drift_ppm": c.max_drift_ppm,
        "gossip_every_us": c.gossip_every,
        "progress_bound_us": c.progress_bound,
        "max_time_us": c.max_time,
        "verify_cache": c.verify_cache,
    })
}

/// The two sides of each partition, by node.
fn partitions_json(c: &SimConfig) -> Value {
    let parts: Vec<Value> = c
        .net
        .partitions
        .iter()
        .map(|p| {
            let side = |g: u8| -> Vec<usize> { (0..p.group.len()).filter(|&i| p.group[i] == g).collect() };
            json!({"start_us": p.start, "end_us": p.end, "sides": [side(0), side(1)]})
        })
        .collect();
    Value::Array(parts)
}

fn crashes_json(c: &SimConfig) -> Value {
    let crashes: Vec<Value> = (0..c.n())
        .filter_map(|i| match c.behaviour(i) {
            Behaviour::CrashRestart { crash_at, restart_at } => {
                Some(json!({"node": i, "crash_us": crash_at, "restart_us": restart_at}))
            }
            _ => None,
        })
        .collect();
    Value::Array(crashes)
}

fn violation_json(v: &Violation) -> Value {
    json!({"kind": v.kind(), "message": v.to_string()})
}

/// Round → heights whose first decision came in it, for rounds 0 to 9 and 10 or more together.
fn round_histogram(rounds: &[u32]) -> Vec<(String, u64)> {
    let max = rounds.iter().copied().max().unwrap_or(0);
    let mut buckets = vec![0u64; max.min(10) as usize + 1];
    for &r in rounds {
        buckets[r.min(10) as usize] += 1;
    }
    buckets.iter().enumerate().map(|(r, &n)| (if r == 10 { "10+".to_owned() } else { r.to_string() }, n)).collect()
}

/// The summary: a function of the configuration alone (no wall time), so it is part of the
/// deterministic timeline.
fn summary_json(r: &Report, c: &SimConfig, verdict: &Verdict) -> Value {
    let k = &r.counters;
    let rounds_max = r.rounds.iter().copied().max().unwrap_or(0);
    let rounds_mean = if r.rounds.is_empty() {
        0.0
    } else {
        r.rounds.iter().map(|&x| f64::from(x)).sum::<f64>() / r.rounds.len() as f64
    };
    let mut per_round = std::collections::BTreeMap::<u32, u64>::new();
    for &round in &r.rounds {
        *per_round.entry(round).or_default() += 1;
    }
    let histogram: Vec<Value> =
        per_round.into_iter().map(|(round, heights)| json!({"round": round, "heights": heights})).collect();
    json!({
        "verdict": verdict.name(),
        "passed": !verdict.failed(),
        "message": verdict.describe(r, c),
        "violation": r.violation.as_ref().map(violation_json),
        "seed": r.seed,
        "heights": {"target": c.heights, "decided": r.heights, "highest": r.max_height, "completed": r.completed},
        "decisions": r.commits.len(),
        "rounds": {"mean": rounds_mean, "max": rounds_max, "histogram": histogram},
        "counters": {
            "messages": k.messages,
            "consensus_messages": k.consensus_messages,
            "certificates": k.certificates,
            "deliveries": k.deliveries,
            "dropped": k.dropped,
            "duplicated": k.duplicated,
            "relayed": k.relayed,
            "timers": k.timers,
            "events": k.events,
            "verified": k.verified,
            "cache_hits": k.cache_hits,
        },
        "messages_per_height": per(k.messages, r.max_height),
        "evidence": r.evidence,
        "simulated_time_us": r.time,
    })
}

fn per(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// `0..=3,7,9..=10`: node indices, runs of three or more as ranges.
fn ranges(nodes: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < nodes.len() {
        let mut j = i;
        while j + 1 < nodes.len() && nodes[j + 1] == nodes[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            parts.push(format!("{}..={}", nodes[i], nodes[j]));
        } else {
            parts.extend(nodes[i..=j].iter().map(usize::to_string));
        }
        i = j + 1;
    }
    parts.join(",")
}

fn seconds(us: Micros) -> String {
    format!("{:.2} s", us as f64 / 1e6)
}

fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How many lines of a list the summary prints before it says how many more there are.
const SUMMARY_LIST: usize = 6;

fn print_summary(r: &Report, c: &SimConfig, verdict: &Verdict, wall: f64, command: &str) {
    let engine = match c.engine {
        EngineKind::Tendermint => "Tendermint",
        EngineKind::Dummy => "the dummy consensus",
    };
    outln!("orsma sim consensus: {} validators running {engine}, seed {}, {} heights", c.n(), c.seed, c.heights);

    // Validators grouped by behaviour, honest first, then in assignment order.
    let (faulty, total) = c.faulty_power();
    let mut groups: Vec<(&'static str, Vec<usize>, u64)> = Vec::new();
    for i in 0..c.n() {
        let name = c.behaviour(i).name();
        let power = c.powers.get(i).copied().unwrap_or(0);
        match groups.iter_mut().find(|g| g.0 == name) {
            Some(g) => {
                g.1.push(i);
                g.2 += power;
            }
            None => groups.push((name, vec![i], power)),
        }
    }
    groups.sort_by_key(|g| (g.0 != "honest", std::cmp::Reverse(g.1.last().copied())));
    let described: Vec<String> =
        groups.iter().map(|(name, nodes, power)| format!("{} {name} (power {power})", ranges(nodes))).collect();
    outln!("nodes      {}", described.join("; "));
    let pct = |p: u64| 100.0 * p as f64 / total.max(1) as f64;
    outln!(
        "power      {total} in all; faulty {faulty} ({:.1}%), protocol-breaking {} ({:.1}%); progress {}",
        pct(faulty),
        c.byzantine_power(),
        pct(c.byzantine_power()),
        if c.expects_progress() { "checked (faulty < 1/3)" } else { "not checked (faulty ≥ 1/3)" }
    );
    // A fault set to start after the run ended never happened: say so.
    let after_end = |start: Micros| if start >= r.time { "  (after the run ended)" } else { "" };
    let crashes: Vec<String> = (0..c.n())
        .filter_map(|i| match c.behaviour(i) {
            Behaviour::CrashRestart { crash_at, restart_at } => {
                Some(format!("node {i} down {} – {}{}", seconds(crash_at), seconds(restart_at), after_end(crash_at)))
            }
            _ => None,
        })
        .collect();
    print_list("crashes", &crashes);
    let n = &c.net;
    outln!(
        "network    latency {} (×{}–{} per link), drop {}, duplicate {}, reorder {}, topology {}{}{}, drift ≤ {} ppm",
        LatencySpec(n.latency),
        1.0 - n.link_spread,
        1.0 + n.link_spread,
        n.drop,
        n.duplicate,
        n.reorder,
        TopologySpec(n.topology),
        if n.rewire_every > 0 { format!(" rewired every {}", seconds(n.rewire_every)) } else { String::new() },
        n.fanout.map(|k| format!(", fan-out {k}")).unwrap_or_default(),
        c.max_drift_ppm
    );
    let mut sorted: Vec<&sim::Partition> = n.partitions.iter().collect();
    sorted.sort_by_key(|p| (p.start, p.end));
    let partitions: Vec<String> = sorted
        .iter()
        .map(|p| {
            let side = |g: u8| -> Vec<usize> { (0..p.group.len()).filter(|&i| p.group[i] == g).collect() };
            format!(
                "{} – {}  {{{}}} | {{{}}}{}",
                seconds(p.start),
                seconds(p.end),
                ranges(&side(0)),
                ranges(&side(1)),
                after_end(p.start)
            )
        })
        .collect();
    print_list("partitions", &partitions);
    outln!("");

    outln!(
        "heights    {} of {} decided by every correct validator (highest decided {}, {} decisions in all)",
        r.heights,
        c.heights,
        r.max_height,
        count(r.commits.len() as u64)
    );
    let max_round = r.rounds.iter().copied().max().unwrap_or(0);
    let mean_round = if r.rounds.is_empty() {
        0.0
    } else {
        r.rounds.iter().map(|&x| f64::from(x)).sum::<f64>() / r.rounds.len() as f64
    };
    if r.rounds.is_empty() {
        outln!("rounds     no height decided");
    } else {
        outln!("rounds     mean {mean_round:.3}, max {max_round} (the round of each height's first decision)");
        let histogram = round_histogram(&r.rounds);
        let widest = histogram.iter().map(|h| h.1).max().unwrap_or(0).max(1);
        for (round, heights) in histogram {
            let bar = "█".repeat(((heights * 40).div_ceil(widest)) as usize);
            outln!("  round {round:>3}  {heights:>8}  {bar}");
        }
    }
    let k = &r.counters;
    let per_height = per(k.messages, r.max_height).map_or_else(|| "–".to_owned(), |m| format!("{m:.1}"));
    outln!(
        "messages   {} sent ({} proposals and votes, {} catch-up certificates), {per_height} per height",
        count(k.messages),
        count(k.consensus_messages),
        count(k.certificates)
    );
    outln!(
        "delivery   {} delivered, {} dropped, {} duplicated, {} relayed",
        count(k.deliveries),
        count(k.dropped),
        count(k.duplicated),
        count(k.relayed)
    );
    if c.verify_cache {
        let all = k.verified + k.cache_hits;
        let rate = if all == 0 { 0.0 } else { 100.0 * k.cache_hits as f64 / all as f64 };
        outln!(
            "signatures {} verified, {} answered by the shared cache ({rate:.1}%)",
            count(k.verified),
            count(k.cache_hits)
        );
    } else {
        outln!("signatures not counted (--no-verify-cache: every validator verifies every signature itself)");
    }
    outln!("evidence   {} (offender, height) pairs of equivocation reported", r.evidence);
    let simulated = r.time as f64 / 1e6;
    outln!(
        "time       {simulated:.2} s simulated in {wall:.2} s ({:.0} heights per wall second, {:.0}× real time)",
        r.heights as f64 / wall.max(1e-9),
        simulated / wall.max(1e-9)
    );
    outln!("");
    outln!("verdict    {}", verdict.describe(r, c));
    if verdict.failed() {
        outln!("seed       {}", c.seed);
    }
    outln!("replay     {command}");
}

fn print_list(label: &str, items: &[String]) {
    for (i, item) in items.iter().take(SUMMARY_LIST).enumerate() {
        outln!("{:<10} {item}", if i == 0 { label } else { "" });
    }
    if items.len() > SUMMARY_LIST {
        outln!("{:<10} … and {} more (see timeline.json with --out)", "", items.len() - SUMMARY_LIST);
    }
}

/// A colour per behaviour: honest validators in shades of blue, each fault in its own hue.
fn colour(b: Behaviour, i: usize) -> plotters::style::RGBColor {
    use plotters::style::RGBColor;
    match b {
        Behaviour::Honest => {
            let shades = [(31, 119, 180), (23, 90, 150), (70, 150, 210), (40, 105, 165), (90, 160, 220)];
            let (r, g, b) = shades[i % shades.len()];
            RGBColor(r, g, b)
        }
        Behaviour::CrashRestart { .. } => RGBColor(255, 127, 14),
        Behaviour::Faulty { .. } => RGBColor(227, 119, 194),
        Behaviour::Dead => RGBColor(127, 127, 127),
        Behaviour::Byzantine => RGBColor(214, 39, 40),
        Behaviour::Deviates(Deviation::IgnoresLock) => RGBColor(148, 103, 189),
        Behaviour::Deviates(Deviation::SkipsValidation) => RGBColor(140, 86, 75),
        Behaviour::BadStateHash => RGBColor(188, 189, 34),
    }
}

/// Height against simulated time, a step line per validator; partitions shaded.
fn plot(report: &Report, c: &SimConfig) -> anyhow::Result<String> {
    use plotters::prelude::*;

    use super::sim::{Axes, draw_error, svg_plot};

    let n = c.n();
    let mut per_node: Vec<Vec<(f64, f64)>> = vec![Vec::new(); n];
    for commit in &report.commits {
        if let Some(points) = per_node.get_mut(commit.node) {
            points.push((commit.time as f64 / 1e6, commit.height as f64));
        }
    }
    let x_max = (report.time as f64 / 1e6).max(1e-3) * 1.02;
    let y_max = (report.max_height.max(report.commits.iter().map(|c| c.height).max().unwrap_or(0)) as f64 + 1.0) * 1.02;
    let axes = Axes {
        size: (960, 560),
        caption: format!(
            "Heights decided: {} validators, {}, seed {}",
            n,
            match c.engine {
                EngineKind::Tendermint => "Tendermint",
                EngineKind::Dummy => "dummy consensus",
            },
            c.seed
        ),
        x: 0f64..x_max,
        y: 0f64..y_max,
        x_desc: "simulated time (s)",
        y_desc: "height decided",
        x_label: &|x| if x_max >= 10.0 { format!("{x:.0}") } else { format!("{x:.1}") },
        y_label: &|y| format!("{y:.0}"),
        legend: SeriesLabelPosition::UpperLeft,
    };
    svg_plot(axes, |chart| {
        let mut first_partition = true;
        for p in &c.net.partitions {
            let (x0, x1) = (p.start as f64 / 1e6, (p.end as f64 / 1e6).min(x_max));
            if x0 >= x_max {
                continue;
            }
            let shade = Rectangle::new([(x0, 0.0), (x1, y_max)], BLACK.mix(0.08).filled());
            let drawn = chart.draw_series(std::iter::once(shade)).map_err(|e| draw_error(&e))?;
            if first_partition {
                drawn
                    .label("partition")
                    .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], BLACK.mix(0.15).filled()));
                first_partition = false;
            }
        }
        // Faulty validators first, under the honest ones, so that they stand out without hiding
        // them.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| c.behaviour(i) == Behaviour::Honest);
        let mut labelled: Vec<&'static str> = Vec::new();
        for i in order {
            let Some(points) = per_node.get(i).filter(|p| !p.is_empty()) else { continue };
            let behaviour = c.behaviour(i);
            let colour = colour(behaviour, i);
            let stride = points.len().div_ceil(PLOT_POINTS).max(1);
            let mut kept: Vec<(f64, f64)> = points.iter().step_by(stride).copied().collect();
            if let Some(&last) = points.last()
                && kept.last() != Some(&last)
            {
                kept.push(last);
            }
            // A step: the height holds until the next decision.
            let mut steps = Vec::with_capacity(2 * kept.len() + 1);
            let mut previous = 0.0;
            for (x, y) in kept {
                steps.push((x, previous));
                steps.push((x, y));
                previous = y;
            }
            steps.push((report.time as f64 / 1e6, previous));
            let width = if behaviour == Behaviour::Honest { 1 } else { 3 };
            let drawn =
                chart.draw_series(LineSeries::new(steps, colour.stroke_width(width))).map_err(|e| draw_error(&e))?;
            if !labelled.contains(&behaviour.name()) {
                labelled.push(behaviour.name());
                drawn
                    .label(behaviour.name())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    /// `orsma sim consensus` with these flags, parsed as the command line parses them.
    fn parse(flags: &[&str]) -> Result<ConsensusArgs, clap::Error> {
        #[derive(Debug, Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: ConsensusArgs,
        }
        Wrapper::try_parse_from(std::iter::once("consensus").chain(flags.iter().copied())).map(|w| w.args)
    }

    fn plan(flags: &[&str]) -> Plan {
        parse(flags).unwrap_or_else(|e| panic!("{flags:?}: {e}")).plan().unwrap_or_else(|e| panic!("{flags:?}: {e}"))
    }

    #[test]
    fn durations_parse_with_units_and_print_back_in_the_largest_exact_one() {
        let parse = |t: &str| t.parse::<Dur>().map(|d| d.0);
        assert_eq!(parse("0"), Ok(0));
        assert_eq!(parse("250us"), Ok(250));
        assert_eq!(parse("250µs"), Ok(250));
        assert_eq!(parse("50ms"), Ok(50_000));
        assert_eq!(parse("2s"), Ok(2_000_000));
        assert_eq!(parse("1.5s"), Ok(1_500_000));
        assert_eq!(parse(".5ms"), Ok(500));
        assert_eq!(parse("2min"), Ok(120_000_000));
        assert_eq!(parse("1h"), Ok(3_600_000_000));
        for bad in ["", "50", "5 s", "1.5us", "ms", "1.2.3s", "-1s", "5d", "99999999999999999999s", "1e3ms"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        for (us, text) in [(0, "0"), (1_500_000, "1500ms"), (120_000_000, "120s"), (7, "7us"), (3_000, "3ms")] {
            assert_eq!(Dur(us).to_string(), text);
            assert_eq!(parse(text), Ok(us));
        }
    }

    #[test]
    fn latencies_topologies_and_seed_ranges_parse_and_print_back() {
        for text in ["const:50ms", "uniform:20ms..120ms", "exp:5ms,100ms", "uniform:0..1s"] {
            assert_eq!(text.parse::<LatencySpec>().map(|l| l.to_string()), Ok(text.to_owned()));
        }
        assert_eq!("constant:1s".parse::<LatencySpec>(), Ok(LatencySpec(Latency::Constant(1_000_000))));
        for bad in ["50ms", "uniform:2s..1s", "exp:100ms,5ms", "normal:1s", "const:5", "uniform:1s"] {
            assert!(bad.parse::<LatencySpec>().is_err(), "{bad}");
        }
        for text in ["full", "ring", "ring:2", "random:3"] {
            assert_eq!(text.parse::<TopologySpec>().map(|t| t.to_string()), Ok(text.to_owned()));
        }
        assert_eq!("ring:0".parse::<TopologySpec>(), Ok(TopologySpec(Topology::Ring { chords: 0 })));
        for bad in ["mesh", "random", "ring:x", "random:-1", "full:2"] {
            assert!(bad.parse::<TopologySpec>().is_err(), "{bad}");
        }
        assert_eq!("0..20".parse::<SeedRange>(), Ok(SeedRange { first: 0, last: 19 }));
        assert_eq!("5..=5".parse::<SeedRange>(), Ok(SeedRange { first: 5, last: 5 }));
        for bad in ["3..3", "5..=4", "7", "a..b", "0..2000000"] {
            assert!(bad.parse::<SeedRange>().is_err(), "{bad}");
        }
        for bad in ["1.5", "-0.1", "NaN", "x"] {
            assert!(bad.parse::<Probability>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_default_flags_build_the_simulators_default_configuration() {
        assert_eq!(plan(&[]).config(), SimConfig::new(DEFAULT_SEED, DEFAULT_NODES, DEFAULT_HEIGHTS));
        assert_eq!(plan(&["--seed", "9"]).args(), ["--seed", "9"]);
        let swarm = plan(&["--swarm", "--seed", "3", "--nodes", "7", "--heights", "5"]);
        assert_eq!(swarm.config(), SimConfig::swarm(3, 7, 5));
        assert_eq!(swarm.args(), ["--swarm", "--seed", "3", "--nodes", "7", "--heights", "5"]);
    }

    #[test]
    fn behaviours_are_assigned_from_the_highest_index_down() {
        let p = plan(&["--nodes", "9", "--byzantine", "1", "--dead", "1", "--crash", "2", "--bad-state", "1"]);
        let b = p.config().behaviours;
        assert_eq!(b[8], Behaviour::Byzantine);
        assert_eq!(b[7], Behaviour::Dead);
        assert!(matches!(b[6], Behaviour::CrashRestart { .. }) && matches!(b[5], Behaviour::CrashRestart { .. }));
        assert_eq!(b[4], Behaviour::BadStateHash);
        assert!(b[..4].iter().all(|&x| x == Behaviour::Honest));
        for &x in &b[5..=6] {
            let Behaviour::CrashRestart { crash_at, restart_at } = x else { unreachable!() };
            assert!(crash_at < DEFAULT_FAULT_PHASE);
            let down = restart_at - crash_at;
            assert!((DEFAULT_FAULT_PHASE / 60..=DEFAULT_FAULT_PHASE / 3 * 2).contains(&down), "{down}");
        }
        assert_ne!(b[5], b[6], "each crashing node draws its own times");
        assert_eq!(p.config(), p.config(), "and draws them from the seed");
        assert_ne!(p.with_seed(2).config().behaviours, b);
    }

    /// Config → flags → parse → the same config, for a configuration that sets every flag.
    #[test]
    fn the_replay_command_rebuilds_the_same_configuration() {
        let rich = [
            "--seed",
            "4242",
            "--powers",
            "10,20,5,7,7,9,13,1",
            "--heights",
            "17",
            "--byzantine",
            "1",
            "--dead",
            "1",
            "--crash",
            "1",
            "--faulty",
            "1",
            "--ignores-lock",
            "1",
            "--skips-validation",
            "1",
            "--bad-state",
            "1",
            "--faulty-drop",
            "0.125",
            "--faulty-delay",
            "1.25s",
            "--latency",
            "exp:5ms,100ms",
            "--drop",
            "0.05",
            "--duplicate",
            "0.1",
            "--reorder",
            "0.3",
            "--topology",
            "ring:2",
            "--rewire-every",
            "7s",
            "--fanout",
            "3",
            "--partitions",
            "3",
            "--fault-phase",
            "45s",
            "--drift-ppm",
            "5000",
            "--pipelined-validation",
            "20ms",
            "--dummy",
            "--progress-bound",
            "90s",
            "--max-time",
            "1h",
            "--no-verify-cache",
        ];
        let original = plan(&rich);
        let config = original.config();
        assert_eq!(config.net.partitions.len(), 3);
        let args = original.args();
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        let replayed = plan(&words);
        assert_eq!(replayed, original);
        assert_eq!(replayed.config(), config);
        // Every flag differs from its default, so every one is in the replay command
        // (`--max-time 1h` is the default and is left out).
        for flag in rich.iter().filter(|a| a.starts_with("--") && **a != "--max-time") {
            assert!(words.contains(flag), "{flag} missing from {words:?}");
        }
        assert!(!words.contains(&"--max-time"));
        // The printed line splits back into the same words: nothing in it needs quoting.
        let line = original.command("orsma");
        let split: Vec<&str> = line.split(' ').skip(3).collect();
        assert_eq!(split, words, "{line}");
    }

    #[test]
    fn the_replay_command_of_a_swarm_or_a_sweep_names_one_seed() {
        let p = plan(&["--swarm", "--seeds", "0..20", "--nodes", "7", "--heights", "5", "--max-time", "10min"]);
        let line = p.with_seed(13).command("orsma");
        assert_eq!(line, "orsma sim consensus --swarm --seed 13 --nodes 7 --heights 5 --max-time 600s");
    }

    #[test]
    fn impossible_configurations_are_refused_with_what_to_change() {
        for (flags, says) in [
            (&["--nodes", "0"][..], "--nodes 1 or more"),
            (&["--nodes", "3", "--byzantine", "2", "--dead", "2"][..], "raise --nodes"),
            (&["--nodes", "3", "--powers", "1,2"][..], "drop --nodes"),
            (&["--fanout", "0"][..], "--fanout"),
            (&["--heights", "0"][..], "--heights"),
            (&["--drift-ppm", "200000"][..], "--drift-ppm"),
            (&["--max-time", "0"][..], "--max-time"),
        ] {
            let error = parse(flags).map(|a| a.plan()).expect("parses").expect_err("refused");
            assert!(error.to_string().contains(says), "{flags:?}: {error}");
        }
        for flags in [
            &["--swarm", "--drop", "0.1"][..],
            &["--seed", "1", "--seeds", "0..3"][..],
            &["--powers", "1,0"][..],
            &["--latency", "50ms"][..],
            &["--seeds", "0..2", "--out", "x"][..],
        ] {
            assert!(parse(flags).is_err(), "{flags:?}");
        }
    }

    #[test]
    fn node_lists_print_runs_as_ranges() {
        assert_eq!(ranges(&[0, 1, 2, 3, 5, 7, 8, 10, 11, 12]), "0..=3,5,7,8,10..=12");
        assert_eq!(ranges(&[]), "");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(
            round_histogram(&[0, 0, 2, 13]),
            [
                ("0".to_owned(), 2),
                ("1".to_owned(), 0),
                ("2".to_owned(), 1),
                ("3".to_owned(), 0),
                ("4".to_owned(), 0),
                ("5".to_owned(), 0),
                ("6".to_owned(), 0),
                ("7".to_owned(), 0),
                ("8".to_owned(), 0),
                ("9".to_owned(), 0),
                ("10+".to_owned(), 1)
            ]
        );
    }
}
