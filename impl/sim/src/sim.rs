//! The discrete-event simulator (`docs/spec/simulator.md` §2, §6).

use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use consensus::{
    CachingVerifier, Config, DirectVerifier, Dummy, Height, Keypair, Round, Tendermint, TimeoutConfig, Validation,
    ValidatorSet, ValidatorSetError, Verifier,
};
use primitives::Hash32;

use crate::app::{SimApp, honest_valid};
use crate::net::{Links, NetConfig, Partition, Topology};
use crate::node::{Behaviour, ConsensusNode, Dest, Engine, Node, NodeInput, NodeOutput, NodeSetup, Packet, Timer};
use crate::queue::{EventQueue, Micros};
use crate::rng::Rng;

/// Which consensus the nodes run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Tendermint,
    Dummy,
}

/// A simulation's configuration: everything a run depends on, with the seed.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    /// Voting power per node; its length is the number of validators.
    pub powers: Vec<u64>,
    /// Behaviour per node (missing entries are honest).
    pub behaviours: Vec<Behaviour>,
    /// Stop when every correct node has decided this many heights.
    pub heights: u64,
    pub engine: EngineKind,
    pub net: NetConfig,
    pub timeouts: TimeoutConfig,
    /// `None`: validation by callback; `Some(d)`: pipelined, answered `d` µs later.
    pub pipelined_validation: Option<Micros>,
    /// Each node's clock runs at `1 + drift` with `|drift| ≤ max_drift_ppm / 10^6`.
    pub max_drift_ppm: u32,
    /// Nodes re-gossip their own messages of the current round and their status this often.
    pub gossip_every: Micros,
    /// After the last partition heals, every correct node must decide a new height within this
    /// bound (checked only when correct nodes hold more than 2/3 of the power).
    pub progress_bound: Micros,
    /// Give up at this simulated time.
    pub max_time: Micros,
    /// Share one verification cache between all nodes (`simulator.md` §6.3).
    pub verify_cache: bool,
    /// Bytes that decide the network's random choices before the seed does (fuzzing).
    pub schedule_tape: Option<std::sync::Arc<[u8]>>,
}

impl SimConfig {
    /// `n` equal-power honest validators over the default network.
    pub fn new(seed: u64, n: usize, heights: u64) -> SimConfig {
        SimConfig {
            seed,
            powers: vec![10; n],
            behaviours: vec![Behaviour::Honest; n],
            heights,
            engine: EngineKind::Tendermint,
            net: NetConfig::default(),
            timeouts: TimeoutConfig::default(),
            pipelined_validation: None,
            max_drift_ppm: 0,
            gossip_every: 1_000_000,
            progress_bound: 120_000_000,
            max_time: 3_600_000_000,
            verify_cache: true,
            schedule_tape: None,
        }
    }

    pub fn n(&self) -> usize {
        self.powers.len()
    }

    pub fn behaviour(&self, i: usize) -> Behaviour {
        self.behaviours.get(i).copied().unwrap_or(Behaviour::Honest)
    }

    /// Power held by nodes that are not [`Behaviour::Honest`], and the total.
    pub fn faulty_power(&self) -> (u64, u64) {
        let total: u64 = self.powers.iter().sum();
        let faulty = (0..self.n()).filter(|&i| !self.behaviour(i).is_correct()).map(|i| self.powers[i]).sum();
        (faulty, total)
    }

    /// Power of nodes that deviate from the protocol (Byzantine, deviating, bad state hash).
    pub fn byzantine_power(&self) -> u64 {
        (0..self.n()).filter(|&i| !self.behaviour(i).follows_protocol()).map(|i| self.powers[i]).sum()
    }

    /// Whether the liveness precondition holds: faulty power ≤ f, i.e. `3·faulty < total`.
    pub fn expects_progress(&self) -> bool {
        let (faulty, total) = self.faulty_power();
        3 * u128::from(faulty) < u128::from(total)
    }

