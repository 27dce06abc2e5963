//! The VM step vocabulary: each Gherkin step sentence and what it does to a case.
//!
//! Given steps set the configuration, When steps add inputs, Then steps add expectations.
//! The same table serves the cucumber runner and the vector exporter, so a scenario means
//! the same thing wherever it runs. `docs/testing.md` lists the sentences.

use super::{INT, UINT, captures, uint};
use crate::case::vm::{DecodeCode, HostAnswer, OutcomeSpec, TrapCode, VmResult};
use crate::case::{Int, Uint};
use crate::vectors::fill::VmSpec;

/// The part of a Gherkin scenario a step belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Keyword {
    /// Configuration.
    Given,
    /// Inputs.
    When,
    /// Expectations.
    Then,
}

/// A VM scenario as built so far.
#[derive(Clone, Debug, Default)]
pub struct VmScenario {
    /// The bytecode, once a program step ran.
    pub bytecode: Option<Vec<u8>>,
    /// The memory, every cell.
    pub memory: Vec<i64>,
    /// The gas limit (1 000 000 unless a step says otherwise).
    pub gas_limit: Option<u64>,
    /// The host's answers.
    pub host: Vec<HostAnswer>,
    /// Whether a When step asked the program to run.
    pub runs: bool,
    /// The expectations, in order.
    pub expectations: Vec<Expectation>,
}

/// One Then step.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Expectation {
    /// The outcome (status and its value, trap or error).
    Outcome(OutcomeSpec),
    /// One register.
    Register(usize, i64),
    /// All four registers.
    Registers([i64; 4]),
    /// The whole stack, bottom first.
    Stack(Vec<i64>),
    /// One memory cell's final value.
    Cell(u64, i64),
    /// No memory cell changed.
    MemoryUnchanged,
    /// Gas used.
    GasUsed(u64),
    /// Gas used equals the limit.
    AllGasUsed,
    /// Steps taken.
    Steps(u64),
    /// The final instruction pointer.
    Ip(u64),
    /// How many host calls were made.
    HostCalls(usize),
    /// The id of host call `n` (from 1).
    HostCallId(usize, u32),
}

/// Why a step could not be applied or an expectation does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StepError(pub String);

fn int(s: &str) -> Result<i64, StepError> {
    s.parse().map_err(|_| StepError(format!("`{s}` is not a 64-bit integer")))
}

fn list(s: &str) -> Result<Vec<i64>, StepError> {
    s.split(',').map(|v| int(v.trim())).collect()
}

/// The sentences, for error messages and docs.
pub const VOCABULARY: &str = "\
Given the program:  (assembly in a \"\"\" doc string)
Given the bytecode 0x…
Given a memory of N cells
Given memory cell A holds V
Given the memory holds V, V, …
Given a gas limit of N
Given the host answers V  |  Given the host answers V charging G gas
Given the host fails with code C
When the program runs
Then it halts with V  |  Then it reverts with V
Then it traps with <trap>  |  Then it traps with host error C
Then the bytecode is rejected as <error>
Then register rN is V  |  Then the registers are A, B, C, D
Then the stack is empty  |  Then the stack is V, V, …
Then memory cell A is V  |  Then the memory is unchanged
Then gas used is N  |  Then all gas is used
Then the run takes N steps  |  Then ip is N
Then the host was called N times  |  Then host call N had id I";

impl super::Steps for VmScenario {
    fn apply(&mut self, keyword: Keyword, text: &str, docstring: Option<&str>) -> Result<(), StepError> {
        let text = text.trim();
        match keyword {
            Keyword::Given => self.given(text, docstring),
            Keyword::When => self.when(text),
            Keyword::Then => {
                let expectation = parse_then(text)?;
                self.expectations.push(expectation);
                Ok(())
            }
        }
    }
}

