//! The simulator's one source of randomness: a splitmix64 stream from the seed
//! (`docs/spec/encoding.md` ENC-6), split into independent streams by purpose.

use std::sync::Arc;

use primitives::splitmix64;

/// A seeded splitmix64 stream, or a tape of bytes that decides first (a fuzzer's input, so the
/// fuzzer chooses every network decision: latencies, drops, duplicates, reorderings, fan-out).
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
    tape: Option<(Arc<[u8]>, usize)>,
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed, tape: None }
    }

    /// Draws from `tape` 8 bytes at a time (little-endian, zero-padded at its end), then from
    /// splitmix64 seeded with `seed`.
    pub fn tape(tape: Arc<[u8]>, seed: u64) -> Rng {
        Rng { state: seed, tape: Some((tape, 0)) }
    }

    /// An independent stream for `purpose` (a small constant) and `index`.
    pub fn split(seed: u64, purpose: u64, index: u64) -> Rng {
        let mut s = seed ^ purpose.wrapping_mul(0xa076_1d64_78bd_642f);
        let a = splitmix64(&mut s);
        let mut t = a ^ index.wrapping_mul(0xe703_7ed1_a0b4_28db);
        Rng::new(splitmix64(&mut t))
    }

    pub fn next_u64(&mut self) -> u64 {
        if let Some((tape, pos)) = &mut self.tape
            && let Some(rest) = tape.get(*pos..)
            && !rest.is_empty()
        {
            let mut word = [0u8; 8];
            let take = rest.len().min(8);
            word[..take].copy_from_slice(&rest[..take]);
            *pos += take;
            return u64::from_le_bytes(word);
        }
        splitmix64(&mut self.state)
    }

    /// Uniform in `[0, 1)` with 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }

    /// Uniform in `[0, n)`; 0 when `n` is 0. (Lemire's multiply-shift; the bias is below 2^-32
    /// for the small `n` the simulator uses.)
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `[lo, hi]`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo { lo } else { lo + self.below(hi - lo + 1) }
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}
