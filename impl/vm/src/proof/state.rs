//! The committed machine state: the fixed-size header, the Merkle trees behind it, and the
//! snapshot a prover keeps (`docs/spec/refutation.md` §2).

use borsh::{BorshDeserialize, BorshSerialize};
use primitives::encoding::{self, hash_tagged};
use primitives::merkle::{self, MerkleTree, leaf_hash};
use primitives::{Hash32, keccak256_concat};

use crate::bytecode::{MAX_PROGRAM_LEN, encode_instr};
use crate::host::{Host, HostError, HostReturn};
use crate::isa::REG_COUNT;
use crate::machine::{MAX_MEMORY_CELLS, Machine, MemoryTooLarge, Outcome, STACK_LIMIT, Trap};
use crate::program::Program;

/// The domain tag of a state commitment: `commitment = keccak256(STATE_DOMAIN ‖ header)`.
pub const STATE_DOMAIN: &[u8] = b"orsma/vm-state/v1";
/// The domain tag of the host-call log: `log' = keccak256(HOST_LOG_DOMAIN ‖ log ‖ id ‖ regs)`.
pub const HOST_LOG_DOMAIN: &[u8] = b"orsma/vm-host-call/v1";
/// The stack tree always has this many leaves ([`STACK_LIMIT`]); slots at or above the
/// stack depth hold 0.
pub const STACK_TREE_LEAVES: u64 = STACK_LIMIT as u64;

/// `status` of a machine that is still running.
pub const STATUS_RUNNING: u8 = 0;
/// `status` after `halt`.
pub const STATUS_HALTED: u8 = 1;
/// `status` after `revert`.
pub const STATUS_REVERTED: u8 = 2;
/// `status` after a trap; `trap` says which.
pub const STATUS_TRAPPED: u8 = 3;

/// The whole machine state in 274 bytes: every scalar field, and the root and size of each
/// array (program, host answers, stack, memory) as a Merkle tree. Its canonical encoding
/// (Borsh: the fields in this order, integers little-endian, no padding) is what a
/// commitment hashes and what a step proof carries (`refutation.md` RF-2.1).
#[derive(Clone, Copy, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct StateHeader {
    /// Root of the tree whose leaf `i` is the encoding of instruction `i` (`vm.md` §4).
    pub program_root: Hash32,
    /// The number of instructions.
    pub program_len: u64,
    /// Root of the tree whose leaf `i` is the encoding of host answer `i` ([`TapeEntry`]).
    pub tape_root: Hash32,
    /// The number of host answers.
    pub tape_len: u64,
    /// How many `custom` calls reached the host so far.
    pub host_calls: u64,
    /// The hash chain over those calls (`Hash32::ZERO` before the first).
    pub host_log: Hash32,
    /// `r0` to `r3`.
    pub regs: [i64; REG_COUNT],
    /// The instruction pointer.
    pub ip: u64,
    /// Root of the stack tree: [`STACK_TREE_LEAVES`] leaves, leaf `i` the 8-byte value of slot `i`.
    pub stack_root: Hash32,
    /// The number of values on the stack.
    pub stack_depth: u64,
    /// Root of the tree whose leaf `i` is the 8-byte value of memory cell `i`.
    pub memory_root: Hash32,
    /// The number of memory cells.
    pub memory_len: u64,
    /// The gas the run started with.
    pub gas_limit: u64,
    /// The gas left.
    pub gas_remaining: u64,
    /// Steps taken.
    pub steps: u64,
    /// One of the `STATUS_*` values.
    pub status: u8,
    /// For [`STATUS_TRAPPED`], the trap's number ([`trap_number`]); otherwise 0.
    pub trap: u8,
    /// The halt or revert value (two's complement), or the host's error code for a
    /// `host_error` trap; otherwise 0.
    pub value: u64,
}

