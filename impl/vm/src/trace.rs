//! Per-step traces. Tracing is a type parameter of the interpreter, so a run without a
//! tracer compiles to the same loop as if tracing did not exist.

use crate::isa::{Instr, REG_COUNT};

/// The machine just before one step (`docs/spec/vm.md` §6).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TraceStep {
    /// The step's number, from 0.
    pub step: u64,
    /// The instruction pointer.
    pub ip: u64,
    /// The instruction at `ip`, or `None` when `ip` is outside the program (the step traps).
    pub instr: Option<Instr>,
    /// The registers.
    pub regs: [i64; REG_COUNT],
    /// The number of values on the stack.
    pub stack_depth: u32,
    /// The gas left.
    pub gas_remaining: u64,
}

/// Receives one [`TraceStep`] per step.
pub trait Tracer {
    /// Whether the interpreter builds trace steps at all. Only [`NoTrace`] says no.
    const ENABLED: bool = true;

    /// Whether this tracer wants steps in the run about to start. It is asked once per run;
    /// a tracer switched off at run time answers `false` and the run costs what an untraced
    /// run costs.
    fn is_active(&self) -> bool {
        true
    }

    /// Called before each step of a run for which the tracer was active.
    fn on_step(&mut self, step: &TraceStep);
}

/// The tracer that records nothing and costs nothing.
#[derive(Clone, Copy, Default, Debug)]
pub struct NoTrace;

impl Tracer for NoTrace {
    const ENABLED: bool = false;

    #[inline(always)]
    fn on_step(&mut self, _step: &TraceStep) {}
}

impl Tracer for Vec<TraceStep> {
    fn on_step(&mut self, step: &TraceStep) {
        self.push(*step);
    }
}

/// A tracer switched at run time: `None` is off.
impl<T: Tracer> Tracer for Option<T> {
    const ENABLED: bool = T::ENABLED;

    fn is_active(&self) -> bool {
        self.as_ref().is_some_and(T::is_active)
    }

    fn on_step(&mut self, step: &TraceStep) {
        if let Some(tracer) = self {
            tracer.on_step(step);
        }
    }
}
