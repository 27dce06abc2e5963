//! The reference implementation answering cases in process.
//!
//! This is the same code path `orsma client` serves over the protocol: a request in, a result
//! out. It never panics on a request; a request it cannot run is a [`RefusedRequest`].

use ::vm::{HostError, HostReturn, Machine, Outcome, Program, ScriptedHost, TraceStep, Tracer};

use crate::case::vm::{
    Cell, DecodeCode, HostAnswer, HostCall, OutcomeSpec, StepOutputs, TraceEntry, TrapCode, VmConfig, VmInput, VmPost,
    VmRequest, VmResult,
};
use crate::case::{Int, Uint};

pub mod consensus;
pub mod das;
pub mod refute;

/// The longest run whose trace is recorded (`client-protocol.md` CP-3.4): a trace entry is
/// about 100 bytes on the wire, so this keeps a trace far below the 64 MiB line limit.
pub const MAX_TRACE_STEPS: u64 = 100_000;

/// Records trace steps up to [`MAX_TRACE_STEPS`], then only notes that there were more.
#[derive(Default)]
struct CappedTrace {
    steps: Vec<TraceStep>,
    over: bool,
}

impl Tracer for CappedTrace {
    fn on_step(&mut self, step: &TraceStep) {
        if (self.steps.len() as u64) < MAX_TRACE_STEPS {
            self.steps.push(*step);
        } else {
            self.over = true;
        }
    }
}

/// A request the reference will not run: it breaks a rule of the format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid request: {0}")]
pub struct RefusedRequest(pub String);

/// Runs a VM request on the reference VM.
pub fn run_vm(request: &VmRequest, trace: bool) -> Result<VmResult, RefusedRequest> {
    request.config.check().map_err(|e| RefusedRequest(e.to_string()))?;
    if request.steps.len() != 1 {
        return Err(RefusedRequest(format!("a VM case has exactly one step, got {}", request.steps.len())));
    }
    run_config(&request.config, request.steps.iter().map(|s| s.input), trace)
}

/// Runs a configuration through its inputs.
pub fn run_config(
    config: &VmConfig,
    inputs: impl IntoIterator<Item = VmInput>,
    trace: bool,
) -> Result<VmResult, RefusedRequest> {
    let inputs: Vec<VmInput> = inputs.into_iter().collect();
    let program = match Program::decode(&config.program.bytecode.0) {
        Ok(program) => program,
        Err(error) => {
            return Ok(VmResult {
                steps: inputs.iter().map(|_| StepOutputs::default()).collect(),
                post: rejected(DecodeCode::of(&error)),
                trace: trace.then(Vec::new),
            });
        }
    };
    let initial = config.initial_memory();
    let mut host = scripted_host(config);
    let mut machine = Machine::new(initial.clone(), config.gas_limit.0).map_err(|e| RefusedRequest(e.to_string()))?;
    let mut steps = Vec::with_capacity(inputs.len());
    let mut trace_steps = CappedTrace::default();
    for input in inputs {
        let calls_before = host.calls().len();
        match input {
            VmInput::Run if trace => machine.run_traced(&program, &mut host, &mut trace_steps),
            VmInput::Run => machine.run(&program, &mut host),
        }
        let host_calls = host.calls()[calls_before..]
            .iter()
            .map(|c| HostCall { id: Uint(u64::from(c.id)), regs: c.regs.map(Int) })
            .collect();
        steps.push(StepOutputs { host_calls });
    }
    if trace_steps.over {
        return Err(RefusedRequest(format!("the run is longer than {MAX_TRACE_STEPS} steps, too long to trace")));
    }
    Ok(VmResult {
        steps,
        post: post_of(&machine, &initial),
        trace: trace.then(|| trace_steps.steps.iter().map(trace_entry).collect()),
    })
}

/// The scripted host a configuration describes (`vm.md` VM-7.2).
pub fn scripted_host(config: &VmConfig) -> ScriptedHost {
    ScriptedHost::new(config.host.iter().map(host_answer).collect())
}

/// A scripted answer as the VM's host returns it.
pub(crate) fn host_answer(answer: &HostAnswer) -> Result<HostReturn, HostError> {
    match *answer {
        HostAnswer::Ok { value, gas } => Ok(HostReturn { value: value.0, gas: gas.0 }),
        HostAnswer::Error { code } => Err(HostError { code: code.0 }),
    }
}

fn rejected(error: DecodeCode) -> VmPost {
    VmPost {
        outcome: OutcomeSpec::Rejected { error },
        regs: None,
        ip: None,
        stack: None,
        memory_changes: None,
        gas_used: None,
        steps: None,
    }
}

/// The final state of a machine, with memory changes against `initial`.
pub fn post_of(machine: &Machine, initial: &[i64]) -> VmPost {
    let outcome = match machine.outcome {
        Some(Outcome::Halted { value }) => OutcomeSpec::Halted { value: Int(value) },
        Some(Outcome::Reverted { value }) => OutcomeSpec::Reverted { value: Int(value) },
        Some(Outcome::Trapped { trap }) => OutcomeSpec::Trapped {
            trap: TrapCode::of(&trap),
            host_code: match trap {
                ::vm::Trap::HostError { code } => Some(Uint(code)),
                _ => None,
            },
        },
        // A run always ends: gas bounds it (vm.md VM-5.2).
        None => OutcomeSpec::Trapped { trap: TrapCode::OutOfGas, host_code: None },
    };
    let memory_changes = memory_changes(initial, &machine.memory)
        .map(|(address, value)| Cell(Uint(address as u64), Int(value)))
        .collect();
    VmPost {
        outcome,
        regs: Some(machine.regs.map(Int)),
        ip: Some(Uint(machine.ip)),
        stack: Some(machine.stack.iter().copied().map(Int).collect()),
        memory_changes: Some(memory_changes),
        gas_used: Some(Uint(machine.gas_used())),
        steps: Some(Uint(machine.steps)),
    }
}

/// `(address, final value)` of every cell whose final value differs from its initial one
/// (`vectors.md` VEC-5.5).
pub fn memory_changes<'a>(initial: &'a [i64], now: &'a [i64]) -> impl Iterator<Item = (usize, i64)> + 'a {
    now.iter()
        .zip(initial)
        .enumerate()
        .filter(|(_, (now, before))| now != before)
        .map(|(address, (now, _))| (address, *now))
}

fn trace_entry(step: &TraceStep) -> TraceEntry {
    TraceEntry {
        step: Uint(step.step),
        ip: Uint(step.ip),
        regs: step.regs.map(Int),
        stack_depth: Uint(u64::from(step.stack_depth)),
        gas_remaining: Uint(step.gas_remaining),
    }
}
