//! The host: what gives `custom` its meaning.
//!
//! The VM knows nothing about blockchains. An embedder (the rollup, a test, a conformance
//! case) passes a [`Host`] to the machine; `custom id` hands the host the id and the four
//! registers, and the host answers with a value for `r0` and the gas it charges, or an error.

use crate::isa::REG_COUNT;

/// A host function table for the `custom` instruction.
pub trait Host {
    /// Answers `custom id` with registers `regs`. The machine charges `gas::CUSTOM` before
    /// calling and [`HostReturn::gas`] after; on error it traps with
    /// [`crate::Trap::HostError`] carrying the error's code.
    fn custom(&mut self, id: u32, regs: &[i64; REG_COUNT]) -> Result<HostReturn, HostError>;
}

impl<H: Host + ?Sized> Host for &mut H {
    fn custom(&mut self, id: u32, regs: &[i64; REG_COUNT]) -> Result<HostReturn, HostError> {
        (**self).custom(id, regs)
    }
}

/// A successful host answer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct HostReturn {
    /// Written to `r0`.
    pub value: i64,
    /// Gas the host charges on top of `gas::CUSTOM`.
    pub gas: u64,
}

/// A failed host call; the machine traps with this code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct HostError {
    /// The host's error code. Its meaning is the host's.
    pub code: u64,
}

/// A host with no functions: every call fails with code [`NoHost::CODE`].
#[derive(Clone, Copy, Default, Debug)]
pub struct NoHost;

impl NoHost {
    /// The error code of every call.
    pub const CODE: u64 = 0;
}

impl Host for NoHost {
    fn custom(&mut self, _id: u32, _regs: &[i64; REG_COUNT]) -> Result<HostReturn, HostError> {
        Err(HostError { code: NoHost::CODE })
    }
}

/// One call a host received.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct HostCall {
    /// The `custom` instruction's id.
    pub id: u32,
    /// The registers at the call.
    pub regs: [i64; REG_COUNT],
}

/// A host that answers from a script, in call order, and records the calls it got.
///
/// This is how a conformance case makes `custom` self-contained (`docs/spec/vm.md` §7): the
/// n-th call gets the n-th answer whatever its id and registers; a call after the script is
/// exhausted fails with [`ScriptedHost::EXHAUSTED`].
#[derive(Clone, Debug, Default)]
pub struct ScriptedHost {
    answers: Vec<Result<HostReturn, HostError>>,
    calls: Vec<HostCall>,
}

impl ScriptedHost {
    /// The error code of a call that finds no answer left in the script.
    pub const EXHAUSTED: u64 = u64::MAX;

    /// A host that will give `answers` in order.
    pub fn new(answers: Vec<Result<HostReturn, HostError>>) -> ScriptedHost {
        ScriptedHost { answers, calls: Vec::new() }
    }

    /// The calls received so far, in order.
    pub fn calls(&self) -> &[HostCall] {
        &self.calls
    }
}

impl Host for ScriptedHost {
    fn custom(&mut self, id: u32, regs: &[i64; REG_COUNT]) -> Result<HostReturn, HostError> {
        let answer = self.answers.get(self.calls.len()).copied();
        self.calls.push(HostCall { id, regs: *regs });
        answer.unwrap_or(Err(HostError { code: ScriptedHost::EXHAUSTED }))
    }
}
