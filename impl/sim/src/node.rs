//! The `Node` interface and the consensus node with its behaviours
//! (`docs/spec/simulator.md` §5).
//!
//! A node is a sans-IO state machine too: the simulator hands it deliveries and expired timers
//! with the node's local time, and carries out the sends and timers it asks for.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use consensus::{
    Application, Decision, Deviation, Dummy, Error, Evidence, Height, Input, Keypair, Message, Output, Round,
    Tendermint, Timeout, Value, Vote, value_id,
};
use primitives::{Hash32, keccak256_concat};

use crate::app::SimApp;
use crate::queue::Micros;
use crate::rng::Rng;

/// How a node behaves (`simulator.md` §5.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Behaviour {
    Honest,
    /// Never starts, never sends.
    Dead,
    /// Honest, but down during `[crash_at, restart_at)`; restarts from its durable state.
    CrashRestart {
        crash_at: Micros,
        restart_at: Micros,
    },
    /// Honest, but drops each of its own messages with probability `drop` and delays the rest
    /// by up to `delay`.
    Faulty {
        drop: f64,
        delay: Micros,
    },
    /// Honest except for one deviation from Algorithm 1.
    Deviates(Deviation),
    /// Equivocates: as proposer, a second valid block to half of its peers; as voter, a
    /// conflicting vote to half of its peers.
    Byzantine,
    /// Computes a wrong state hash: proposes blocks nobody else accepts and rejects theirs.
    BadStateHash,
}

impl Behaviour {
    pub fn name(&self) -> &'static str {
        match self {
            Behaviour::Honest => "honest",
            Behaviour::Dead => "dead",
            Behaviour::CrashRestart { .. } => "crash-restart",
            Behaviour::Faulty { .. } => "faulty",
            Behaviour::Deviates(Deviation::IgnoresLock) => "ignores-lock",
            Behaviour::Deviates(Deviation::SkipsValidation) => "skips-validation",
            Behaviour::Byzantine => "byzantine",
            Behaviour::BadStateHash => "bad-state-hash",
        }
    }

    /// Runs the protocol as written (possibly slowly or with pauses): its decisions are held to
    /// agreement and validity.
    pub fn follows_protocol(&self) -> bool {
        matches!(self, Behaviour::Honest | Behaviour::Dead | Behaviour::CrashRestart { .. } | Behaviour::Faulty { .. })
    }

    /// Counts as correct for the liveness precondition ("at most f faulty by power").
    pub fn is_correct(&self) -> bool {
        matches!(self, Behaviour::Honest)
    }
}

/// What travels between nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wire {
    Consensus(Message),
    /// "I am at this height and round" (gossiped; peers ahead answer with a certificate).
    Status {
        height: Height,
        round: Round,
    },
    /// A decided height: its proposal and precommits, for a peer that is behind.
    Certificate(Arc<Decision>),
}

/// A message in flight with the identity gossip deduplicates on.
#[derive(Debug)]
pub struct Packet {
    pub id: u64,
    pub origin: usize,
    pub wire: Wire,
}

/// Where a send goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dest {
    /// Broadcast (through the gossip layer).
    All,
    /// Directly to one peer.
    One(usize),
}

/// A node's timers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timer {
    Consensus(Timeout),
    Gossip,
    /// Continue after a decision (a no-op input that lets the new height's rules run).
    Resume,
    /// Answer a pipelined `getValue()`.
    GetValue {
        height: Height,
        round: Round,
    },
    /// Pipelined validation finished (boxed: rare, and it keeps every event small).
    Validated(Box<(Height, Hash32, bool)>),
}

/// An input to a node.
#[derive(Debug)]
pub enum NodeInput<'a> {
    Start,
    /// `wire` from neighbour `from`, first sent by `origin` (they differ when gossip relayed it).
    Deliver {
        from: usize,
        origin: usize,
        wire: &'a Wire,
    },
    Timer(Timer),
}

/// An output of a node.
#[derive(Debug)]
pub enum NodeOutput {
    Send {
        to: Dest,
        wire: Wire,
        delay: Micros,
    },
    /// Fire `timer` after `after` of the node's local time.
    Timer {
        after: Micros,
        timer: Timer,
    },
    Decided(Arc<Decision>),
    Evidence(Evidence),
}

