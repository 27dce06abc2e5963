//! Turning a case's inputs into a vector by running the reference (the "fill" step).

use ::vm::Program;
use primitives::keccak256;

use crate::case::vm::{Cell, HostAnswer, MemorySpec, ProgramSpec, VmConfig, VmInput, VmStep, VmVector};
use crate::case::{Case, CaseError, CaseId, FORMAT, HashHex, Hex, Int, Provenance, Uint};
use crate::reference;

/// The inputs of a VM case, before the reference fills in its expectations.
#[derive(Clone, Debug)]
pub struct VmSpec {
    /// The handler.
    pub handler: String,
    /// The case name.
    pub name: String,
    /// One sentence.
    pub description: String,
    /// Labels; sorted and deduplicated when filled.
    pub tags: Vec<String>,
    /// The bytecode to run (possibly invalid, for decode cases).
    pub bytecode: Vec<u8>,
    /// The initial memory, every cell.
    pub memory: Vec<i64>,
    /// The gas limit.
    pub gas_limit: u64,
    /// The host's answers.
    pub host: Vec<HostAnswer>,
    /// Where it came from.
    pub provenance: Provenance,
}

impl VmSpec {
    /// A case running `program` with no memory, 1 000 000 gas and no host answers.
    pub fn new(handler: &str, name: &str, description: &str, program: &Program, provenance: Provenance) -> VmSpec {
        VmSpec::from_bytecode(handler, name, description, program.encode(), provenance)
    }

    /// A case running exactly `bytecode`, which need not decode (for decoder cases).
    pub fn from_bytecode(
        handler: &str,
        name: &str,
        description: &str,
        bytecode: Vec<u8>,
        provenance: Provenance,
    ) -> VmSpec {
        VmSpec {
            handler: handler.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
            tags: Vec::new(),
            bytecode,
            memory: Vec::new(),
            gas_limit: 1_000_000,
            host: Vec::new(),
            provenance,
        }
    }

    /// Adds tags.
    pub fn tags(mut self, tags: &[&str]) -> VmSpec {
        self.tags.extend(tags.iter().map(|t| (*t).to_owned()));
        self
    }

    /// Sets the initial memory.
    pub fn memory(mut self, memory: Vec<i64>) -> VmSpec {
        self.memory = memory;
        self
    }

    /// Sets the gas limit.
    pub fn gas(mut self, gas_limit: u64) -> VmSpec {
        self.gas_limit = gas_limit;
        self
    }

    /// Sets the host's answers.
    pub fn host(mut self, host: Vec<HostAnswer>) -> VmSpec {
        self.host = host;
        self
    }

    /// The configuration this spec describes.
    pub fn config(&self) -> VmConfig {
        let asm = Program::decode(&self.bytecode).ok().map(|p| p.disassemble());
        let init = self
            .memory
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0)
            .map(|(a, v)| Cell(Uint(a as u64), Int(*v)))
            .collect();
        VmConfig {
            program: ProgramSpec {
                asm,
                bytecode: Hex(self.bytecode.clone()),
                hash: HashHex(keccak256(&self.bytecode)),
            },
            memory: MemorySpec { size: Uint(self.memory.len() as u64), init },
            gas_limit: Uint(self.gas_limit),
            host: self.host.clone(),
        }
    }

    /// Runs the reference and writes its result in as the expectation.
    pub fn fill(self) -> Result<Case, CaseError> {
        let id = CaseId::new("vm", &self.handler, &self.name)?;
        let config = self.config();
        let result = reference::run_config(&config, [VmInput::Run], false)
            .map_err(|e| CaseError::Invalid(format!("{id}: {e}")))?;
        let mut tags = self.tags;
        tags.sort();
        tags.dedup();
        let steps = result.steps.into_iter().map(|expect| VmStep { input: VmInput::Run, expect }).collect();
        let case = Case::Vm(VmVector {
            format: FORMAT.to_owned(),
            id: id.to_string(),
            suite: id.suite,
            handler: id.handler,
            case: id.case,
            description: self.description,
            tags,
            provenance: self.provenance,
            config,
            steps,
            post: result.post,
        });
        case.check()?;
        Ok(case)
    }
}