    /// `count` random two-sided partitions, each starting in `[0, within)` and lasting
    /// `[min_len, max_len]`.
    pub fn random_partitions(&mut self, count: usize, within: Micros, min_len: Micros, max_len: Micros) {
        // Indexed by the partitions already there, so a second call draws new ones.
        let mut rng = Rng::split(self.seed, 7, self.net.partitions.len() as u64);
        let n = self.n();
        for _ in 0..count {
            let start = rng.below(within.max(1));
            let end = start.saturating_add(rng.between(min_len, max_len));
            let mut group = vec![0u8; n];
            // A random split with both sides non-empty (when n ≥ 2).
            let cut = 1 + rng.below(n.saturating_sub(1).max(1) as u64) as usize;
            let mut order: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut order);
            for &i in order.iter().take(cut) {
                if let Some(g) = group.get_mut(i) {
                    *g = 1;
                }
            }
            self.net.partitions.push(Partition { start, end, group });
        }
    }

    /// A random but valid configuration drawn from the seed ("swarm testing"): latency, loss,
    /// duplication, reordering, topology, fan-out, drift, partitions and up to `f` faulty
    /// nodes of every kind (Byzantine ones included).
    pub fn swarm(seed: u64, n: usize, heights: u64) -> SimConfig {
        let mut c = SimConfig::new(seed, n, heights);
        let mut rng = Rng::split(seed, 11, 0);
        c.powers = (0..n).map(|_| rng.between(1, 20)).collect();
        c.net.latency = match rng.below(3) {
            0 => crate::net::Latency::Constant(rng.between(1_000, 100_000)),
            1 => crate::net::Latency::Uniform { min: 5_000, max: rng.between(10_000, 400_000) },
            _ => crate::net::Latency::Exponential { min: 5_000, mean: rng.between(20_000, 300_000) },
        };
        c.net.drop = [0.0, 0.01, 0.05, 0.15][rng.below(4) as usize];
        c.net.duplicate = [0.0, 0.02, 0.1][rng.below(3) as usize];
        c.net.reorder = [0.0, 0.1, 0.3][rng.below(3) as usize];
        c.net.topology = match rng.below(3) {
            0 => Topology::Full,
            1 => Topology::Ring { chords: rng.between(0, 2) as u32 },
            _ => Topology::Random { degree: rng.between(1, 3) as u32 },
        };
        c.net.rewire_every = if rng.chance(0.3) { rng.between(2_000_000, 20_000_000) } else { 0 };
        // Gossip with a fan-out of at least log2(n) + 1 (and 2), or to every neighbour.
        let min_fanout = (u64::from(usize::BITS - n.leading_zeros()) + 1).max(2);
        c.net.fanout = if rng.chance(0.3) && n > 2 {
            Some(rng.between(min_fanout.min(n as u64 - 1), n as u64 - 1) as u32)
        } else {
            None
        };
        c.max_drift_ppm = [0, 100, 5_000, 50_000][rng.below(4) as usize];
        c.pipelined_validation = if rng.chance(0.3) { Some(rng.between(1_000, 200_000)) } else { None };
        let partitions = rng.below(4) as usize;
        c.random_partitions(partitions, 30_000_000, 1_000_000, 15_000_000);
        // Faulty nodes, while their power stays below a third.
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        let total: u64 = c.powers.iter().sum();
        let mut faulty = 0u64;
        for i in order {
            let p = c.powers[i];
            if 3 * (faulty + p) >= total || rng.chance(0.3) {
                continue;
            }
            faulty += p;
            c.behaviours[i] = match rng.below(8) {
                0 => Behaviour::Dead,
                1 => {
                    let crash_at = rng.between(0, 20_000_000);
                    Behaviour::CrashRestart { crash_at, restart_at: crash_at + rng.between(500_000, 20_000_000) }
                }
                2 => Behaviour::Faulty { drop: 0.3, delay: rng.between(0, 500_000) },
                3 => Behaviour::Deviates(consensus::Deviation::IgnoresLock),
                4 => Behaviour::Deviates(consensus::Deviation::SkipsValidation),
                5 => Behaviour::BadStateHash,
                _ => Behaviour::Byzantine,
            };
        }
        c
    }
}