/// Why a header is not one any machine can be in.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[error("not a valid machine state: {0}")]
pub struct InvalidState(pub &'static str);

impl StateHeader {
    /// The 32-byte commitment to this state: `keccak256("orsma/vm-state/v1" ‖ encode(self))`.
    pub fn commitment(&self) -> Hash32 {
        hash_tagged(STATE_DOMAIN, self)
    }

    /// The canonical encoding (274 bytes).
    pub fn encode(&self) -> Vec<u8> {
        encoding::encode(self)
    }

    /// How the run ended, or `None` while it runs; an error if the status fields are not
    /// one of the combinations RF-2.2 allows.
    pub fn outcome(&self) -> Result<Option<Outcome>, InvalidState> {
        let value = self.value;
        match (self.status, self.trap) {
            (STATUS_RUNNING, 0) if value == 0 => Ok(None),
            (STATUS_HALTED, 0) => Ok(Some(Outcome::Halted { value: value as i64 })),
            (STATUS_REVERTED, 0) => Ok(Some(Outcome::Reverted { value: value as i64 })),
            (STATUS_TRAPPED, number) => match trap_from_number(number, value) {
                Some(trap) => Ok(Some(Outcome::Trapped { trap })),
                None => {
                    Err(InvalidState("a trapped state needs a trap number from 1 to 8 (and value 0 unless host_error)"))
                }
            },
            (STATUS_RUNNING, _) => Err(InvalidState("a running state has trap 0 and value 0")),
            (STATUS_HALTED | STATUS_REVERTED, _) => Err(InvalidState("a halted or reverted state has trap 0")),
            _ => Err(InvalidState("status must be 0 (running), 1 (halted), 2 (reverted) or 3 (trapped)")),
        }
    }

    /// Checks the limits and status rules of RF-2.2.
    pub fn validate(&self) -> Result<(), InvalidState> {
        if self.program_len > u64::from(MAX_PROGRAM_LEN) {
            return Err(InvalidState("program_len exceeds MAX_PROGRAM_LEN"));
        }
        if self.memory_len > MAX_MEMORY_CELLS as u64 {
            return Err(InvalidState("memory_len exceeds MAX_MEMORY_CELLS"));
        }
        if self.stack_depth > STACK_TREE_LEAVES {
            return Err(InvalidState("stack_depth exceeds STACK_LIMIT"));
        }
        self.outcome().map(|_| ())
    }

    /// Sets the status fields from an outcome.
    pub(crate) fn set_outcome(&mut self, outcome: Option<Outcome>) {
        (self.status, self.trap, self.value) = status_fields(outcome);
    }
}

fn status_fields(outcome: Option<Outcome>) -> (u8, u8, u64) {
    match outcome {
        None => (STATUS_RUNNING, 0, 0),
        Some(Outcome::Halted { value }) => (STATUS_HALTED, 0, value as u64),
        Some(Outcome::Reverted { value }) => (STATUS_REVERTED, 0, value as u64),
        Some(Outcome::Trapped { trap }) => {
            let value = if let Trap::HostError { code } = trap { code } else { 0 };
            (STATUS_TRAPPED, trap_number(trap), value)
        }
    }
}

/// A trap's number in the header: the row of `vm.md` VM-6.3, from 1.
pub fn trap_number(trap: Trap) -> u8 {
    match trap {
        Trap::DivisionByZero => 1,
        Trap::StackOverflow => 2,
        Trap::StackUnderflow => 3,
        Trap::IpOutOfBounds => 4,
        Trap::MemoryOutOfBounds => 5,
        Trap::OutOfGas => 6,
        Trap::InvalidInstruction => 7,
        Trap::HostError { .. } => 8,
    }
}

fn trap_from_number(number: u8, value: u64) -> Option<Trap> {
    let trap = match number {
        1 => Trap::DivisionByZero,
        2 => Trap::StackOverflow,
        3 => Trap::StackUnderflow,
        4 => Trap::IpOutOfBounds,
        5 => Trap::MemoryOutOfBounds,
        6 => Trap::OutOfGas,
        7 => Trap::InvalidInstruction,
        8 => return Some(Trap::HostError { code: value }),
        _ => return None,
    };
    (value == 0).then_some(trap)
}

/// One scripted host answer as a leaf of the tape tree: Borsh, so `Ok` is
/// `00 ‖ value (8) ‖ gas (8)` and `Error` is `01 ‖ code (8)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub enum TapeEntry {
    /// `r0 ← value`, and the host charges `gas`.
    Ok {
        /// Written to `r0`.
        value: i64,
        /// Charged on top of `custom`'s own gas.
        gas: u64,
    },
    /// The call fails with `code`.
    Error {
        /// The host's error code.
        code: u64,
    },
}

impl From<Result<HostReturn, HostError>> for TapeEntry {
    fn from(answer: Result<HostReturn, HostError>) -> TapeEntry {
        match answer {
            Ok(HostReturn { value, gas }) => TapeEntry::Ok { value, gas },
            Err(HostError { code }) => TapeEntry::Error { code },
        }
    }
}

