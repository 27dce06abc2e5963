//! Diagnosis of a failed VM case: the first step where a client's trace leaves the
//! reference's, found by the same dissection game that settles disputes
//! (`docs/spec/refutation.md` §5, `docs/spec/client-protocol.md` CP-3.4).
//!
//! Each trace becomes a hash chain, `D_0 = 0` and `D_{i+1} = keccak256("orsma/trace-entry/v1"
//! ‖ D_i ‖ entry_i)`, so two chains that differ once differ from then on. The reference plays
//! an honest challenger against the client's chain as the defender; the game narrows the
//! disagreement to one entry in `⌈log2 n⌉` rounds, and that entry is exactly the first one that
//! differs. The one-step "proof" of this game is the reference's own entry, checked against
//! the agreed chain value, since the harness holds both traces.

use primitives::{Hash32, keccak256_concat};
use rollup::dispute::player::{Honest, Trace, play};
use rollup::dispute::{Game, GameConfig, Party, StepVerifier};

use crate::case::vm::TraceEntry;

/// The domain of a trace-entry chain link.
const DOMAIN: &[u8] = b"orsma/trace-entry/v1";

/// Where two traces first differ.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Divergence {
    /// The index of the first entry that differs (or where one trace ends and the other goes on).
    pub entry: usize,
    /// The dissection rounds it took to find.
    pub rounds: u32,
}

/// `D_0 … D_n` for a trace of `n` entries: each link hashes the previous one and the entry's
/// `step`, `ip`, `r0..r3`, `stack_depth` and `gas_remaining`, each as 8 little-endian bytes.
fn chain(entries: &[TraceEntry]) -> Vec<Hash32> {
    let mut out = Vec::with_capacity(entries.len() + 1);
    let mut d = Hash32::ZERO;
    out.push(d);
    for e in entries {
        let [r0, r1, r2, r3] = e.regs.map(|r| r.0.to_le_bytes());
        d = keccak256_concat(&[
            DOMAIN,
            d.as_bytes(),
            &e.step.0.to_le_bytes(),
            &e.ip.0.to_le_bytes(),
            &r0,
            &r1,
            &r2,
            &r3,
            &e.stack_depth.0.to_le_bytes(),
            &e.gas_remaining.0.to_le_bytes(),
        ]);
        out.push(d);
    }
    out
}

/// A chain as a game trace; past its end it stays at its last value.
struct Chain(Vec<Hash32>);

impl Chain {
    fn at(&self, i: u64) -> Hash32 {
        let last = self.0.len().saturating_sub(1);
        self.0.get(usize::try_from(i).unwrap_or(usize::MAX).min(last)).copied().unwrap_or_default()
    }
}

impl Trace for &Chain {
    type Proof = u64;

    fn commitment(&mut self, step: u64) -> Hash32 {
        self.at(step)
    }

    fn proof(&mut self, step: u64) -> Option<u64> {
        Some(step)
    }
}

/// The verifier: the reference's chain, which the harness trusts. A proof of step `i` is
/// accepted only against the reference's `D_i`, and computes its `D_{i+1}`.
struct Reference<'a>(&'a Chain);

/// The proof is about a step whose pre-state is not the reference's.
#[derive(Debug, thiserror::Error)]
#[error("not the reference's entry")]
struct NotOurs;

impl StepVerifier for Reference<'_> {
    type Proof = u64;
    type Error = NotOurs;

    fn verify(&self, pre: &Hash32, step: &u64) -> Result<Hash32, NotOurs> {
        if self.0.at(*step) == *pre { Ok(self.0.at(step.saturating_add(1))) } else { Err(NotOurs) }
    }

    fn proof_len(&self, _: &u64) -> u64 {
        8
    }
}

/// The first entry where `theirs` leaves `ours`, found by bisection; `None` if they are equal.
pub fn bisect(ours: &[TraceEntry], theirs: &[TraceEntry]) -> Option<Divergence> {
    let (our_chain, their_chain) = (Chain(chain(ours)), Chain(chain(theirs)));
    let n = ours.len().max(theirs.len()) as u64;
    if n == 0 || our_chain.at(n) == their_chain.at(n) {
        return None;
    }
    let config =
        GameConfig { degree: 2, prestate: Hash32::ZERO, steps: n, claim: their_chain.at(n), clock: 1 << 20, start: 0 };
    let (mut game, _) = Game::new(config, Reference(&our_chain)).ok()?;
    let verdict = play(&mut game, &mut Honest::new(&their_chain), &mut Honest::new(&our_chain)).ok()?;
    match (verdict.winner, verdict.disputed_step) {
        (Party::Challenger, Some(step)) => {
            Some(Divergence { entry: usize::try_from(step).ok()?, rounds: verdict.rounds })
        }
        // The client's chain differs at the end, so an honest reference always wins.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::case::{Int, Uint};

    fn entry(step: u64, r0: i64) -> TraceEntry {
        TraceEntry {
            step: Uint(step),
            ip: Uint(step % 3),
            regs: [Int(r0), Int(0), Int(0), Int(0)],
            stack_depth: Uint(0),
            gas_remaining: Uint(1000 - step),
        }
    }

    proptest! {
        /// Bisection finds exactly what a linear scan finds, including a trace that stops
        /// early or runs on.
        #[test]
        fn bisection_finds_the_first_difference(
            len in 1usize..300,
            changes in prop::collection::vec((0usize..400, -2i64..2), 0..4),
            their_len in prop::option::of(0usize..400),
        ) {
            let ours: Vec<TraceEntry> = (0..len).map(|i| entry(i as u64, 7)).collect();
            let mut theirs = ours.clone();
            if let Some(l) = their_len {
                theirs = (0..l).map(|i| entry(i as u64, 7)).collect();
            }
            for (at, delta) in changes {
                if let Some(e) = theirs.get_mut(at) {
                    e.regs[0] = Int(e.regs[0].0 + delta);
                }
            }
            let linear = ours.iter().zip(&theirs).position(|(a, b)| a != b)
                .or((ours.len() != theirs.len()).then(|| ours.len().min(theirs.len())));
            let found = bisect(&ours, &theirs);
            prop_assert_eq!(found.map(|d| d.entry), linear);
            if let Some(d) = found {
                let n = ours.len().max(theirs.len()) as u64;
                prop_assert!(u64::from(d.rounds) <= u64::from(64 - (n - 1).leading_zeros()));
            }
        }
    }
}
