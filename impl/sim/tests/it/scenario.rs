//! Adversarial schedules for the simulator, shared by the property tests (`props.rs`) and the
//! `consensus_schedule` fuzz target (which includes this file by path), so that both check the
//! same property over the same configurations: with the power of the nodes that do not follow
//! the protocol (Byzantine, deviating, bad state hash) strictly below a third of the total,
//! no protocol-following node ever decides two values at a height, one height twice or an
//! invalid block, whatever the network does and whichever of the other nodes are dead,
//! crash and restart, or lose and delay their messages.
//!
//! A [`Scenario`] is the structured part of an input; the network's per-message decisions
//! (latencies, drops, duplicates, reorder delays, fan-out picks, rewiring) come from a
//! schedule tape first (`SimConfig::schedule_tape`), then from the seed. Only safety is
//! checked: under an adversarial schedule a run that stalls or does not finish is no bug, so
//! progress checks are off and every run is bounded by [`MAX_TIME`] and [`MAX_EVENTS`].
//!
//! It depends on `sim` and `consensus` only. The generators (the fuzz target's `arbitrary`
//! decoder and the proptest strategies) draw every field from the ranges and tables below.

use std::fmt::Write as _;
use std::ops::RangeInclusive;
use std::sync::Arc;

use consensus::TimeoutConfig;
use sim::{Behaviour, Micros, NetConfig, Partition, Report, Sim, SimConfig, Violation};

/// Validators per run.
pub(crate) const VALIDATORS: RangeInclusive<usize> = 4..=10;
/// Heights to decide.
pub(crate) const HEIGHTS: RangeInclusive<u64> = 2..=4;
/// Voting power of a validator.
pub(crate) const POWER: RangeInclusive<u64> = 1..=30;
/// Simulated time a run may take: 30 s.
pub(crate) const MAX_TIME: Micros = 30_000_000;
/// Events a run may process (bounds the cost of runs with many short rounds).
pub(crate) const MAX_EVENTS: u64 = 20_000;
/// A node's behaviour kind: 1 dead, 2 crash-restart, 3 faulty, 4 ignores-lock, 5 skips-validation,
/// 6 Byzantine, 7 bad state hash, any other (half of them) honest.
pub(crate) const BEHAVIOUR_KIND: RangeInclusive<u8> = 0..=15;
/// When a crash-restart node crashes, and for how long it stays down (it may stay down past
/// the end of the run).
pub(crate) const CRASH_AT: RangeInclusive<Micros> = 0..=MAX_TIME;
pub(crate) const DOWN_FOR: RangeInclusive<Micros> = 0..=MAX_TIME;
/// A faulty node's drop probability and the most it delays a message.
pub(crate) const FAULTY_DROP: [f64; 4] = [0.1, 0.3, 0.6, 1.0];
pub(crate) const FAULTY_DELAY: RangeInclusive<Micros> = 0..=1_000_000;
/// Latency parameters (constant, minimum, maximum or mean), µs.
pub(crate) const LATENCY: RangeInclusive<Micros> = 0..=500_000;
pub(crate) const LINK_SPREAD: [f64; 3] = [0.0, 0.5, 0.95];
pub(crate) const DROP: [f64; 5] = [0.0, 0.01, 0.1, 0.3, 0.5];
pub(crate) const DUPLICATE: [f64; 4] = [0.0, 0.05, 0.2, 0.5];
pub(crate) const REORDER: [f64; 4] = [0.0, 0.1, 0.3, 0.7];
/// `Ring { chords }` and `Random { degree }`.
pub(crate) const CHORDS: RangeInclusive<u32> = 0..=2;
pub(crate) const DEGREE: RangeInclusive<u32> = 1..=3;
/// Redraw the topology this often, when at all.
pub(crate) const REWIRE_EVERY: RangeInclusive<Micros> = 200_000..=10_000_000;
/// Partitions per run, when each starts and how long it lasts.
pub(crate) const PARTITIONS: RangeInclusive<usize> = 0..=3;
pub(crate) const PARTITION_START: RangeInclusive<Micros> = 0..=MAX_TIME;
pub(crate) const PARTITION_LEN: RangeInclusive<Micros> = 0..=MAX_TIME;
pub(crate) const MAX_DRIFT_PPM: [u32; 5] = [0, 100, 5_000, 50_000, 200_000];
/// Pipelined validation answers this long after the question, when it is on.
pub(crate) const VALIDATE_DELAY: RangeInclusive<Micros> = 0..=500_000;
/// Timeout bases and per-round deltas, ms (the defaults are 3000/1000/1000 and 500).
pub(crate) const TIMEOUT_MS: RangeInclusive<u64> = 10..=3_000;
pub(crate) const TIMEOUT_DELTA_MS: RangeInclusive<u64> = 0..=1_000;
/// Re-gossip intervals (0: no re-gossip).
pub(crate) const GOSSIP_EVERY: [Micros; 4] = [0, 200_000, 1_000_000, 3_000_000];