/// Why a run stopped early: a broken property (`simulator.md` §6.1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("agreement: at height {height} node {first_node} decided {first} but node {node} decided {value}")]
    Agreement { height: Height, first_node: usize, first: Hash32, node: usize, value: Hash32 },
    #[error("integrity: node {node} decided height {height} twice")]
    Integrity { height: Height, node: usize },
    #[error("validity: node {node} decided an invalid block {value} at height {height}")]
    Validity { height: Height, node: usize, value: Hash32 },
    #[error("progress: node {node} stayed at height {height} from {since_ms} ms to {until_ms} ms (the progress bound)")]
    NoProgress { node: usize, height: Height, since_ms: u64, until_ms: u64 },
}

impl Violation {
    pub fn kind(&self) -> &'static str {
        match self {
            Violation::Agreement { .. } => "agreement",
            Violation::Integrity { .. } => "integrity",
            Violation::Validity { .. } => "validity",
            Violation::NoProgress { .. } => "progress",
        }
    }
}

/// One decision, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub node: usize,
    pub height: Height,
    pub round: Round,
    pub time: Micros,
    pub value: Hash32,
}

/// Message and event counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Messages nodes originated (each broadcast or direct send once).
    pub messages: u64,
    /// Of those, consensus messages (proposals and votes).
    pub consensus_messages: u64,
    pub deliveries: u64,
    pub dropped: u64,
    pub duplicated: u64,
    pub relayed: u64,
    pub timers: u64,
    pub events: u64,
    pub certificates: u64,
    pub verified: u64,
    pub cache_hits: u64,
    /// The sum over events of the queue's length when the event was taken (divide by
    /// `events` for the mean depth the benchmark floor uses).
    pub queue_depth_sum: u64,
    /// Broadcasts that reached the queue as a batch, and the deliveries they held: their
    /// quotient is the batch size the benchmark floor uses.
    pub batches: u64,
    pub batched_deliveries: u64,
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct Report {
    pub seed: u64,
    pub n: usize,
    /// Heights decided by every node expected to make progress (the minimum over them).
    pub heights: u64,
    /// The highest height any checked node decided.
    pub max_height: u64,
    /// For each decided height, the round of its first decision.
    pub rounds: Vec<Round>,
    pub counters: Counters,
    /// Distinct (offender, height) pairs reported as evidence.
    pub evidence: u64,
    pub time: Micros,
    pub commits: Vec<Commit>,
    pub violation: Option<Violation>,
    /// Whether every node expected to progress reached the target.
    pub completed: bool,
}

#[derive(Debug)]
enum Event {
    /// Packets are reference-counted without atomics: the simulator is single-threaded, and an
    /// atomic count per delivery was measurable.
    /// Node indices are `u32` and timers boxed so that an event is 24 bytes: the queue holds
    /// tens of thousands of deliveries at 128 validators and its memory is the hot path.
    Deliver {
        to: u32,
        from: u32,
        packet: Rc<Packet>,
    },
    Timer(Box<(usize, u32, Timer)>),
    /// The deliveries of one broadcast, in time order: the queue holds one entry per broadcast
    /// (its next delivery) instead of one per recipient, which keeps it small and cache-resident.
    Batch(Box<Batch>),
    Crash(usize),
    Restart(usize),
    Rewire,
    ProgressCheck,
    /// The last partition heals: progress is measured from here.
    ProgressMark,
}

#[derive(Debug)]
struct Batch {
    from: u32,
    packet: Rc<Packet>,
    /// (time, recipient), sorted.
    deliveries: Vec<(Micros, u32)>,
    next: usize,
}