impl From<TapeEntry> for Result<HostReturn, HostError> {
    fn from(entry: TapeEntry) -> Result<HostReturn, HostError> {
        match entry {
            TapeEntry::Ok { value, gas } => Ok(HostReturn { value, gas }),
            TapeEntry::Error { code } => Err(HostError { code }),
        }
    }
}

/// The leaf hash of a memory cell or stack slot holding `value`: `keccak256(0x00 ‖ value as 8 bytes LE)`.
pub fn cell_leaf(value: i64) -> Hash32 {
    leaf_hash(&value.to_le_bytes())
}

/// The next host-call log: `keccak256("orsma/vm-host-call/v1" ‖ log ‖ id (4, LE) ‖ r0..r3 (8 each, LE))`.
pub fn host_log_next(log: &Hash32, id: u32, regs: &[i64; REG_COUNT]) -> Hash32 {
    let mut regs_bytes = [0u8; 8 * REG_COUNT];
    for (chunk, reg) in regs_bytes.chunks_exact_mut(8).zip(regs) {
        chunk.copy_from_slice(&reg.to_le_bytes());
    }
    keccak256_concat(&[HOST_LOG_DOMAIN, &log.0, &id.to_le_bytes(), &regs_bytes])
}

/// What stays fixed for a whole run: the program and the host's scripted answers, with their
/// Merkle trees built once.
#[derive(Clone, Debug)]
pub struct Setup {
    program: Program,
    tape: Vec<TapeEntry>,
    program_tree: MerkleTree,
    tape_tree: MerkleTree,
}

impl Setup {
    /// A setup for `program` with the host answering from `answers` in call order (`vm.md` VM-7.2).
    pub fn new(program: Program, answers: &[Result<HostReturn, HostError>]) -> Setup {
        let mut bytes = Vec::new();
        let program_tree = MerkleTree::from_leaf_hashes(
            program
                .instrs()
                .iter()
                .map(|instr| {
                    bytes.clear();
                    encode_instr(instr, &mut bytes);
                    leaf_hash(&bytes)
                })
                .collect(),
        );
        let tape: Vec<TapeEntry> = answers.iter().map(|&answer| TapeEntry::from(answer)).collect();
        let tape_tree = MerkleTree::from_leaves(&tape.iter().map(encoding::encode).collect::<Vec<_>>());
        Setup { program, tape, program_tree, tape_tree }
    }

    /// The program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The host's answers.
    pub fn tape(&self) -> &[TapeEntry] {
        &self.tape
    }

    pub(crate) fn program_tree(&self) -> &MerkleTree {
        &self.program_tree
    }

    pub(crate) fn tape_tree(&self) -> &MerkleTree {
        &self.tape_tree
    }
}

/// A machine with the host-call bookkeeping the commitment needs: what a prover keeps at a
/// checkpoint. Running it is plain interpretation; nothing is hashed until a commitment or a
/// proof is asked for.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Snapshot {
    /// The machine.
    pub machine: Machine,
    /// How many `custom` calls reached the host so far.
    pub host_calls: u64,
    /// The hash chain over those calls.
    pub host_log: Hash32,
}

impl Snapshot {
    /// The state before step 0: `Machine::new(memory, gas_limit)` and no host calls.
    pub fn start(memory: Vec<i64>, gas_limit: u64) -> Result<Snapshot, MemoryTooLarge> {
        Ok(Snapshot { machine: Machine::new(memory, gas_limit)?, host_calls: 0, host_log: Hash32::ZERO })
    }

    /// Takes at most `n` steps (fewer if the run ends), with the setup's scripted host.
    pub fn run_steps(&mut self, setup: &Setup, n: u64) {
        let mut host = TapeHost { tape: &setup.tape, calls: &mut self.host_calls, log: &mut self.host_log };
        self.machine.run_steps(&setup.program, &mut host, n);
    }

    /// Runs to the end with the interpreter's fast path.
    pub fn run(&mut self, setup: &Setup) {
        let mut host = TapeHost { tape: &setup.tape, calls: &mut self.host_calls, log: &mut self.host_log };
        self.machine.run(&setup.program, &mut host);
    }

    /// The header of this state: one pass over the memory and the stack to compute their roots.
    pub fn header(&self, setup: &Setup) -> StateHeader {
        self.header_with_paths(setup, None, None).0
    }

    /// The commitment to this state.
    pub fn commitment(&self, setup: &Setup) -> Hash32 {
        self.header(setup).commitment()
    }

