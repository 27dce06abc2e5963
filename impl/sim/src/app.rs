//! The simulated application (`docs/spec/simulator.md` §4): blocks that carry the state hash
//! of their height. An honest node proposes the right hash and accepts only the right hash; a
//! node with a bad state hash proposes and expects a wrong one.

use std::sync::Arc;

use consensus::{Application, Height, Round, Value};
use primitives::{Hash32, keccak256_concat};

/// Bytes of a block: `u64 height ‖ u32 round ‖ u32 proposer ‖ state hash (32) ‖ payload (32)`.
pub const BLOCK_LEN: usize = 8 + 4 + 4 + 32 + 32;

/// The state hash every honest node computes for `height`.
pub fn state_hash(seed: u64, height: Height) -> Hash32 {
    keccak256_concat(&[b"orsma/sim/state", &seed.to_le_bytes(), &height.to_le_bytes()])
}

fn bad_state_hash(seed: u64, height: Height, node: u32) -> Hash32 {
    keccak256_concat(&[b"orsma/sim/bad-state", &seed.to_le_bytes(), &height.to_le_bytes(), &node.to_le_bytes()])
}

/// Whether `value` is a valid block for `height` for honest nodes.
pub fn honest_valid(seed: u64, height: Height, value: &[u8]) -> bool {
    value.len() == BLOCK_LEN
        && value.get(..8) == Some(&height.to_le_bytes()[..])
        && value.get(16..48) == Some(&state_hash(seed, height).0[..])
}

/// One node's application.
#[derive(Debug, Clone)]
pub struct SimApp {
    pub seed: u64,
    pub node: u32,
    pub bad_state: bool,
}

impl SimApp {
    pub fn expected_hash(&self, height: Height) -> Hash32 {
        if self.bad_state { bad_state_hash(self.seed, height, self.node) } else { state_hash(self.seed, height) }
    }

    pub fn block(&self, height: Height, round: Round, payload: Hash32) -> Value {
        let mut v = Vec::with_capacity(BLOCK_LEN);
        v.extend_from_slice(&height.to_le_bytes());
        v.extend_from_slice(&round.to_le_bytes());
        v.extend_from_slice(&self.node.to_le_bytes());
        v.extend_from_slice(&self.expected_hash(height).0);
        v.extend_from_slice(&payload.0);
        Arc::from(v)
    }
}

impl Application for SimApp {
    fn value(&self, height: Height, round: Round) -> Value {
        let payload = keccak256_concat(&[
            b"orsma/sim/payload",
            &self.seed.to_le_bytes(),
            &height.to_le_bytes(),
            &round.to_le_bytes(),
            &self.node.to_le_bytes(),
        ]);
        self.block(height, round, payload)
    }

    fn validate(&self, height: Height, value: &[u8]) -> bool {
        value.len() == BLOCK_LEN
            && value.get(..8) == Some(&height.to_le_bytes()[..])
            && value.get(16..48) == Some(&self.expected_hash(height).0[..])
    }
}