/// The structured part of an input: everything but the schedule tape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scenario {
    pub(crate) seed: u64,
    /// Each validator's power and behaviour as drawn; [`admit`] demotes deviating nodes to
    /// honest where they would reach a third of the power.
    pub(crate) nodes: Vec<(u64, Behaviour)>,
    pub(crate) heights: u64,
    pub(crate) net: NetConfig,
    pub(crate) max_drift_ppm: u32,
    pub(crate) pipelined_validation: Option<Micros>,
    pub(crate) timeouts: TimeoutConfig,
    pub(crate) gossip_every: Micros,
}

/// A partition of `n` nodes: node `i` on side `mask >> i & 1` during `[start, start + len)`.
pub(crate) fn partition(n: usize, start: Micros, len: Micros, mask: u16) -> Partition {
    Partition { start, end: start.saturating_add(len), group: (0..n).map(|i| (mask >> i & 1) as u8).collect() }
}

/// The behaviours that run: in node order, a node that does not follow the protocol keeps its
/// behaviour while the power of such nodes stays strictly below a third of the total, and is
/// honest otherwise. Dead, crash-restart and faulty nodes are kept whatever their power.
pub(crate) fn admit(nodes: &[(u64, Behaviour)]) -> Vec<Behaviour> {
    let total: u64 = nodes.iter().map(|&(p, _)| p).sum();
    let mut deviating = 0u64;
    nodes
        .iter()
        .map(|&(power, b)| {
            if b.follows_protocol() {
                b
            } else if 3 * (deviating + power) < total {
                deviating += power;
                b
            } else {
                Behaviour::Honest
            }
        })
        .collect()
}

impl Scenario {
    /// The simulation: this scenario with `tape` deciding the network first, no progress
    /// checks, at most [`MAX_TIME`].
    pub(crate) fn config(&self, tape: &[u8]) -> SimConfig {
        let n = self.nodes.len();
        let mut c = SimConfig::new(self.seed, n, self.heights);
        c.powers = self.nodes.iter().map(|&(p, _)| p).collect();
        c.behaviours = admit(&self.nodes);
        c.net = self.net.clone();
        c.max_drift_ppm = self.max_drift_ppm;
        c.pipelined_validation = self.pipelined_validation;
        c.timeouts = self.timeouts;
        c.gossip_every = self.gossip_every;
        c.progress_bound = 0;
        c.max_time = MAX_TIME;
        c.schedule_tape = Some(Arc::from(tape));
        c
    }
}

/// Runs `config` to its end, to [`MAX_EVENTS`] events, or to a violation.
pub(crate) fn run(config: &SimConfig) -> Report {
    let mut sim = Sim::new(config.clone()).expect("powers are positive and keys distinct");
    let mut events = 0;
    while !sim.finished() && events < MAX_EVENTS {
        sim.step();
        events += 1;
    }
    sim.report()
}

/// The report's violation if it is one of safety (agreement, integrity, validity).
pub(crate) fn safety_violation(report: &Report) -> Option<&Violation> {
    report
        .violation
        .as_ref()
        .filter(|v| matches!(v, Violation::Agreement { .. } | Violation::Integrity { .. } | Violation::Validity { .. }))
}

/// `config` for a failure message: everything but the tape as `Debug`, then the tape in hex.
pub(crate) fn describe(config: &SimConfig) -> String {
    let tape = config.schedule_tape.clone().unwrap_or_else(|| Arc::from([]));
    let shown = SimConfig { schedule_tape: None, ..config.clone() };
    let mut out = format!("{shown:#?}\nschedule_tape ({} bytes): ", tape.len());
    for b in tape.iter() {
        let _ = write!(out, "{b:02x}");
    }
    let (faulty, total) = config.faulty_power();
    let _ = write!(out, "\ndeviating power {} of {total} (not honest: {faulty})", config.byzantine_power());
    out
}