    /// The header, plus the audit paths of one stack slot and one memory cell if asked for,
    /// computed in the same passes as the roots.
    pub(crate) fn header_with_paths(
        &self,
        setup: &Setup,
        stack_slot: Option<u64>,
        memory_cell: Option<u64>,
    ) -> (StateHeader, Option<Vec<Hash32>>, Option<Vec<Hash32>>) {
        let m = &self.machine;
        let (stack_root, stack_path) = stack_root_and_path(&m.stack, stack_slot);
        let memory = &m.memory;
        let (memory_root, memory_path) = merkle::root_and_path(memory.len() as u64, memory_cell, |i| {
            cell_leaf(usize::try_from(i).ok().and_then(|i| memory.get(i)).copied().unwrap_or(0))
        });
        let header = StateHeader { stack_root, memory_root, ..self.bare_header(setup) };
        (header, stack_path, memory_path)
    }
}

impl Snapshot {
    /// The header with the stack and memory roots left as `Hash32::ZERO`: no hashing at all.
    pub(crate) fn bare_header(&self, setup: &Setup) -> StateHeader {
        let m = &self.machine;
        let (status, trap, value) = status_fields(m.outcome);
        StateHeader {
            program_root: setup.program_tree.root(),
            program_len: setup.program.len() as u64,
            tape_root: setup.tape_tree.root(),
            tape_len: setup.tape.len() as u64,
            host_calls: self.host_calls,
            host_log: self.host_log,
            regs: m.regs,
            ip: m.ip,
            stack_root: Hash32::ZERO,
            stack_depth: m.stack.len() as u64,
            memory_root: Hash32::ZERO,
            memory_len: m.memory.len() as u64,
            gas_limit: m.gas_limit,
            gas_remaining: m.gas_remaining,
            steps: m.steps,
            status,
            trap,
            value,
        }
    }
}

/// The stack tree's root (and a slot's path): [`STACK_TREE_LEAVES`] leaves, the stack's values
/// bottom first, then zeros. Subtrees entirely above the stack are all-zero, so their roots come
/// from a table instead of being hashed again.
pub(crate) fn stack_root_and_path(stack: &[i64], slot: Option<u64>) -> (Hash32, Option<Vec<Hash32>>) {
    let zeros = zero_roots();
    let depth = stack.len() as u64;
    let mut path = Vec::new();
    let target = slot.filter(|&s| s < STACK_TREE_LEAVES);
    let root = stack_subtree(stack, depth, 0, STACK_TREE_LEAVES, target, &zeros, &mut path);
    (root, target.map(|_| path))
}

fn stack_subtree(
    stack: &[i64],
    depth: u64,
    start: u64,
    width: u64,
    target: Option<u64>,
    zeros: &[Hash32],
    path: &mut Vec<Hash32>,
) -> Hash32 {
    let inside = target.filter(|t| (start..start + width).contains(t));
    if inside.is_none() && start >= depth {
        return zeros.get(width.trailing_zeros() as usize).copied().unwrap_or_default();
    }
    if width == 1 {
        return cell_leaf(usize::try_from(start).ok().and_then(|i| stack.get(i)).copied().unwrap_or(0));
    }
    let half = width / 2;
    let left = stack_subtree(stack, depth, start, half, inside, zeros, path);
    let right = stack_subtree(stack, depth, start + half, half, inside, zeros, path);
    match inside {
        Some(t) if t < start + half => path.push(right),
        Some(_) => path.push(left),
        None => {}
    }
    merkle::node_hash(&left, &right)
}

/// `zeros[l]` is the root of a perfect tree of `2^l` zero cells.
fn zero_roots() -> Vec<Hash32> {
    let levels = STACK_TREE_LEAVES.trailing_zeros() as usize;
    let mut zeros = Vec::with_capacity(levels + 1);
    let mut hash = cell_leaf(0);
    zeros.push(hash);
    for _ in 0..levels {
        hash = merkle::node_hash(&hash, &hash);
        zeros.push(hash);
    }
    zeros
}

/// The scripted host of VM-7.2, keeping the count and log a snapshot commits to.
struct TapeHost<'a> {
    tape: &'a [TapeEntry],
    calls: &'a mut u64,
    log: &'a mut Hash32,
}

impl Host for TapeHost<'_> {
    fn custom(&mut self, id: u32, regs: &[i64; REG_COUNT]) -> Result<HostReturn, HostError> {
        let answer = usize::try_from(*self.calls).ok().and_then(|i| self.tape.get(i)).copied();
        *self.log = host_log_next(self.log, id, regs);
        *self.calls = self.calls.wrapping_add(1);
        answer.map_or(Err(HostError { code: crate::ScriptedHost::EXHAUSTED }), Into::into)
    }
}