/// The event queue's share of the floor (`simulator.md` §6.3): `events` deliveries through
/// the simulator's own queue and event types, as the simulator makes them: broadcasts of
/// distinct messages to `per_broadcast` recipients each, as batches in time order, with the
/// queue holding `depth` entries. Each delivery reads its recipient and its message's id and
/// nothing else: no node, no network model, no signature.
pub fn queue_workload(events: u64, depth: usize, per_broadcast: usize) -> u64 {
    let mut queue = EventQueue::new();
    let mut rng = Rng::new(0x5eed);
    let mut next_id = 0u64;
    let per_broadcast = per_broadcast.max(1);
    let mut broadcast = |queue: &mut EventQueue<Event>, now: Micros, rng: &mut Rng| {
        next_id += 1;
        let packet =
            Rc::new(Packet { id: next_id, origin: 0, wire: crate::node::Wire::Status { height: 0, round: 0 } });
        let mut deliveries: Vec<(Micros, u32)> =
            (0..per_broadcast).map(|to| (now + rng.between(20_000, 180_000), to as u32)).collect();
        deliveries.sort_unstable();
        if let Some(&(at, _)) = deliveries.first() {
            queue.push(at, Event::Batch(Box::new(Batch { from: 0, packet, deliveries, next: 0 })));
        }
    };
    for _ in 0..depth.max(1) {
        broadcast(&mut queue, 0, &mut rng);
    }
    let mut checksum = 0u64;
    let mut done = 0u64;
    while done < events {
        let Some((now, Event::Batch(mut batch))) = queue.pop() else { break };
        let Some(&(_, to)) = batch.deliveries.get(batch.next) else { break };
        batch.next += 1;
        done += 1;
        checksum = checksum.wrapping_add(u64::from(to)).wrapping_add(batch.packet.id);
        if let Some(&(at, _)) = batch.deliveries.get(batch.next) {
            queue.push(at, Event::Batch(batch));
        } else {
            broadcast(&mut queue, now, &mut rng);
        }
    }
    checksum
}

/// Recently seen packet ids, for the gossip relay.
#[derive(Debug, Default)]
struct Seen {
    set: HashSet<u64>,
    order: VecDeque<u64>,
}

const SEEN_CAP: usize = 1 << 14;

