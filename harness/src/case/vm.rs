//! The VM suite's case types (`docs/spec/vectors.md` §5).

use serde::{Deserialize, Serialize};

use super::{CaseError, CaseId, HashHex, Hex, Int, Provenance, Uint};

/// A VM vector: a program, its memory, gas and host script, one `run` step, and the
/// expected outputs and final state.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmVector {
    /// Always [`super::FORMAT`].
    pub format: String,
    /// `vm/<handler>/<case>`.
    pub id: String,
    /// Always `vm`.
    pub suite: String,
    /// The family of cases.
    pub handler: String,
    /// The case's name.
    pub case: String,
    /// One sentence saying what the case checks.
    pub description: String,
    /// Sorted, unique labels for selection (`--tag`).
    pub tags: Vec<String>,
    /// Where the case came from.
    pub provenance: Provenance,
    /// What the VM is given.
    pub config: VmConfig,
    /// The inputs, each with the outputs expected right after it.
    pub steps: Vec<VmStep>,
    /// The expected final state.
    pub post: VmPost,
}

/// What the VM is given before it runs.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmConfig {
    /// The program.
    pub program: ProgramSpec,
    /// The initial memory.
    pub memory: MemorySpec,
    /// The gas limit.
    pub gas_limit: Uint,
    /// The host's answers to `custom`, in call order (`vm.md` VM-7.2).
    pub host: Vec<HostAnswer>,
}

/// A program: its bytecode, which is what runs, with its assembly and hash for people and tools.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramSpec {
    /// Canonical disassembly, absent when the bytecode does not decode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asm: Option<String>,
    /// The bytecode (`vm.md` §4).
    pub bytecode: Hex,
    /// `keccak256(bytecode)`.
    pub hash: HashHex,
}

/// A memory: its size in cells and its nonzero cells, by increasing address.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemorySpec {
    /// The number of cells.
    pub size: Uint,
    /// `[address, value]` for every cell that is not zero, by increasing address.
    pub init: Vec<Cell>,
}

/// One memory cell: `[address, value]`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize, Deserialize)]
pub struct Cell(pub Uint, pub Int);

/// One scripted host answer, written as a map with one key: `ok: {value, gas}` or
/// `error: {code}` (not as a YAML tag, which other languages' YAML readers do not know).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "HostAnswerWire", into = "HostAnswerWire")]
pub enum HostAnswer {
    /// `r0 ← value`, and the host charges `gas`.
    Ok {
        /// Written to `r0`.
        value: Int,
        /// Charged on top of `custom`'s own gas.
        gas: Uint,
    },
    /// The call fails; the VM traps `host_error` with `code`.
    Error {
        /// The host's error code.
        code: Uint,
    },
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostAnswerWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ok: Option<OkWire>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<ErrorWire>,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OkWire {
    value: Int,
    gas: Uint,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorWire {
    code: Uint,
}

impl TryFrom<HostAnswerWire> for HostAnswer {
    type Error = &'static str;

    fn try_from(wire: HostAnswerWire) -> Result<HostAnswer, &'static str> {
        match (wire.ok, wire.error) {
            (Some(OkWire { value, gas }), None) => Ok(HostAnswer::Ok { value, gas }),
            (None, Some(ErrorWire { code })) => Ok(HostAnswer::Error { code }),
            _ => Err("a host answer has exactly one of `ok: {value, gas}` and `error: {code}`"),
        }
    }
}

impl From<HostAnswer> for HostAnswerWire {
    fn from(answer: HostAnswer) -> HostAnswerWire {
        match answer {
            HostAnswer::Ok { value, gas } => HostAnswerWire { ok: Some(OkWire { value, gas }), error: None },
            HostAnswer::Error { code } => HostAnswerWire { ok: None, error: Some(ErrorWire { code }) },
        }
    }
}

/// A step: an input and the outputs expected right after it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmStep {
    /// What the VM is asked to do.
    pub input: VmInput,
    /// What it must have output by then.
    pub expect: StepOutputs,
}

/// A VM input.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VmInput {
    /// Run until the program halts, reverts or traps.
    Run,
}

/// The outputs of a step: what the VM said to the outside world.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepOutputs {
    /// The `custom` calls the host received, in order.
    pub host_calls: Vec<HostCall>,
}