impl VmScenario {
    fn given(&mut self, text: &str, docstring: Option<&str>) -> Result<(), StepError> {
        if text == "the program:" || text == "the program" {
            let source = docstring
                .ok_or_else(|| StepError("`Given the program:` needs the assembly in a \"\"\" block".into()))?;
            let program = ::vm::Program::assemble(source)
                .map_err(|e| StepError(format!("the program does not assemble: {e}")))?;
            self.bytecode = Some(program.encode());
        } else if let Some(c) = captures(re!(r"the bytecode (0x[0-9a-f]*)"), text) {
            let bytes = crate::case::num::parse_hex(c[0])
                .ok_or_else(|| StepError(format!("`{}` is not lowercase 0x-hex with whole bytes", c[0])))?;
            self.bytecode = Some(bytes);
        } else if let Some(c) = captures(re!(format!("a memory of {UINT} cells?")), text) {
            let size = usize::try_from(uint(c[0])?).map_err(|_| StepError("memory too large".into()))?;
            if size > ::vm::MAX_MEMORY_CELLS {
                return Err(StepError(format!(
                    "a memory of {size} cells exceeds the limit of {}",
                    ::vm::MAX_MEMORY_CELLS
                )));
            }
            self.memory.resize(size, 0);
        } else if let Some(c) = captures(re!(format!("memory cell {UINT} holds {INT}")), text) {
            let (address, value) = (uint(c[0])?, int(c[1])?);
            let size = self.memory.len();
            let cell = usize::try_from(address).ok().and_then(|a| self.memory.get_mut(a)).ok_or_else(|| {
                StepError(format!(
                    "memory cell {address} is outside a memory of {size} cells; say `Given a memory of N cells` first"
                ))
            })?;
            *cell = value;
        } else if let Some(c) = captures(re!(r"the memory holds (.+)"), text) {
            self.memory = list(c[0])?;
        } else if let Some(c) = captures(re!(format!("a gas limit of {UINT}")), text) {
            self.gas_limit = Some(uint(c[0])?);
        } else if let Some(c) = captures(re!(format!("the host answers {INT}(?: charging {UINT} gas)?")), text) {
            let gas = if c[1].is_empty() { 0 } else { uint(c[1])? };
            self.host.push(HostAnswer::Ok { value: Int(int(c[0])?), gas: Uint(gas) });
        } else if let Some(c) = captures(re!(format!("the host fails with code {UINT}")), text) {
            self.host.push(HostAnswer::Error { code: Uint(uint(c[0])?) });
        } else {
            return Err(unknown("Given", text));
        }
        Ok(())
    }

    fn when(&mut self, text: &str) -> Result<(), StepError> {
        if text == "the program runs" {
            if self.runs {
                return Err(StepError("the program already runs once in this scenario".into()));
            }
            self.runs = true;
            Ok(())
        } else {
            Err(unknown("When", text))
        }
    }

    /// The case inputs this scenario describes, under `handler`/`name`.
    pub fn spec(
        &self,
        handler: &str,
        name: &str,
        description: &str,
        provenance: crate::case::Provenance,
    ) -> Result<VmSpec, StepError> {
        let bytecode =
            self.bytecode.clone().ok_or_else(|| StepError("the scenario never says `Given the program:`".into()))?;
        if !self.runs {
            return Err(StepError("the scenario never says `When the program runs`".into()));
        }
        Ok(VmSpec::from_bytecode(handler, name, description, bytecode, provenance)
            .memory(self.memory.clone())
            .gas(self.gas_limit.unwrap_or(1_000_000))
            .host(self.host.clone()))
    }
}

fn unknown(keyword: &str, text: &str) -> StepError {
    StepError(format!("no step matches `{keyword} {text}`. The VM steps are:\n{VOCABULARY}"))
}

fn trap_code(name: &str) -> Result<TrapCode, StepError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|_| StepError(format!("`{name}` is not a trap code (see docs/spec/vm.md VM-6.3)")))
}