/// The abstract node the simulator drives.
pub trait Node {
    /// Handles one input at local time `now`; outputs are appended to `out`.
    fn handle(&mut self, now: Micros, input: NodeInput<'_>, out: &mut Vec<NodeOutput>);
    /// Rebuilds the node from its durable state after a crash and starts it again.
    fn restart(&mut self, now: Micros, out: &mut Vec<NodeOutput>);
    /// The height the node is working on.
    fn height(&self) -> Height;
    /// The round the node is in.
    fn round(&self) -> Round;
}

/// Which consensus a node runs.
#[derive(Clone, Debug)]
pub enum Engine {
    Tendermint(Box<Tendermint>),
    Dummy(Box<Dummy>),
}

impl Engine {
    fn handle(&mut self, input: Input, out: &mut Vec<Output>) -> Result<(), Error> {
        match self {
            Engine::Tendermint(t) => t.handle(input, out),
            Engine::Dummy(d) => d.handle(input, out),
        }
    }

    fn handle_message(&mut self, message: &Message, out: &mut Vec<Output>) -> Result<(), Error> {
        match (self, message) {
            (Engine::Tendermint(t), m) => t.handle_message(m, out),
            (Engine::Dummy(d), Message::Proposal(p)) => d.handle(Input::Proposal(p.clone()), out),
            (Engine::Dummy(_), Message::Vote(_)) => Ok(()),
        }
    }

    fn height(&self) -> Height {
        match self {
            Engine::Tendermint(t) => t.height(),
            Engine::Dummy(d) => d.height(),
        }
    }

    fn round(&self) -> Round {
        match self {
            Engine::Tendermint(t) => t.round(),
            Engine::Dummy(_) => 0,
        }
    }
}

/// Decided heights kept for peers that fall behind.
const CERTIFICATES_KEPT: usize = 256;

/// A validator node: a consensus engine, its application, its behaviour, and the node layer
/// around them (gossip ticks, catch-up certificates, pipelined validation delays).
#[derive(Debug)]
pub struct ConsensusNode {
    index: usize,
    n: usize,
    engine: Engine,
    behaviour: Behaviour,
    app: Arc<SimApp>,
    key: Keypair,
    rng: Rng,
    gossip_every: Micros,
    validate_delay: Micros,
    certificates: BTreeMap<Height, Arc<Decision>>,
    answered: HashMap<(usize, Height), Micros>,
    /// (height, round, step) at the last gossip tick: re-gossip only when it has not moved.
    last_tick: Option<(Height, Round, u8)>,
    scratch: Vec<Output>,
}

/// What a node needs besides its engine.
#[derive(Debug, Clone)]
pub struct NodeSetup {
    pub index: usize,
    pub n: usize,
    pub behaviour: Behaviour,
    pub app: Arc<SimApp>,
    pub key: Keypair,
    pub rng: Rng,
    pub gossip_every: Micros,
    pub validate_delay: Micros,
}

impl ConsensusNode {
    pub fn new(setup: NodeSetup, engine: Engine) -> ConsensusNode {
        ConsensusNode {
            index: setup.index,
            n: setup.n,
            engine,
            behaviour: setup.behaviour,
            app: setup.app,
            key: setup.key,
            rng: setup.rng,
            gossip_every: setup.gossip_every,
            validate_delay: setup.validate_delay,
            certificates: BTreeMap::new(),
            answered: HashMap::new(),
            last_tick: None,
            scratch: Vec::new(),
        }
    }