/// One call the host received.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostCall {
    /// The `custom` instruction's id.
    pub id: Uint,
    /// `r0` to `r3` at the call.
    pub regs: [Int; 4],
}

/// The final state. Every field but `outcome` is absent when the bytecode was rejected.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmPost {
    /// How the run ended.
    pub outcome: OutcomeSpec,
    /// `r0` to `r3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regs: Option<[Int; 4]>,
    /// The instruction pointer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<Uint>,
    /// The stack, bottom first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<Vec<Int>>,
    /// `[address, value]` for every cell whose final value differs from its initial one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_changes: Option<Vec<Cell>>,
    /// `gas_limit − gas_remaining`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas_used: Option<Uint>,
    /// Steps taken (`vm.md` VM-6.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Uint>,
}

/// How a run ended, or why the bytecode was not run.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum OutcomeSpec {
    /// `halt` ran.
    Halted {
        /// The return value.
        value: Int,
    },
    /// `revert` ran.
    Reverted {
        /// The revert value.
        value: Int,
    },
    /// A step trapped.
    Trapped {
        /// The trap's code.
        trap: TrapCode,
        /// The host's code, for `host_error` only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host_code: Option<Uint>,
    },
    /// The bytecode does not decode; nothing ran.
    Rejected {
        /// The decoder's error code.
        error: DecodeCode,
    },
}

/// The VM's trap codes (`vm.md` VM-6.3): a closed catalogue.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs, reason = "each variant is its code, documented in vm.md VM-6.3")]
pub enum TrapCode {
    DivisionByZero,
    StackOverflow,
    StackUnderflow,
    IpOutOfBounds,
    MemoryOutOfBounds,
    OutOfGas,
    InvalidInstruction,
    HostError,
}

/// The bytecode decoder's error codes (`vm.md` VM-4.1): a closed catalogue.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs, reason = "each variant is its code, documented in vm.md VM-4.1")]
pub enum DecodeCode {
    BadMagic,
    UnsupportedVersion,
    UnexpectedEnd,
    TooManyInstructions,
    InvalidOpcode,
    InvalidRegister,
    TrailingBytes,
}

impl TrapCode {
    /// The code of a VM trap.
    pub fn of(trap: &::vm::Trap) -> TrapCode {
        match trap {
            ::vm::Trap::DivisionByZero => TrapCode::DivisionByZero,
            ::vm::Trap::StackOverflow => TrapCode::StackOverflow,
            ::vm::Trap::StackUnderflow => TrapCode::StackUnderflow,
            ::vm::Trap::IpOutOfBounds => TrapCode::IpOutOfBounds,
            ::vm::Trap::MemoryOutOfBounds => TrapCode::MemoryOutOfBounds,
            ::vm::Trap::OutOfGas => TrapCode::OutOfGas,
            ::vm::Trap::InvalidInstruction => TrapCode::InvalidInstruction,
            ::vm::Trap::HostError { .. } => TrapCode::HostError,
        }
    }
}

impl DecodeCode {
    /// The code of a decoder error.
    pub fn of(error: &::vm::DecodeError) -> DecodeCode {
        match error {
            ::vm::DecodeError::BadMagic { .. } => DecodeCode::BadMagic,
            ::vm::DecodeError::UnsupportedVersion { .. } => DecodeCode::UnsupportedVersion,
            ::vm::DecodeError::UnexpectedEnd { .. } => DecodeCode::UnexpectedEnd,
            ::vm::DecodeError::TooManyInstructions { .. } => DecodeCode::TooManyInstructions,
            ::vm::DecodeError::InvalidOpcode { .. } => DecodeCode::InvalidOpcode,
            ::vm::DecodeError::InvalidRegister { .. } => DecodeCode::InvalidRegister,
            ::vm::DecodeError::TrailingBytes { .. } => DecodeCode::TrailingBytes,
        }
    }
}

/// What the harness sends a client: the case without its expectations.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmRequest {
    /// The case id, for the client's logs.
    pub id: String,
    /// Always `vm`.
    pub suite: String,
    /// The handler, so a client can refuse what it does not support.
    pub handler: String,
    /// The configuration.
    pub config: VmConfig,
    /// The inputs, in order.
    pub steps: Vec<StepInput>,
}