impl Seen {
    fn first_time(&mut self, id: u64) -> bool {
        if !self.set.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > SEEN_CAP
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

/// A running simulation.
pub struct Sim {
    config: SimConfig,
    nodes: Vec<ConsensusNode>,
    up: Vec<bool>,
    epoch: Vec<u32>,
    drift: Vec<f64>,
    queue: EventQueue<Event>,
    links: Links,
    rng: Rng,
    relay: bool,
    seen: Vec<Seen>,
    now: Micros,
    next_packet: u64,
    counters: Counters,
    decided: Vec<u64>,
    first: HashMap<Height, (usize, Hash32, Round)>,
    per_node: Vec<HashSet<Height>>,
    commits: Vec<Commit>,
    evidence: HashSet<(consensus::Address, Height)>,
    violation: Option<Violation>,
    progress_mark: Vec<u64>,
    last_check: Micros,
    /// [`Sim::heights_done`], recomputed when a decision or a restart changes it.
    done: u64,
    cache: Option<Arc<CachingVerifier>>,
    out: Vec<NodeOutput>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim").field("seed", &self.config.seed).field("now", &self.now).finish_non_exhaustive()
    }
}

/// Why a configuration cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid validator set: {0}")]
    Set(#[from] ValidatorSetError),
    #[error("a simulation needs at least one validator")]
    NoValidators,
}

impl Sim {
    pub fn new(config: SimConfig) -> Result<Sim, ConfigError> {
        let n = config.n();
        if n == 0 {
            return Err(ConfigError::NoValidators);
        }
        let keys: Vec<Keypair> = (0..n as u64).map(|i| Keypair::derive(config.seed, i)).collect();
        let members: Vec<([u8; 32], u64)> =
            keys.iter().zip(&config.powers).map(|(k, &p)| (k.public_key(), p)).collect();
        let set = ValidatorSet::new(&members)?;
        let cache = config.verify_cache.then(|| Arc::new(CachingVerifier::new()));
        let verifier: Arc<dyn Verifier> = match &cache {
            Some(c) => Arc::clone(c) as Arc<dyn Verifier>,
            None => Arc::new(DirectVerifier),
        };
        let mut rng = Rng::split(config.seed, 1, 0);
        let relays: Vec<bool> = (0..n).map(|i| config.behaviour(i) != Behaviour::Dead).collect();
        let links = Links::new(n, config.net.topology, config.net.link_spread, &relays, &mut rng);
        let mut drift_rng = Rng::split(config.seed, 3, 0);
        let drift = (0..n).map(|_| f64::from(config.max_drift_ppm) * 1e-6 * (2.0 * drift_rng.unit() - 1.0)).collect();
        let nodes = keys
            .iter()
            .enumerate()
            .map(|(i, key)| {
                let behaviour = config.behaviour(i);
                let app = Arc::new(SimApp {
                    seed: config.seed,
                    node: i as u32,
                    bad_state: behaviour == Behaviour::BadStateHash,
                });
                let validation = match config.pipelined_validation {
                    Some(_) => Validation::Pipelined,
                    None => Validation::Callback(Arc::clone(&app) as Arc<dyn consensus::Application>),
                };
                let deviation = match behaviour {
                    Behaviour::Deviates(d) => Some(d),
                    _ => None,
                };
                let engine = match config.engine {
                    EngineKind::Tendermint => Engine::Tendermint(Box::new(Tendermint::new(
                        Config { timeouts: config.timeouts, validation, deviation },
                        set.clone(),
                        key.clone(),
                        1,
                        Arc::clone(&verifier),
                    ))),
                    EngineKind::Dummy => Engine::Dummy(Box::new(Dummy::new(
                        set.clone(),
                        key.clone(),
                        1,
                        Arc::clone(&app) as Arc<dyn consensus::Application>,
                        Arc::clone(&verifier),
                    ))),
                };
                let setup = NodeSetup {
                    index: i,
                    n,
                    behaviour,
                    app,
                    key: key.clone(),
                    rng: Rng::split(config.seed, 5, i as u64),
                    gossip_every: config.gossip_every,
                    validate_delay: config.pipelined_validation.unwrap_or(0),
                };
                ConsensusNode::new(setup, engine)
            })
            .collect();
        let relay = config.net.topology != Topology::Full || config.net.fanout.is_some();
        let mut sim = Sim {
            nodes,
            up: vec![true; n],
            epoch: vec![0; n],
            drift,
            queue: EventQueue::new(),
            links,
            rng: match &config.schedule_tape {
                Some(tape) => Rng::tape(Arc::clone(tape), Rng::split(config.seed, 2, 0).next_u64()),
                None => Rng::split(config.seed, 2, 0),
            },
            relay,
            seen: (0..n).map(|_| Seen::default()).collect(),
            now: 0,
            next_packet: 0,
            counters: Counters::default(),
            decided: vec![0; n],
            first: HashMap::new(),
            per_node: vec![HashSet::new(); n],
            commits: Vec::new(),
            evidence: HashSet::new(),
            violation: None,
            progress_mark: vec![0; n],
            last_check: 0,
            done: 0,
            cache,
            out: Vec::new(),
            config,
        };
        for i in 0..n {
            if let Behaviour::CrashRestart { crash_at, restart_at } = sim.config.behaviour(i) {
                sim.queue.push(crash_at, Event::Crash(i));
                sim.queue.push(restart_at.max(crash_at), Event::Restart(i));
            }
        }
        if sim.config.net.rewire_every > 0 {
            sim.queue.push(sim.config.net.rewire_every, Event::Rewire);
        }
        if sim.config.expects_progress() && sim.config.progress_bound > 0 {
            sim.last_check = sim.config.net.last_heal();
            if sim.last_check > 0 {
                sim.queue.push(sim.last_check, Event::ProgressMark);
            }
            sim.queue.push(sim.last_check.saturating_add(sim.config.progress_bound), Event::ProgressCheck);
        }
        for i in 0..n {
            sim.with_node(i, |node, now, out| node.handle(now, NodeInput::Start, out));
        }
        Ok(sim)
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    pub fn now(&self) -> Micros {
        self.now
    }

    pub fn violation(&self) -> Option<&Violation> {
        self.violation.as_ref()
    }

    /// Nodes whose progress the run waits for and checks.
    /// Nodes whose progress the run waits for: honest ones, and crash-restart ones that were
    /// up again at `since` (SIM-6.2).
    fn must_progress(&self, i: usize, since: Micros) -> bool {
        match self.config.behaviour(i) {
            Behaviour::Honest => true,
            Behaviour::CrashRestart { crash_at, restart_at } => restart_at.max(crash_at) <= since,
            _ => false,
        }
    }

    /// The least number of heights decided by the nodes the run waits for.
    pub fn heights_done(&self) -> u64 {
        self.done
    }

    fn update_done(&mut self) {
        let now = self.now;
        self.done =
            (0..self.nodes.len()).filter(|&i| self.must_progress(i, now)).map(|i| self.decided[i]).min().unwrap_or(0);
    }

    /// Whether the run is over: target reached, a violation, the time limit, or nothing left.
    pub fn finished(&self) -> bool {
        self.violation.is_some()
            || self.heights_done() >= self.config.heights
            || self.queue.peek_time().is_none_or(|t| t > self.config.max_time)
    }

    /// Runs to the end.
    pub fn run(mut self) -> Report {
        while !self.finished() {
            self.step();
        }
        self.report()
    }

    /// Processes one event.
    pub fn step(&mut self) {
        let depth = self.queue.len() as u64;
        let Some((time, event)) = self.queue.pop() else { return };
        self.now = time;
        self.counters.events += 1;
        self.counters.queue_depth_sum += depth;
        match event {
            Event::Batch(mut batch) => {
                let Some(&(_, to)) = batch.deliveries.get(batch.next) else { return };
                batch.next += 1;
                let (from, packet) = (batch.from as usize, Rc::clone(&batch.packet));
                if let Some(&(at, _)) = batch.deliveries.get(batch.next) {
                    self.queue.push(at, Event::Batch(batch));
                }
                self.deliver(to as usize, from, packet);
            }
            Event::Deliver { to, from, packet } => self.deliver(to as usize, from as usize, packet),
            Event::Timer(timer) => {
                let (node, epoch, timer) = *timer;
                if self.up.get(node).copied().unwrap_or(false) && self.epoch.get(node) == Some(&epoch) {
                    self.counters.timers += 1;
                    self.with_node(node, |n, now, out| n.handle(now, NodeInput::Timer(timer), out));
                }
            }
            Event::Crash(i) => {
                if let Some(u) = self.up.get_mut(i) {
                    *u = false;
                }
                if let Some(e) = self.epoch.get_mut(i) {
                    *e += 1;
                }
            }
            Event::Restart(i) => {
                if let Some(u) = self.up.get_mut(i) {
                    *u = true;
                }
                self.with_node(i, |n, now, out| n.restart(now, out));
                self.update_done();
            }
            Event::Rewire => {
                let n = self.nodes.len();
                let relays: Vec<bool> = (0..n).map(|i| self.config.behaviour(i) != Behaviour::Dead).collect();
                self.links =
                    Links::new(n, self.config.net.topology, self.config.net.link_spread, &relays, &mut self.rng);
                self.queue.push(self.now.saturating_add(self.config.net.rewire_every), Event::Rewire);
            }
            Event::ProgressCheck => self.check_progress(),
            Event::ProgressMark => self.progress_mark.clone_from(&self.decided),
        }
    }

    fn deliver(&mut self, to: usize, from: usize, packet: Rc<Packet>) {
        if !self.up.get(to).copied().unwrap_or(false) || self.config.behaviour(to) == Behaviour::Dead {
            self.counters.dropped += 1;
            return;
        }
        self.counters.deliveries += 1;
        if self.relay && self.seen.get_mut(to).is_some_and(|s| s.first_time(packet.id)) {
            self.relay_from(to, from, &packet);
        }
        let (wire, origin) = (&packet.wire, packet.origin);
        self.with_node(to, |node, now, out| node.handle(now, NodeInput::Deliver { from, origin, wire }, out));
    }

    fn local_time(&self, i: usize) -> Micros {
        let d = self.drift.get(i).copied().unwrap_or(0.0);
        (self.now as f64 * (1.0 + d)) as Micros
    }

    fn with_node(&mut self, i: usize, f: impl FnOnce(&mut ConsensusNode, Micros, &mut Vec<NodeOutput>)) {
        let local = self.local_time(i);
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        if let Some(node) = self.nodes.get_mut(i) {
            f(node, local, &mut out);
        }
        for o in out.drain(..) {
            self.apply(i, o);
        }
        self.out = out;
    }

    fn apply(&mut self, i: usize, output: NodeOutput) {
        match output {
            NodeOutput::Send { to, wire, delay } => {
                self.counters.messages += 1;
                if matches!(wire, crate::node::Wire::Consensus(_)) {
                    self.counters.consensus_messages += 1;
                }
                if matches!(wire, crate::node::Wire::Certificate(_)) {
                    self.counters.certificates += 1;
                }
                self.next_packet += 1;
                let packet = Rc::new(Packet { id: self.next_packet, origin: i, wire });
                if self.relay
                    && let Some(s) = self.seen.get_mut(i)
                {
                    s.first_time(packet.id);
                }
                match to {
                    Dest::One(j) => self.transmit(i, j, &packet, delay, None),
                    Dest::All => self.broadcast(i, usize::MAX, &packet, delay),
                }
            }
            NodeOutput::Timer { after, timer } => {
                let d = self.drift.get(i).copied().unwrap_or(0.0);
                let real = (after as f64 / (1.0 + d)) as Micros;
                let epoch = self.epoch.get(i).copied().unwrap_or(0);
                self.queue.push(self.now.saturating_add(real), Event::Timer(Box::new((i, epoch, timer))));
            }
            NodeOutput::Decided(d) => self.decided(i, d.height, d.round, &d.value, d.value_id),
            NodeOutput::Evidence(e) => {
                self.evidence.insert((e.offender(), e.height()));
            }
        }
    }

    /// Sends to the neighbours of `i` (all, or `fanout` random ones), except `except`.
    fn broadcast(&mut self, i: usize, except: usize, packet: &Rc<Packet>, delay: Micros) {
        let n_neighbours = self.links.neighbours.get(i).map_or(0, Vec::len);
        let mut deliveries = Vec::with_capacity(n_neighbours);
        if let Some(k) = self.config.net.fanout {
            let Some(neighbours) = self.links.neighbours.get(i) else { return };
            let mut targets: Vec<usize> = neighbours.iter().copied().filter(|&j| j != except).collect();
            self.rng.shuffle(&mut targets);
            targets.truncate(k as usize);
            for j in targets {
                self.transmit(i, j, packet, delay, Some(&mut deliveries));
            }
        } else {
            for k in 0..n_neighbours {
                let Some(&j) = self.links.neighbours.get(i).and_then(|ns| ns.get(k)) else { break };
                if j != except {
                    self.transmit(i, j, packet, delay, Some(&mut deliveries));
                }
            }
        }
        // (time, recipient) pairs are distinct but for a duplicate of the same delivery, so the
        // unstable sort is deterministic.
        deliveries.sort_unstable();
        if let Some(&(at, _)) = deliveries.first() {
            self.counters.batches += 1;
            self.counters.batched_deliveries += deliveries.len() as u64;
            let batch = Batch { from: i as u32, packet: Rc::clone(packet), deliveries, next: 0 };
            self.queue.push(at, Event::Batch(Box::new(batch)));
        }
    }

    fn relay_from(&mut self, node: usize, from: usize, packet: &Rc<Packet>) {
        if !matches!(packet.wire, crate::node::Wire::Certificate(_)) {
            self.counters.relayed += 1;
            self.broadcast(node, from, packet, 0);
        }
    }

    /// Decides one transmission: dropped, or delivered once or twice after a sampled latency;
    /// deliveries go to `batch` when given (a broadcast), else straight to the queue.
    fn transmit(
        &mut self,
        from: usize,
        to: usize,
        packet: &Rc<Packet>,
        delay: Micros,
        mut batch: Option<&mut Vec<(Micros, u32)>>,
    ) {
        if from == to {
            return;
        }
        let net = &self.config.net;
        if net.partitioned(self.now, from, to) || self.rng.chance(net.drop) {
            self.counters.dropped += 1;
            return;
        }
        let copies = if self.rng.chance(net.duplicate) { 2 } else { 1 };
        if copies == 2 {
            self.counters.duplicated += 1;
        }
        for _ in 0..copies {
            let net = &self.config.net;
            let mut latency = (net.latency.sample(&mut self.rng) as f64 * self.links.factor(from, to)) as Micros;
            if self.rng.chance(net.reorder) {
                latency = latency.saturating_add(self.rng.below(2 * net.latency.mean().max(1)));
            }
            let at = self.now.saturating_add(delay).saturating_add(latency);
            match batch.as_deref_mut() {
                Some(b) => b.push((at, to as u32)),
                None => {
                    let (to, from) = (to as u32, from as u32);
                    self.queue.push(at, Event::Deliver { to, from, packet: Rc::clone(packet) });
                }
            }
        }
    }

    fn decided(&mut self, i: usize, height: Height, round: Round, value: &[u8], id: Hash32) {
        self.commits.push(Commit { node: i, height, round, time: self.now, value: id });
        if let Some(d) = self.decided.get_mut(i) {
            *d += 1;
        }
        self.update_done();
        if !self.config.behaviour(i).follows_protocol() || self.violation.is_some() {
            return;
        }
        if let Some(seen) = self.per_node.get_mut(i)
            && !seen.insert(height)
        {
            self.violation = Some(Violation::Integrity { height, node: i });
            return;
        }
        if !honest_valid(self.config.seed, height, value) {
            self.violation = Some(Violation::Validity { height, node: i, value: id });
            return;
        }
        match self.first.get(&height) {
            Some(&(first_node, first, _)) if first != id => {
                self.violation = Some(Violation::Agreement { height, first_node, first, node: i, value: id });
            }
            Some(_) => {}
            None => {
                self.first.insert(height, (i, id, round));
            }
        }
    }

    fn check_progress(&mut self) {
        let until = self.now;
        for i in 0..self.nodes.len() {
            // A window counts for a crash-restart node only if it was up for all of it.
            if !self.must_progress(i, self.last_check) {
                continue;
            }
            let mark = self.progress_mark.get(i).copied().unwrap_or(0);
            let now = self.decided.get(i).copied().unwrap_or(0);
            if now <= mark && now < self.config.heights && self.violation.is_none() {
                self.violation = Some(Violation::NoProgress {
                    node: i,
                    height: self.nodes.get(i).map_or(0, |n| n.height()),
                    since_ms: self.last_check / 1000,
                    until_ms: until / 1000,
                });
            }
        }
        self.progress_mark.clone_from(&self.decided);
        self.last_check = until;
        self.update_done();
        self.queue.push(until.saturating_add(self.config.progress_bound), Event::ProgressCheck);
    }

    /// The report so far.
    pub fn report(&self) -> Report {
        let mut rounds = Vec::new();
        let mut h = 1;
        while let Some(&(_, _, r)) = self.first.get(&h) {
            rounds.push(r);
            h += 1;
        }
        let mut counters = self.counters.clone();
        if let Some(c) = &self.cache {
            (counters.verified, counters.cache_hits) = c.counts();
        }
        Report {
            seed: self.config.seed,
            n: self.nodes.len(),
            heights: self.heights_done(),
            max_height: self.first.keys().copied().max().unwrap_or(0),
            rounds,
            counters,
            evidence: self.evidence.len() as u64,
            time: self.now,
            commits: self.commits.clone(),
            violation: self.violation.clone(),
            completed: self.heights_done() >= self.config.heights,
        }
    }
}