    pub fn behaviour(&self) -> Behaviour {
        self.behaviour
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Feeds one input to the engine and carries out its outputs.
    fn run(&mut self, input: Input, out: &mut Vec<NodeOutput>) {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        // Errors change nothing; a peer that is behind asks with `Status` when it is stuck.
        let _ = self.engine.handle(input, &mut scratch);
        self.drain(scratch, out);
    }

    fn drain(&mut self, mut scratch: Vec<Output>, out: &mut Vec<NodeOutput>) {
        for o in scratch.drain(..) {
            self.output(o, out);
        }
        self.scratch = scratch;
    }

    fn output(&mut self, o: Output, out: &mut Vec<NodeOutput>) {
        match o {
            Output::Broadcast(m) => self.send_consensus(m, out),
            Output::ScheduleTimeout { timeout, duration_ms } => out
                .push(NodeOutput::Timer { after: duration_ms.saturating_mul(1000), timer: Timer::Consensus(timeout) }),
            // Answered through the event queue (no delay), so a proposer that holds a quorum
            // alone decides one height per event rather than recursing.
            Output::GetValue { height, round } => {
                out.push(NodeOutput::Timer { after: 0, timer: Timer::GetValue { height, round } })
            }
            Output::Validate { height, value, .. } => {
                let valid = self.app.validate(height, &value);
                let timer = Timer::Validated(Box::new((height, value_id(&value), valid)));
                out.push(NodeOutput::Timer { after: self.validate_delay, timer });
            }
            Output::Decide(d) => {
                // A decision ends the engine's input: resume it at once through the event queue
                // so the new height's rules run even when no other input is coming.
                out.push(NodeOutput::Timer { after: 0, timer: Timer::Resume });
                let d = Arc::new(d);
                self.certificates.insert(d.height, Arc::clone(&d));
                while self.certificates.len() > CERTIFICATES_KEPT {
                    self.certificates.pop_first();
                }
                out.push(NodeOutput::Decided(d));
            }
            Output::Evidence(e) => out.push(NodeOutput::Evidence(e)),
        }
    }

    fn send(&mut self, to: Dest, wire: Wire, out: &mut Vec<NodeOutput>) {
        let mut delay = 0;
        if let Behaviour::Faulty { drop, delay: max } = self.behaviour {
            if self.rng.chance(drop) {
                return;
            }
            delay = self.rng.between(0, max);
        }
        out.push(NodeOutput::Send { to, wire, delay });
    }

    fn send_consensus(&mut self, m: Message, out: &mut Vec<NodeOutput>) {
        if self.behaviour != Behaviour::Byzantine {
            self.send(Dest::All, Wire::Consensus(m), out);
            return;
        }
        // Equivocate: the real message to even peers, a conflicting one to odd peers.
        let other = match &m {
            Message::Proposal(p) => {
                let payload = keccak256_concat(&[b"orsma/sim/equivocation", &p.message.value]);
                let value: Value = self.app.block(p.message.height, p.message.round, payload);
                let mut q = p.message.clone();
                q.value = value;
                Message::Proposal(self.key.sign_proposal(q))
            }
            Message::Vote(v) => {
                let value = match v.message.value {
                    Some(_) => None,
                    None => Some(keccak256_concat(&[b"orsma/sim/equivocation", &v.message.height.to_le_bytes()])),
                };
                Message::Vote(self.key.sign_vote(Vote { value, ..v.message }))
            }
        };
        for peer in 0..self.n {
            if peer == self.index {
                continue;
            }
            let wire = if peer % 2 == 0 { Wire::Consensus(m.clone()) } else { Wire::Consensus(other.clone()) };
            self.send(Dest::One(peer), wire, out);
        }
    }

    /// Sends a peer that is behind the certificate of the height it is stuck at, at most once
    /// per gossip interval per (peer, height).
    fn answer(&mut self, now: Micros, peer: usize, height: Height, out: &mut Vec<NodeOutput>) {
        let Some(cert) = self.certificates.get(&height).cloned() else { return };
        match self.answered.get(&(peer, height)) {
            Some(&t) if now.saturating_sub(t) < self.gossip_every => return,
            _ => {}
        }
        self.answered.insert((peer, height), now);
        if self.answered.len() > 4 * CERTIFICATES_KEPT * self.n.max(1) {
            let floor = self.engine.height().saturating_sub(CERTIFICATES_KEPT as u64);
            self.answered.retain(|(_, h), _| *h >= floor);
        }
        self.send(Dest::One(peer), Wire::Certificate(cert), out);
    }

    /// The gossip tick: when the node has not moved since the last tick, re-send its own
    /// messages of this round and the last, the polka of its valid value, and its status.
    fn gossip(&mut self, out: &mut Vec<NodeOutput>) {
        out.push(NodeOutput::Timer { after: self.gossip_every, timer: Timer::Gossip });
        let position = match &self.engine {
            Engine::Tendermint(t) => (t.height(), t.round(), t.step() as u8),
            Engine::Dummy(d) => (d.height(), 0, 0),
        };
        let stuck = self.last_tick == Some(position);
        self.last_tick = Some(position);
        if !stuck {
            return;
        }
        if let Engine::Tendermint(t) = &self.engine {
            let round = t.round();
            let mut own: Vec<Message> =
                t.own_messages().filter(|m| m.round().saturating_add(1) >= round).cloned().collect();
            own.extend(t.valid_polka());
            for m in own {
                self.send(Dest::All, Wire::Consensus(m), out);
            }
        }
        let status = Wire::Status { height: self.engine.height(), round: self.engine.round() };
        self.send(Dest::All, status, out);
    }
}

impl Node for ConsensusNode {
    fn handle(&mut self, now: Micros, input: NodeInput<'_>, out: &mut Vec<NodeOutput>) {
        if self.behaviour == Behaviour::Dead {
            return;
        }
        match input {
            NodeInput::Start => {
                self.run(Input::Start, out);
                if self.gossip_every > 0 {
                    out.push(NodeOutput::Timer { after: self.gossip_every, timer: Timer::Gossip });
                }
            }
            NodeInput::Deliver { from, origin, wire } => match wire {
                Wire::Consensus(m) => {
                    let mut scratch = std::mem::take(&mut self.scratch);
                    scratch.clear();
                    // Errors change nothing.
                    let _ = self.engine.handle_message(m, &mut scratch);
                    self.drain(scratch, out);
                }
                // A peer that is stuck behind gets the certificate of its height (sent to the
                // origin, not to the neighbour that relayed).
                Wire::Status { height, .. } => {
                    if *height < self.engine.height() {
                        self.answer(now, origin, *height, out);
                    }
                }
                Wire::Certificate(d) => {
                    if d.height == self.engine.height() {
                        // Precommits first: with their quorum the proposal is justified and kept
                        // even past an equivocating proposer's other proposals.
                        for v in &d.precommits {
                            self.run(Input::Vote(v.clone()), out);
                        }
                        if self.engine.height() == d.height {
                            self.run(Input::Proposal(d.proposal.clone()), out);
                        }
                        if self.engine.height() > d.height {
                            // Caught up one height: ask for the next at once.
                            let status = Wire::Status { height: self.engine.height(), round: self.engine.round() };
                            self.send(Dest::One(from), status, out);
                        }
                    }
                }
            },
            NodeInput::Timer(Timer::Gossip) => self.gossip(out),
            NodeInput::Timer(Timer::GetValue { height, round }) => {
                let value = self.app.value(height, round);
                self.run(Input::ProposeValue { height, round, value }, out)
            }
            NodeInput::Timer(Timer::Resume) => {
                // A stale timeout is a no-op that runs the rules (CON-4.6).
                let stale = Timeout { kind: consensus::TimeoutKind::Precommit, height: 0, round: 0 };
                self.run(Input::Timeout(stale), out)
            }
            NodeInput::Timer(Timer::Consensus(t)) => self.run(Input::Timeout(t), out),
            NodeInput::Timer(Timer::Validated(v)) => {
                let (height, value_id, valid) = *v;
                self.run(Input::Validated { height, value_id, valid }, out)
            }
        }
    }

    fn restart(&mut self, now: Micros, out: &mut Vec<NodeOutput>) {
        self.engine = match &self.engine {
            Engine::Tendermint(t) => Engine::Tendermint(Box::new(t.restarted())),
            Engine::Dummy(d) => Engine::Dummy(d.clone()),
        };
        self.answered.clear();
        self.handle(now, NodeInput::Start, out);
    }

    fn height(&self) -> Height {
        self.engine.height()
    }

    fn round(&self) -> Round {
        self.engine.round()
    }
}