/// A borrowed [`VmRequest`], serialised identically, for sending without copying the case.
#[derive(Clone, Debug, Serialize)]
pub struct VmRequestRef<'a> {
    /// The case id.
    pub id: &'a str,
    /// Always `vm`.
    pub suite: &'a str,
    /// The handler.
    pub handler: &'a str,
    /// The configuration.
    pub config: &'a VmConfig,
    /// The inputs, in order.
    pub steps: Vec<StepInput>,
}

/// One input of a request.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// What to do.
    pub input: VmInput,
}

/// What a client (or the reference) answers: the outputs of each step and the final state.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmResult {
    /// One entry per input step.
    pub steps: Vec<StepOutputs>,
    /// The final state.
    pub post: VmPost,
    /// The per-step trace, when it was asked for and the client can trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<TraceEntry>>,
}

/// The machine before one step (`vm.md` VM-6.4), as clients report it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceEntry {
    /// The step's number, from 0.
    pub step: Uint,
    /// The instruction pointer.
    pub ip: Uint,
    /// `r0` to `r3`.
    pub regs: [Int; 4],
    /// The number of values on the stack.
    pub stack_depth: Uint,
    /// The gas left.
    pub gas_remaining: Uint,
}

impl VmVector {
    /// The case id.
    pub fn case_id(&self) -> CaseId {
        CaseId { suite: self.suite.clone(), handler: self.handler.clone(), case: self.case.clone() }
    }

    /// The request a client gets for this case.
    pub fn request(&self) -> VmRequest {
        VmRequest {
            id: self.id.clone(),
            suite: self.suite.clone(),
            handler: self.handler.clone(),
            config: self.config.clone(),
            steps: self.steps.iter().map(|s| StepInput { input: s.input }).collect(),
        }
    }

    /// The request, borrowed from the vector.
    pub fn request_ref(&self) -> VmRequestRef<'_> {
        VmRequestRef {
            id: &self.id,
            suite: &self.suite,
            handler: &self.handler,
            config: &self.config,
            steps: self.steps.iter().map(|s| StepInput { input: s.input }).collect(),
        }
    }

    /// Whether `result` is what this vector expects (its trace, if any, is not compared),
    /// without building the expected result.
    pub fn matches(&self, result: &VmResult) -> bool {
        result.post == self.post
            && result.steps.len() == self.steps.len()
            && result.steps.iter().zip(&self.steps).all(|(got, step)| *got == step.expect)
    }

    /// The result a correct client returns (without a trace).
    pub fn expected(&self) -> VmResult {
        VmResult { steps: self.steps.iter().map(|s| s.expect.clone()).collect(), post: self.post.clone(), trace: None }
    }

    pub(super) fn check(&self) -> Result<(), CaseError> {
        self.config.check()?;
        if self.steps.len() != 1 {
            return Err(CaseError::Invalid(format!("a VM case has exactly one step, found {}", self.steps.len())));
        }
        check_outputs(&self.post, self.steps.iter().map(|s| &s.expect)).map_err(CaseError::Invalid)
    }
}

impl VmConfig {
    /// Checks the memory rules (`vectors.md` §5): size within the VM's limit, cells inside it,
    /// nonzero, by strictly increasing address.
    pub fn check(&self) -> Result<(), CaseError> {
        let size = self.memory.size.0;
        if size > ::vm::MAX_MEMORY_CELLS as u64 {
            return Err(CaseError::Invalid(format!(
                "memory size {size} exceeds the VM's limit of {}",
                ::vm::MAX_MEMORY_CELLS
            )));
        }
        check_cells(&self.memory.init, size, "config.memory.init")?;
        if let Some(Cell(address, _)) = self.memory.init.iter().find(|Cell(_, value)| value.0 == 0) {
            return Err(CaseError::Invalid(format!(
                "config.memory.init lists cell {address} with value 0; omit zero cells"
            )));
        }
        Ok(())
    }

    /// The initial memory as the VM takes it.
    pub fn initial_memory(&self) -> Vec<i64> {
        let size = usize::try_from(self.memory.size.0).unwrap_or(0);
        let mut memory = vec![0; size];
        for Cell(address, value) in &self.memory.init {
            if let Some(cell) = usize::try_from(address.0).ok().and_then(|a| memory.get_mut(a)) {
                *cell = value.0;
            }
        }
        memory
    }
}