fn decode_code(name: &str) -> Result<DecodeCode, StepError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|_| StepError(format!("`{name}` is not a decoder error code (see docs/spec/vm.md VM-4.1)")))
}

fn parse_then(text: &str) -> Result<Expectation, StepError> {
    use Expectation as E;
    Ok(if let Some(c) = captures(re!(format!("it halts with {INT}")), text) {
        E::Outcome(OutcomeSpec::Halted { value: Int(int(c[0])?) })
    } else if let Some(c) = captures(re!(format!("it reverts with {INT}")), text) {
        E::Outcome(OutcomeSpec::Reverted { value: Int(int(c[0])?) })
    } else if let Some(c) = captures(re!(format!("it traps with host error {UINT}")), text) {
        E::Outcome(OutcomeSpec::Trapped { trap: TrapCode::HostError, host_code: Some(Uint(uint(c[0])?)) })
    } else if let Some(c) = captures(re!(r"it traps with ([a-z_]+)"), text) {
        E::Outcome(OutcomeSpec::Trapped { trap: trap_code(c[0])?, host_code: None })
    } else if let Some(c) = captures(re!(r"the bytecode is rejected as ([a-z_]+)"), text) {
        E::Outcome(OutcomeSpec::Rejected { error: decode_code(c[0])? })
    } else if let Some(c) = captures(re!(format!("register r([0-3]) is {INT}")), text) {
        E::Register(usize::from(c[0].as_bytes()[0] - b'0'), int(c[1])?)
    } else if let Some(c) = captures(re!(r"the registers are (.+)"), text) {
        let values = list(c[0])?;
        E::Registers(values.try_into().map_err(|_| StepError("name exactly four register values".into()))?)
    } else if text == "the stack is empty" {
        E::Stack(Vec::new())
    } else if let Some(c) = captures(re!(r"the stack is (.+)"), text) {
        E::Stack(list(c[0])?)
    } else if let Some(c) = captures(re!(format!("memory cell {UINT} is {INT}")), text) {
        E::Cell(uint(c[0])?, int(c[1])?)
    } else if text == "the memory is unchanged" {
        E::MemoryUnchanged
    } else if let Some(c) = captures(re!(format!("gas used is {UINT}")), text) {
        E::GasUsed(uint(c[0])?)
    } else if text == "all gas is used" {
        E::AllGasUsed
    } else if let Some(c) = captures(re!(format!("the run takes {UINT} steps?")), text) {
        E::Steps(uint(c[0])?)
    } else if let Some(c) = captures(re!(format!("ip is {UINT}")), text) {
        E::Ip(uint(c[0])?)
    } else if let Some(c) = captures(re!(format!("the host was called {UINT} times?")), text) {
        E::HostCalls(usize::try_from(uint(c[0])?).unwrap_or(usize::MAX))
    } else if let Some(c) = captures(re!(format!("host call {UINT} had id {UINT}")), text) {
        let n = usize::try_from(uint(c[0])?).unwrap_or(usize::MAX);
        E::HostCallId(n, u32::try_from(uint(c[1])?).map_err(|_| StepError("a host id is below 2^32".into()))?)
    } else {
        return Err(unknown("Then", text));
    })
}

