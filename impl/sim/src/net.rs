//! The network model (`docs/spec/simulator.md` §3): latency distributions per link, drops,
//! duplication, reordering, partitions, topology and its changes.

use crate::queue::Micros;
use crate::rng::Rng;

/// A latency distribution, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Latency {
    Constant(Micros),
    /// Uniform in `[min, max]`.
    Uniform {
        min: Micros,
        max: Micros,
    },
    /// `min` plus an exponential tail with mean `mean − min` (heavy-ish tail, natural reordering).
    Exponential {
        min: Micros,
        mean: Micros,
    },
}

impl Latency {
    pub fn sample(&self, rng: &mut Rng) -> Micros {
        match *self {
            Latency::Constant(d) => d,
            Latency::Uniform { min, max } => rng.between(min, max),
            Latency::Exponential { min, mean } => {
                let tail = mean.saturating_sub(min) as f64;
                // -ln(1-u) with u in [0,1): finite.
                let x = -(1.0 - rng.unit()).ln() * tail;
                min.saturating_add(x.min(1e15) as u64)
            }
        }
    }

    /// The mean, for reports.
    pub fn mean(&self) -> Micros {
        match *self {
            Latency::Constant(d) => d,
            Latency::Uniform { min, max } => min / 2 + max / 2,
            Latency::Exponential { mean, .. } => mean,
        }
    }
}

/// Who is linked to whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// Every node linked to every other.
    Full,
    /// A ring plus `chords` random extra links per node.
    Ring { chords: u32 },
    /// Each node linked to `degree` random others (plus a ring, so the graph is connected).
    Random { degree: u32 },
}

/// A partition: during `[start, end)` only nodes in the same group can talk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub start: Micros,
    pub end: Micros,
    /// `group[i]` is node i's side.
    pub group: Vec<u8>,
}

/// The network's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct NetConfig {
    pub latency: Latency,
    /// Each link's latency is scaled by a factor drawn once in `[1 − spread, 1 + spread]`.
    pub link_spread: f64,
    pub drop: f64,
    pub duplicate: f64,
    /// Probability that a message is held back by up to twice the mean latency more.
    pub reorder: f64,
    pub topology: Topology,
    /// Redraw the topology every this many µs (0 = never).
    pub rewire_every: Micros,
    /// Gossip: a broadcast goes to this many random neighbours, and every node relays a message
    /// the first time it sees it to this many (`None`: to all neighbours, relaying only when the
    /// topology is not full).
    pub fanout: Option<u32>,
    pub partitions: Vec<Partition>,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            latency: Latency::Uniform { min: 20_000, max: 120_000 },
            link_spread: 0.5,
            drop: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            topology: Topology::Full,
            rewire_every: 0,
            fanout: None,
            partitions: Vec::new(),
        }
    }
}

/// The links and their latency factors at one moment.
#[derive(Debug, Clone)]
pub struct Links {
    n: usize,
    /// Adjacency lists.
    pub neighbours: Vec<Vec<usize>>,
    linked: Vec<bool>,
    factor: Vec<f64>,
}

impl Links {
    /// Draws the links. The ring that keeps a sparse topology connected runs through the nodes
    /// that relay (`relays[i]`); the others hang off it, so a dead node never cuts the graph.
    pub fn new(n: usize, topology: Topology, spread: f64, relays: &[bool], rng: &mut Rng) -> Links {
        let mut linked = vec![false; n * n];
        let mut link = |a: usize, b: usize| {
            if a != b {
                if let Some(x) = linked.get_mut(a * n + b) {
                    *x = true;
                }
                if let Some(x) = linked.get_mut(b * n + a) {
                    *x = true;
                }
            }
        };
        match topology {
            Topology::Full => {
                for a in 0..n {
                    for b in 0..n {
                        link(a, b);
                    }
                }
            }
            Topology::Ring { chords: extra } | Topology::Random { degree: extra } => {
                let mut order: Vec<usize> = (0..n).filter(|&i| relays.get(i).copied().unwrap_or(true)).collect();
                if matches!(topology, Topology::Random { .. }) {
                    rng.shuffle(&mut order);
                }
                let m = order.len();
                for i in 0..m {
                    link(order[i], order[(i + 1) % m]);
                }
                for a in (0..n).filter(|&i| !relays.get(i).copied().unwrap_or(true)) {
                    if m > 0 {
                        let b = order[rng.below(m as u64) as usize];
                        link(a, b);
                    }
                }
                for a in 0..n {
                    for _ in 0..extra {
                        let b = rng.below(n as u64) as usize;
                        link(a, b);
                    }
                }
            }
        }
        let neighbours = (0..n).map(|a| (0..n).filter(|&b| linked[a * n + b]).collect()).collect();
        let factor = (0..n * n).map(|_| 1.0 + spread * (2.0 * rng.unit() - 1.0)).collect();
        Links { n, neighbours, linked, factor }
    }

    pub fn is_linked(&self, a: usize, b: usize) -> bool {
        self.linked.get(a * self.n + b).copied().unwrap_or(false)
    }

    pub fn factor(&self, a: usize, b: usize) -> f64 {
        self.factor.get(a * self.n + b).copied().unwrap_or(1.0)
    }
}

impl NetConfig {
    /// Whether `a` and `b` are on different sides of a partition at `now`.
    pub fn partitioned(&self, now: Micros, a: usize, b: usize) -> bool {
        self.partitions.iter().any(|p| p.start <= now && now < p.end && p.group.get(a) != p.group.get(b))
    }

    /// When the last partition heals (0 if none).
    pub fn last_heal(&self) -> Micros {
        self.partitions.iter().map(|p| p.end).max().unwrap_or(0)
    }
}
