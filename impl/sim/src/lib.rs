//! A deterministic, seeded discrete-event simulator for consensus nodes
//! (`docs/spec/simulator.md`), in the style of TigerBeetle's VOPR: one seed fixes the network
//! (latency per link, drops, duplication, reordering, partitions, topology changes, gossip
//! fan-out), every node's clock drift and behaviour, so a failing run is replayed exactly.
//!
//! - [`Node`]: the abstract node the simulator drives; [`ConsensusNode`] wraps a
//!   [`consensus::Tendermint`] or [`consensus::Dummy`] with a [`Behaviour`].
//! - [`Sim`]: the event loop and the checkers: agreement and validity on every decision,
//!   progress after the network heals when at most f of the power is faulty.
//! - [`SimConfig::swarm`]: a random configuration from a seed, faulty nodes included.
//!
//! The simulator itself is sans-IO: no clock, no threads, no files.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod app;
pub mod net;
pub mod node;
pub mod queue;
pub mod rng;
mod sim;

pub use net::{Latency, NetConfig, Partition, Topology};
pub use node::{Behaviour, ConsensusNode, Node, NodeInput, NodeOutput, Wire};
pub use queue::{EventQueue, Micros};
pub use sim::{Commit, ConfigError, Counters, EngineKind, Report, Sim, SimConfig, Violation, queue_workload};