impl Expectation {
    /// Checks the expectation against a result; the error says what was found instead.
    pub fn check(&self, result: &VmResult, memory: &[i64], gas_limit: u64) -> Result<(), StepError> {
        use Expectation as E;
        let post = &result.post;
        let ran = |what: &str| StepError(format!("expected {what}, but the bytecode was rejected: {:?}", post.outcome));
        let fail = |what: String| Err(StepError(what));
        match self {
            E::Outcome(expected) => {
                if post.outcome != *expected {
                    return fail(format!("expected outcome {}, got {}", describe(expected), describe(&post.outcome)));
                }
            }
            E::Register(n, value) => {
                let regs = post.regs.ok_or_else(|| ran("registers"))?;
                let got = regs.get(*n).map_or(0, |r| r.0);
                if got != *value {
                    return fail(format!("expected r{n} = {value}, got {got}"));
                }
            }
            E::Registers(values) => {
                let regs = post.regs.ok_or_else(|| ran("registers"))?.map(|r| r.0);
                if regs != *values {
                    return fail(format!("expected registers {values:?}, got {regs:?}"));
                }
            }
            E::Stack(values) => {
                let stack: Vec<i64> = post.stack.as_ref().ok_or_else(|| ran("a stack"))?.iter().map(|v| v.0).collect();
                if stack != *values {
                    return fail(format!("expected stack {values:?}, got {stack:?}"));
                }
            }
            E::Cell(address, value) => {
                let changes = post.memory_changes.as_ref().ok_or_else(|| ran("memory"))?;
                let changed = changes.iter().find(|c| c.0.0 == *address).map(|c| c.1.0);
                let initial = usize::try_from(*address).ok().and_then(|a| memory.get(a)).copied();
                let Some(got) = changed.or(initial) else {
                    return fail(format!(
                        "memory cell {address} does not exist (the memory has {} cells)",
                        memory.len()
                    ));
                };
                if got != *value {
                    return fail(format!("expected memory cell {address} = {value}, got {got}"));
                }
            }
            E::MemoryUnchanged => {
                let changes = post.memory_changes.as_ref().ok_or_else(|| ran("memory"))?;
                if let Some(first) = changes.first() {
                    return fail(format!(
                        "expected no memory change, but {} cells changed (first: cell {} = {})",
                        changes.len(),
                        first.0,
                        first.1
                    ));
                }
            }
            E::GasUsed(gas) => {
                let got = post.gas_used.ok_or_else(|| ran("gas"))?.0;
                if got != *gas {
                    return fail(format!("expected {gas} gas used, got {got}"));
                }
            }
            E::AllGasUsed => {
                let got = post.gas_used.ok_or_else(|| ran("gas"))?.0;
                if got != gas_limit {
                    return fail(format!("expected all {gas_limit} gas used, got {got}"));
                }
            }
            E::Steps(steps) => {
                let got = post.steps.ok_or_else(|| ran("steps"))?.0;
                if got != *steps {
                    return fail(format!("expected {steps} steps, got {got}"));
                }
            }
            E::Ip(ip) => {
                let got = post.ip.ok_or_else(|| ran("ip"))?.0;
                if got != *ip {
                    return fail(format!("expected ip = {ip}, got {got}"));
                }
            }
            E::HostCalls(n) => {
                let got: usize = result.steps.iter().map(|s| s.host_calls.len()).sum();
                if got != *n {
                    return fail(format!("expected {n} host calls, got {got}"));
                }
            }
            E::HostCallId(n, id) => {
                let calls: Vec<_> = result.steps.iter().flat_map(|s| &s.host_calls).collect();
                let call = n
                    .checked_sub(1)
                    .and_then(|i| calls.get(i))
                    .ok_or_else(|| StepError(format!("there is no host call {n}; there were {}", calls.len())))?;
                if call.id.0 != u64::from(*id) {
                    return fail(format!("expected host call {n} to have id {id}, got {}", call.id));
                }
            }
        }
        Ok(())
    }
}

fn describe(outcome: &OutcomeSpec) -> String {
    match outcome {
        OutcomeSpec::Halted { value } => format!("halted with {value}"),
        OutcomeSpec::Reverted { value } => format!("reverted with {value}"),
        OutcomeSpec::Trapped { host_code: Some(code), .. } => format!("trapped with host error {code}"),
        OutcomeSpec::Trapped { trap, host_code: None } => {
            format!("trapped with {}", serde_json::to_string(trap).unwrap_or_default().trim_matches('"'))
        }
        OutcomeSpec::Rejected { error } => {
            format!("rejected as {}", serde_json::to_string(error).unwrap_or_default().trim_matches('"'))
        }
    }
}