impl VmResult {
    /// Checks a client's result against the rules a vector's expectations follow
    /// (`vectors.md` VEC-5.3, VEC-5.4) and the trace rule of `client-protocol.md` CP-3.4:
    /// one output per input step, and a trace exactly when one was asked for.
    pub fn check(&self, inputs: usize, trace: bool) -> Result<(), String> {
        if self.steps.len() != inputs {
            return Err(format!("`steps` has {} entries for {inputs} input step(s)", self.steps.len()));
        }
        match (&self.trace, trace) {
            (Some(_), false) => return Err("a `trace` that was not asked for".to_owned()),
            (None, true) => return Err("no `trace`, although one was asked for".to_owned()),
            _ => {}
        }
        check_outputs(&self.post, &self.steps)
    }
}

/// The rules shared by a vector's expectations and a client's result.
fn check_outputs<'a>(post: &VmPost, steps: impl IntoIterator<Item = &'a StepOutputs>) -> Result<(), String> {
    post.check().map_err(|e| e.to_string())?;
    if matches!(post.outcome, OutcomeSpec::Rejected { .. }) && steps.into_iter().any(|s| !s.host_calls.is_empty()) {
        return Err("a rejected program's steps have no host calls (VEC-5.4)".to_owned());
    }
    Ok(())
}

impl VmPost {
    fn check(&self) -> Result<(), CaseError> {
        let fields = [
            self.regs.is_some(),
            self.ip.is_some(),
            self.stack.is_some(),
            self.memory_changes.is_some(),
            self.gas_used.is_some(),
            self.steps.is_some(),
        ];
        match self.outcome {
            OutcomeSpec::Rejected { .. } if fields.iter().any(|&f| f) => {
                Err(CaseError::Invalid("post of a rejected program has only `outcome`".to_owned()))
            }
            OutcomeSpec::Rejected { .. } => Ok(()),
            _ if !fields.iter().all(|&f| f) => Err(CaseError::Invalid(
                "post of a run has regs, ip, stack, memory_changes, gas_used and steps".to_owned(),
            )),
            OutcomeSpec::Trapped { trap, host_code } if (trap == TrapCode::HostError) != host_code.is_some() => {
                Err(CaseError::Invalid("host_code is present exactly when trap is host_error".to_owned()))
            }
            _ => {
                if let Some(changes) = &self.memory_changes {
                    check_cells(changes, u64::MAX, "post.memory_changes")?;
                }
                if self.stack.as_ref().is_some_and(|s| s.len() > ::vm::STACK_LIMIT) {
                    return Err(CaseError::Invalid(format!("post.stack holds more than {} values", ::vm::STACK_LIMIT)));
                }
                Ok(())
            }
        }
    }
}

/// Cells must lie below `size`, by strictly increasing address.
fn check_cells(cells: &[Cell], size: u64, what: &str) -> Result<(), CaseError> {
    if let Some(Cell(address, _)) = cells.iter().find(|Cell(a, _)| a.0 >= size) {
        return Err(CaseError::Invalid(format!("{what}: address {address} is not below the memory size {size}")));
    }
    if !cells.windows(2).all(|w| w[0].0 < w[1].0) {
        return Err(CaseError::Invalid(format!("{what}: addresses must strictly increase")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_codes_agree_with_the_vm() {
        let traps = [
            ::vm::Trap::DivisionByZero,
            ::vm::Trap::StackOverflow,
            ::vm::Trap::StackUnderflow,
            ::vm::Trap::IpOutOfBounds,
            ::vm::Trap::MemoryOutOfBounds,
            ::vm::Trap::OutOfGas,
            ::vm::Trap::InvalidInstruction,
            ::vm::Trap::HostError { code: 1 },
        ];
        for trap in traps {
            let serialised = serde_json::to_string(&TrapCode::of(&trap)).unwrap_or_default();
            assert_eq!(serialised, format!("\"{}\"", trap.code()));
        }
    }

    #[test]
    fn the_borrowed_request_serialises_like_the_owned_one() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/vm/host/host_error.yaml"))
            .expect("committed vector");
        let Ok(crate::case::Case::Vm(v)) = crate::case::Case::parse(&text, crate::case::Encoding::Yaml) else {
            panic!("the committed vector parses");
        };
        assert_eq!(serde_json::to_string(&v.request()).ok(), serde_json::to_string(&v.request_ref()).ok());
    }
}
