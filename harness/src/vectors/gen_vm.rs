//! The VM suite's generators: every instruction's ordinary and edge cases, every trap and
//! decoder error, gas exhaustion at every boundary, host calls, whole programs, and seeded
//! random programs that terminate.
//!
//! Everything is drawn from `seed`; the same seed gives the same cases, byte for byte.

use ::vm::{BinOp, Cond, Program};
use primitives::keccak256_concat;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use super::Generated;
use super::fill::VmSpec;
use crate::case::vm::HostAnswer;
use crate::case::{Case, CaseError, Int, Provenance, Uint};

const MIN: i64 = i64::MIN;
const MAX: i64 = i64::MAX;

/// All VM cases for `seed`, in generation order.
pub fn generate(seed: u64) -> Result<Vec<Case>, CaseError> {
    let mut g = Gen { seed, cases: Generated::default() };
    g.alu()?;
    g.moves()?;
    g.control()?;
    g.stack()?;
    g.memory()?;
    g.host()?;
    g.traps()?;
    g.gas()?;
    g.decode()?;
    g.programs()?;
    g.random()?;
    Ok(g.cases.cases)
}

struct Gen {
    seed: u64,
    cases: Generated,
}

/// A seeded random source for one generator; the stream depends only on `seed` and `label`.
pub(crate) fn rng(seed: u64, label: &str) -> ChaCha8Rng {
    let digest = keccak256_concat(&[b"orsma/vectors/", label.as_bytes(), &seed.to_le_bytes()]);
    ChaCha8Rng::from_seed(digest.0)
}

/// A derived per-case seed, recorded in the case's provenance.
fn case_seed(seed: u64, label: &str) -> u64 {
    rng(seed, label).next_u64()
}

fn asm(source: &str) -> Result<Program, CaseError> {
    Program::assemble(source)
        .map_err(|e| CaseError::Invalid(format!("generator program does not assemble: {e}\n{source}")))
}

/// A value as part of a case name: `0`, `7`, `n7` (−7), `min`, `max`, or `x` and 16 hex digits.
fn vname(v: i64) -> String {
    match v {
        MIN => "min".to_owned(),
        MAX => "max".to_owned(),
        v if v.unsigned_abs() < 1 << 16 && v < 0 => format!("n{}", v.unsigned_abs()),
        v if v.unsigned_abs() < 1 << 16 => v.to_string(),
        v => format!("x{:016x}", v as u64),
    }
}

fn ok(value: i64, gas: u64) -> HostAnswer {
    HostAnswer::Ok { value: Int(value), gas: Uint(gas) }
}

fn err(code: u64) -> HostAnswer {
    HostAnswer::Error { code: Uint(code) }
}

impl Gen {
    fn provenance(&self, generator: &str) -> Provenance {
        Provenance::generated(generator, self.seed)
    }

    fn push(&mut self, spec: VmSpec) -> Result<(), CaseError> {
        let case = spec.fill()?;
        self.cases.push(case)
    }

    /// A case from assembly, with default memory, gas and host.
    fn case(
        &mut self,
        handler: &str,
        name: &str,
        description: &str,
        source: &str,
        tags: &[&str],
    ) -> Result<(), CaseError> {
        let spec = VmSpec::new(handler, name, description, &asm(source)?, self.provenance(&format!("vm/{handler}")));
        self.push(spec.tags(tags))
    }

    fn alu(&mut self) -> Result<(), CaseError> {
        const BASE: &[(i64, i64)] = &[
            (0, 0),
            (2, 3),
            (7, -3),
            (-7, 3),
            (-7, -3),
            (MAX, 1),
            (MIN, -1),
            (-1, -1),
            (0x5555_5555_5555_5555, 0x3333_3333_3333_3333),
        ];
        for op in BinOp::ALL {
            let extra: &[(i64, i64)] = match op {
                BinOp::Shl | BinOp::Shr | BinOp::Sar => {
                    &[(1, 63), (1, 64), (-1, 65), (-16, 4), (5, -1), (MAX, 1000), (MIN, 63)]
                }
                BinOp::Div | BinOp::Rem | BinOp::DivU | BinOp::RemU => &[(MIN, 1), (0, -5), (MIN, 3), (MAX, MIN)],
                BinOp::Lt | BinOp::LtU | BinOp::Gt | BinOp::GtU | BinOp::Eq | BinOp::Ne => {
                    &[(MIN, MAX), (MAX, MIN), (-1, 0), (0, -1), (5, 5)]
                }
                BinOp::Mul => &[(1 << 32, 1 << 32), (0x1_0000_0001, 0x1_0000_0001), (MIN, MIN), (-3, 5)],
                BinOp::Add | BinOp::Sub => &[(MIN, MIN), (MAX, MAX), (MIN, 1)],
                BinOp::And | BinOp::Or | BinOp::Xor => &[(-1, MIN), (MIN, 1), (0xff, -256)],
            };
            let label = format!("vm/alu/{}", op.mnemonic());
            let mut r = rng(self.seed, &label);
            let random: Vec<(i64, i64)> =
                (0..3).map(|_| (r.next_u64() as i64, r.next_u64() as i64 >> (r.next_u32() % 64))).collect();
            let m = op.mnemonic();
            for &(a, b) in BASE.iter().chain(extra).chain(&random) {
                let (na, nb) = (vname(a), vname(b));
                let tags = [m, "alu"];
                self.case(
                    "alu",
                    &format!("{m}_{na}_{nb}"),
                    &format!("{m} with registers holding {a} and {b}"),
                    &format!("li r1, {a}\nli r2, {b}\n{m} r3, r1, r2\nhalt r3"),
                    &tags,
                )?;
                let mi = format!("{m}i");
                self.case(
                    "alu",
                    &format!("{mi}_{na}_{nb}"),
                    &format!("{mi} with a register holding {a} and the immediate {b}"),
                    &format!("li r1, {a}\n{mi} r3, r1, {b}\nhalt r3"),
                    &[&mi, "alu", "immediate"],
                )?;
            }
        }
        // A destination that is also a source reads the old value (vm.md VM-3.3).
        self.case(
            "alu",
            "add_dest_is_source",
            "add r0, r0, r0 doubles r0",
            "li r0, 21\nadd r0, r0, r0\nhalt r0",
            &["add", "alu"],
        )?;
        self.case(
            "alu",
            "sub_same_register",
            "sub r1, r1, r1 is zero",
            "li r1, -99\nsub r1, r1, r1\nhalt r1",
            &["sub", "alu"],
        )
    }

    fn moves(&mut self) -> Result<(), CaseError> {
        for v in [0, 1, -1, MIN, MAX, 0x0123_4567_89ab_cdef, -0x0123_4567_89ab_cdef] {
            self.case(
                "move",
                &format!("li_{}", vname(v)),
                &format!("li loads {v}"),
                &format!("li r2, {v}\nhalt r2"),
                &["li"],
            )?;
        }
        self.case(
            "move",
            "mov_copies",
            "mov copies and leaves the source",
            "li r1, 42\nmov r3, r1\nhalt r3",
            &["mov"],
        )?;
        self.case("move", "mov_self", "mov r1, r1 changes nothing", "li r1, 42\nmov r1, r1\nhalt r1", &["mov"])?;
        for v in [0, 5, -1, MIN, MAX] {
            let n = vname(v);
            self.case(
                "move",
                &format!("not_{n}"),
                &format!("not of {v}"),
                &format!("li r1, {v}\nnot r0, r1\nhalt r0"),
                &["not"],
            )?;
            self.case(
                "move",
                &format!("neg_{n}"),
                &format!("neg of {v} (wrapping)"),
                &format!("li r1, {v}\nneg r0, r1\nhalt r0"),
                &["neg"],
            )?;
        }
        self.case("move", "registers_start_at_zero", "all registers start at zero", "halt r3", &["halt"])?;
        self.case(
            "move",
            "nop_only_advances",
            "nop changes nothing but ip and gas",
            "li r1, 3\nnop\nnop\nhalt r1",
            &["nop"],
        )
    }

    fn control(&mut self) -> Result<(), CaseError> {
        let h = "control";
        self.case(h, "jmp_forward", "jmp skips an instruction", "jmp over\nli r0, 1\nover: halt r0", &["jmp"])?;
        self.case(
            h,
            "jmp_backward_loop",
            "a backward jmp loop with a counter",
            "li r1, 3\ntop: subi r1, r1, 1\njz r1, done\njmp top\ndone: halt r1",
            &["jmp", "jz"],
        )?;
        self.case(
            h,
            "jmp_to_self_runs_out_of_gas",
            "jmp to itself loops until gas runs out",
            "here: jmp here",
            &["jmp", "out_of_gas"],
        )?;
        for (v, name) in [(0, "zero"), (1, "one"), (-1, "minus_one"), (MIN, "min")] {
            let src = |j: &str| format!("li r1, {v}\n{j} r1, t\nli r0, 1\nhalt r0\nt: li r0, 2\nhalt r0");
            self.case(h, &format!("jz_{name}"), &format!("jz with {v}"), &src("jz"), &["jz"])?;
            self.case(h, &format!("jnz_{name}"), &format!("jnz with {v}"), &src("jnz"), &["jnz"])?;
        }
        for cond in Cond::ALL {
            let m = cond.mnemonic();
            for (a, b) in [(3, 3), (3, -3), (-3, 3), (MIN, MAX), (MAX, MIN), (0, -1), (-1, 0)] {
                self.case(
                    h,
                    &format!("{m}_{}_{}", vname(a), vname(b)),
                    &format!("{m} comparing {a} with {b}"),
                    &format!("li r1, {a}\nli r2, {b}\n{m} r1, r2, t\nli r0, 1\nhalt r0\nt: li r0, 2\nhalt r0"),
                    &[m, "branch"],
                )?;
            }
        }
        self.case(
            h,
            "branch_same_register",
            "bge r1, r1 is always taken",
            "li r1, -4\nbge r1, r1, t\nli r0, 1\nt: halt r0",
            &["bge", "branch"],
        )?;
        self.case(
            h,
            "call_ret",
            "call pushes the return address and ret pops it",
            "call f\nhalt r0\nf: li r0, 4\nret",
            &["call", "ret"],
        )?;
        self.case(
            h,
            "call_return_address_on_stack",
            "inside a call the return address is on the stack",
            "nop\ncall f\nhalt r0\nf: pop r0\nhalt r0",
            &["call"],
        )?;
        self.case(h, "nested_calls", "three nested calls return in order", "call a\nhalt r0\na: addi r0, r0, 1\ncall b\nret\nb: addi r0, r0, 10\ncall c\nret\nc: addi r0, r0, 100\nret", &["call", "ret"])?;
        self.case(
            h,
            "ret_to_pushed_address",
            "ret jumps to any value on the stack",
            "li r1, 4\npush r1\nret\nhalt r0\nli r0, 9\nhalt r0",
            &["ret"],
        )?;
        self.case(
            h,
            "call_leaves_stack_values",
            "values pushed before a call stay under the return address",
            "li r1, 7\npush r1\ncall f\npop r2\nhalt r2\nf: ret",
            &["call", "push", "pop"],
        )
    }

    fn stack(&mut self) -> Result<(), CaseError> {
        let h = "stack";
        self.case(
            h,
            "push_pop_lifo",
            "push and pop are last in, first out",
            "li r0, 1\nli r1, 2\npush r0\npush r1\npop r2\npop r3\nhalt r3",
            &["push", "pop"],
        )?;
        self.case(
            h,
            "values_left_on_stack",
            "the final stack lists values bottom first",
            "li r0, -5\npush r0\nli r0, 6\npush r0\nhalt r0",
            &["push"],
        )?;
        self.case(
            h,
            "fill_to_the_limit",
            "1024 pushes fit exactly",
            "li r1, 1024\nloop: push r1\nsubi r1, r1, 1\njnz r1, loop\nhalt r1",
            &["push", "limit"],
        )?;
        self.case(h, "fill_and_empty", "1024 pushes then 1024 pops", "li r1, 1024\nup: push r1\nsubi r1, r1, 1\njnz r1, up\nli r1, 1024\ndown: pop r0\nsubi r1, r1, 1\njnz r1, down\nhalt r0", &["push", "pop", "limit"])?;
        self.case(
            h,
            "pop_into_each_register",
            "pop writes the named register",
            "li r0, 9\npush r0\npush r0\npush r0\npop r1\npop r2\npop r3\nhalt r0",
            &["pop"],
        )
    }

    #[allow(clippy::type_complexity, reason = "a table of cases reads best as tuples")]
    fn memory(&mut self) -> Result<(), CaseError> {
        let h = "memory";
        let p = |s: &str| asm(s);
        let cases: Vec<(&str, &str, String, Vec<i64>, &[&str])> = vec![
            (
                "load_base_plus_offset",
                "load reads base + offset",
                "li r1, 2\nload r0, [r1 + 1]\nhalt r0".into(),
                vec![10, 11, 12, 13],
                &["load"],
            ),
            (
                "load_negative_offset",
                "a negative offset reaches lower cells",
                "li r1, 3\nload r0, [r1 - 3]\nhalt r0".into(),
                vec![10, 11, 12, 13],
                &["load"],
            ),
            (
                "load_wrapping_address",
                "base + offset wraps around 2^64",
                "li r1, -1\nload r0, [r1 + 2]\nhalt r0".into(),
                vec![7, 8],
                &["load"],
            ),
            (
                "load_last_cell",
                "the last cell is addressable",
                "load r0, [r0 + 7]\nhalt r0".into(),
                vec![0, 0, 0, 0, 0, 0, 0, -42],
                &["load"],
            ),
            (
                "store_then_load",
                "a stored value reads back",
                "li r1, -77\nstore [r0 + 3], r1\nload r2, [r0 + 3]\nhalt r2".into(),
                vec![0; 4],
                &["load", "store"],
            ),
            (
                "store_overwrites",
                "store replaces a nonzero cell",
                "li r1, 5\nstore [r0 + 1], r1\nhalt r1".into(),
                vec![1, 2, 3],
                &["store"],
            ),
            (
                "store_same_value",
                "storing a cell's own value is not a change",
                "li r1, 2\nstore [r0 + 1], r1\nhalt r1".into(),
                vec![1, 2, 3],
                &["store"],
            ),
            (
                "store_zero_over_value",
                "storing zero over a value is a change",
                "store [r0 + 2], r0\nhalt r0".into(),
                vec![1, 2, 3],
                &["store"],
            ),
            (
                "many_changes",
                "several cells change; changes are listed by address",
                "li r1, 9\nstore [r0 + 5], r1\nstore [r0 + 1], r1\nstore [r0 + 3], r1\nhalt r1".into(),
                vec![0; 8],
                &["store"],
            ),
            (
                "large_memory",
                "a memory of 65536 cells",
                "li r1, 65535\nli r2, 123\nstore [r1], r2\nload r0, [r1]\nhalt r0".into(),
                vec![0; 65536],
                &["load", "store", "limit"],
            ),
        ];
        for (name, description, source, memory, tags) in cases {
            let spec =
                VmSpec::new(h, name, description, &p(&source)?, self.provenance("vm/memory")).memory(memory).tags(tags);
            self.push(spec)?;
        }
        let walk = asm(include_str!("../../../impl/vm/programs/prefix_sum.asm"))?;
        let spec =
            VmSpec::new(h, "prefix_sum", "running sums in place over 16 cells", &walk, self.provenance("vm/memory"))
                .memory((0..16).map(|i| if i == 0 { 16 } else { i * 3 - 20 }).collect())
                .tags(&["load", "store", "program"]);
        self.push(spec)
    }

    #[allow(clippy::type_complexity, reason = "a table of cases reads best as tuples")]
    fn host(&mut self) -> Result<(), CaseError> {
        let h = "host";
        let prov = self.provenance("vm/host");
        let cases: Vec<(&str, &str, &str, Vec<HostAnswer>, u64, &[&str])> = vec![
            (
                "answer_goes_to_r0",
                "the host's value lands in r0",
                "li r0, 1\nli r1, 2\ncustom 7\nhalt r0",
                vec![ok(99, 0)],
                1000,
                &["custom"],
            ),
            (
                "host_sees_registers",
                "the host receives all four registers",
                "li r0, -1\nli r1, 2\nli r2, 3\nli r3, 4\ncustom 4294967295\nhalt r0",
                vec![ok(0, 0)],
                1000,
                &["custom"],
            ),
            (
                "host_gas_is_charged",
                "the host's charge comes on top of custom's 10",
                "custom 1\nhalt r0",
                vec![ok(5, 37)],
                1000,
                &["custom", "gas"],
            ),
            (
                "answers_in_call_order",
                "answers go to calls in order, whatever the id",
                "custom 3\nmov r1, r0\ncustom 3\nmov r2, r0\ncustom 9\nhalt r0",
                vec![ok(10, 1), ok(20, 2), ok(30, 3)],
                1000,
                &["custom"],
            ),
            (
                "host_error",
                "a host error traps with its code",
                "li r0, 5\ncustom 2\nhalt r0",
                vec![err(7)],
                1000,
                &["custom", "host_error"],
            ),
            (
                "host_error_code_zero",
                "host error code 0",
                "custom 2\nhalt r0",
                vec![err(0)],
                1000,
                &["custom", "host_error"],
            ),
            (
                "host_error_code_max",
                "host error code 2^64 - 1",
                "custom 2\nhalt r0",
                vec![err(u64::MAX)],
                1000,
                &["custom", "host_error"],
            ),
            (
                "script_exhausted",
                "a call after the last answer fails with code 2^64 - 1",
                "custom 1\ncustom 1\nhalt r0",
                vec![ok(1, 0)],
                1000,
                &["custom", "host_error"],
            ),
            (
                "no_script",
                "with no answers the first call fails",
                "custom 0\nhalt r0",
                vec![],
                1000,
                &["custom", "host_error"],
            ),
            (
                "host_charge_out_of_gas",
                "the host's charge can exhaust gas; r0 is not written",
                "li r0, 3\ncustom 1\nhalt r0",
                vec![ok(5, 100)],
                60,
                &["custom", "out_of_gas"],
            ),
            (
                "host_charge_exactly_fits",
                "a host charge that leaves exactly enough",
                "custom 1\nhalt r0",
                vec![ok(5, 89)],
                100,
                &["custom", "gas"],
            ),
            (
                "base_cost_out_of_gas",
                "without 10 gas the host is not asked",
                "custom 1\nhalt r0",
                vec![ok(5, 0)],
                9,
                &["custom", "out_of_gas"],
            ),
            (
                "host_in_a_loop",
                "a host asked in a loop",
                "li r1, 3\nloop: custom 8\nadd r2, r2, r0\nsubi r1, r1, 1\njnz r1, loop\nhalt r2",
                vec![ok(1, 1), ok(2, 1), ok(4, 1)],
                1000,
                &["custom"],
            ),
        ];
        for (name, description, source, answers, gas, tags) in cases {
            self.push(
                VmSpec::new(h, name, description, &asm(source)?, prov.clone()).host(answers).gas(gas).tags(tags),
            )?;
        }
        Ok(())
    }

    fn traps(&mut self) -> Result<(), CaseError> {
        let h = "traps";
        for op in ["div", "rem", "divu", "remu"] {
            self.case(
                h,
                &format!("{op}_by_zero"),
                &format!("{op} by a zero register"),
                &format!("li r1, 9\n{op} r0, r1, r2\nhalt r0"),
                &[op, "division_by_zero"],
            )?;
            self.case(
                h,
                &format!("{op}i_by_zero"),
                &format!("{op}i by zero"),
                &format!("li r1, 9\n{op}i r0, r1, 0\nhalt r0"),
                &[op, "division_by_zero"],
            )?;
        }
        self.case(
            h,
            "push_overflow",
            "the 1025th push overflows",
            "loop: push r0\njmp loop",
            &["push", "stack_overflow"],
        )?;
        self.case(
            h,
            "call_overflow",
            "unbounded recursion overflows on call",
            "f: call f",
            &["call", "stack_overflow"],
        )?;
        self.case(
            h,
            "pop_underflow",
            "pop on an empty stack",
            "li r0, 3\npop r0\nhalt r0",
            &["pop", "stack_underflow"],
        )?;
        self.case(h, "ret_underflow", "ret on an empty stack", "ret", &["ret", "stack_underflow"])?;
        self.case(
            h,
            "pop_after_balanced",
            "a pop beyond what was pushed",
            "push r1\npop r1\npop r1",
            &["pop", "stack_underflow"],
        )?;
        self.case(h, "fall_off_the_end", "running past the last instruction", "nop", &["ip_out_of_bounds"])?;
        self.case(
            h,
            "empty_program",
            "a program with no instructions traps at once",
            "; nothing",
            &["ip_out_of_bounds"],
        )?;
        self.case(h, "jmp_out", "jmp beyond the program", "jmp 100", &["jmp", "ip_out_of_bounds"])?;
        self.case(h, "jmp_to_max_target", "jmp to 2^32 - 1", "jmp 4294967295", &["jmp", "ip_out_of_bounds"])?;
        self.case(
            h,
            "jnz_out",
            "a taken jnz beyond the program",
            "li r1, 1\njnz r1, 50",
            &["jnz", "ip_out_of_bounds"],
        )?;
        self.case(
            h,
            "blt_out",
            "a taken branch beyond the program",
            "li r1, -1\nblt r1, r0, 3",
            &["blt", "ip_out_of_bounds"],
        )?;
        self.case(
            h,
            "call_out",
            "call beyond the program pushes, then traps",
            "call 7",
            &["call", "ip_out_of_bounds"],
        )?;
        self.case(
            h,
            "ret_to_negative",
            "ret to -1 reads it as 2^64 - 1",
            "li r0, -1\npush r0\nret",
            &["ret", "ip_out_of_bounds"],
        )?;
        self.case(
            h,
            "ret_to_len",
            "ret to exactly the program length",
            "li r0, 3\npush r0\nret",
            &["ret", "ip_out_of_bounds"],
        )?;
        let mem: Vec<(&str, &str, &str, Vec<i64>)> = vec![
            ("load_at_size", "load at the memory size", "load r0, [r0 + 4]\nhalt r0", vec![1, 2, 3, 4]),
            ("store_at_size", "store at the memory size", "li r1, 9\nstore [r0 + 4], r1\nhalt r1", vec![1, 2, 3, 4]),
            ("load_no_memory", "load with no memory at all", "load r0, [r0]\nhalt r0", vec![]),
            ("load_negative_address", "an address of -1 is 2^64 - 1", "li r1, -1\nload r0, [r1]\nhalt r0", vec![0; 4]),
            (
                "store_wrapped_far",
                "a wrapped address far beyond the memory",
                "li r1, 9223372036854775807\nstore [r1 + 9223372036854775807], r1\nhalt r1",
                vec![0; 4],
            ),
        ];
        for (name, description, source, memory) in mem {
            let spec = VmSpec::new(h, name, description, &asm(source)?, self.provenance("vm/traps"))
                .memory(memory)
                .tags(&["memory_out_of_bounds"]);
            self.push(spec)?;
        }
        self.case(
            h,
            "invalid",
            "the invalid instruction",
            "li r0, 1\ninvalid\nhalt r0",
            &["invalid", "invalid_instruction"],
        )?;
        self.case(h, "revert", "revert ends the run with a value", "li r2, -3\nrevert r2", &["revert"])?;
        self.case(
            h,
            "trap_keeps_state",
            "a trap leaves registers, stack and memory as they were",
            "li r1, 5\npush r1\nstore [r0], r1\nli r2, 0\ndiv r3, r1, r2",
            &["division_by_zero", "atomic"],
        )?;
        let spec = VmSpec::new(
            h,
            "trap_keeps_memory",
            "a trapping store writes nothing",
            &asm("li r1, 5\nstore [r0], r1\nstore [r1], r1")?,
            self.provenance("vm/traps"),
        )
        .memory(vec![0])
        .tags(&["memory_out_of_bounds", "atomic"]);
        self.push(spec)
    }

    fn gas(&mut self) -> Result<(), CaseError> {
        // (name, program, memory, host answers): each is run at every gas limit from 0 to one
        // above what it needs, so every step's boundary is covered on both sides.
        let programs: Vec<(&str, &str, Vec<i64>, Vec<HostAnswer>)> = vec![
            (
                "mixed",
                "li r1, 3\npush r1\nmul r2, r1, r1\ncall f\ncustom 1\nhalt r2\nf: div r3, r2, r1\nret",
                vec![],
                vec![ok(5, 7)],
            ),
            ("loop", "li r0, 3\nloop: subi r0, r0, 1\nstore [r0], r0\nbne r0, r3, loop\nhalt r0", vec![0; 4], vec![]),
            ("trap_mid_block", "li r1, 0\nnop\nnop\ndiv r0, r0, r1\nnop\nhalt r0", vec![], vec![]),
        ];
        for (name, source, memory, answers) in programs {
            let program = asm(source)?;
            let probe = VmSpec::new("gas", name, "", &program, self.provenance("vm/gas"))
                .memory(memory.clone())
                .host(answers.clone())
                .gas(u64::MAX);
            let needed = crate::reference::run_config(&probe.config(), [crate::case::vm::VmInput::Run], false)
                .ok()
                .and_then(|result| result.post.gas_used)
                .map(|gas| gas.0)
                .ok_or_else(|| CaseError::Invalid(format!("gas program `{name}` does not run")))?;
            for limit in 0..=needed + 1 {
                let spec = VmSpec::new(
                    "gas",
                    &format!("{name}_limit_{limit:03}"),
                    &format!("the `{name}` program (needs {needed} gas) with a limit of {limit}"),
                    &program,
                    self.provenance("vm/gas"),
                )
                .memory(memory.clone())
                .host(answers.clone())
                .gas(limit)
                .tags(&["gas", "out_of_gas"]);
                self.push(spec)?;
            }
        }
        Ok(())
    }

    fn decode(&mut self) -> Result<(), CaseError> {
        let header = |count: u32| {
            let mut b = b"ORVM\x01".to_vec();
            b.extend_from_slice(&count.to_le_bytes());
            b
        };
        let with = |count: u32, body: &[u8]| {
            let mut b = header(count);
            b.extend_from_slice(body);
            b
        };
        let mut cases: Vec<(String, String, Vec<u8>)> = [
            ("empty_input", "no bytes at all", vec![]),
            ("short_magic", "fewer than four bytes", b"ORV".to_vec()),
            ("wrong_magic", "an ELF header is not bytecode", b"\x7fELF\x02\x01\x01\x00\x00".to_vec()),
            ("lowercase_magic", "the magic is case-sensitive", b"orvm\x01\x00\x00\x00\x00".to_vec()),
            ("version_0", "version 0", b"ORVM\x00\x00\x00\x00\x00".to_vec()),
            ("version_2", "version 2", b"ORVM\x02\x00\x00\x00\x00".to_vec()),
            ("no_version", "the input ends after the magic", b"ORVM".to_vec()),
            ("short_count", "the count has two of its four bytes", b"ORVM\x01\x01\x00".to_vec()),
            ("too_many", "a count above 2^20", header((1 << 20) + 1)),
            ("count_max", "a count of 2^32 - 1", header(u32::MAX)),
            ("count_exceeds_bytes", "a count larger than the bytes that follow", with(3, &[0x01, 0x01])),
            ("truncated_li", "li cut inside its immediate", with(1, &[0x04, 0x01, 0xff, 0xff])),
            ("truncated_jmp", "jmp cut inside its target", with(1, &[0x0a, 0x01, 0x00])),
            ("truncated_branch", "beq cut after its registers", with(1, &[0x12, 0x00, 0x01])),
            ("truncated_register", "halt without its register", with(1, &[0x02])),
            (
                "bad_register_then_end",
                "li with register byte 7, then the end: the first bad field wins",
                with(1, &[0x04, 0x07]),
            ),
            (
                "bad_version_then_end",
                "version 2 and a short count: the version is read first",
                b"ORVM\x02\x01".to_vec(),
            ),
            (
                "bad_opcode_then_end",
                "an invalid opcode as the last byte of a longer declared program",
                with(2, &[0x01, 0x99]),
            ),
            ("invalid_register_4", "register byte 4", with(1, &[0x02, 0x04])),
            ("invalid_register_255", "register byte 255 in a binop", with(1, &[0x20, 0x00, 0x01, 0xff])),
            (
                "invalid_register_second",
                "an invalid register in the second instruction",
                with(2, &[0x01, 0x05, 0x00, 0x09]),
            ),
            ("trailing_byte", "one byte after the last instruction", with(1, &[0x01, 0x01])),
            ("trailing_instruction", "a whole instruction beyond the count", with(1, &[0x02, 0x00, 0x02, 0x00])),
        ]
        .into_iter()
        .map(|(name, description, bytes)| (name.to_owned(), description.to_owned(), bytes))
        .collect();
        for opcode in [0x18u8, 0x1f, 0x33, 0x3f, 0x53, 0x80, 0xff] {
            let description = format!("opcode byte 0x{opcode:02x} names no instruction");
            cases.push((format!("invalid_opcode_{opcode:02x}"), description, with(1, &[opcode])));
        }
        for (name, description, bytes) in cases {
            self.push(self.raw_bytecode(&name, &description, bytes).tags(&["decode"]))?;
        }
        // Valid edge encodings run normally.
        let zeros = self.raw_bytecode(
            "zero_opcode_is_invalid_instruction",
            "a zero byte decodes as `invalid` and traps when run",
            with(1, &[0x00]),
        );
        self.push(zeros.tags(&["decode", "invalid_instruction"]))?;
        let header_only = self.raw_bytecode("header_only", "a header with count 0 is the empty program", header(0));
        self.push(header_only.tags(&["decode", "ip_out_of_bounds"]))
    }

    /// A `decode` case running exactly `bytes`, valid or not.
    fn raw_bytecode(&self, name: &str, description: &str, bytes: Vec<u8>) -> VmSpec {
        VmSpec::from_bytecode("decode", name, description, bytes, self.provenance("vm/decode"))
    }

    fn programs(&mut self) -> Result<(), CaseError> {
        let h = "programs";
        let prov = self.provenance("vm/programs");
        let fib = asm(include_str!("../../../impl/vm/programs/fib.asm"))?;
        for n in [0, 1, 2, 5, 10, 15] {
            self.push(
                VmSpec::new(h, &format!("fib_{n}"), &format!("recursive fib({n})"), &fib, prov.clone())
                    .memory(vec![n])
                    .tags(&["call", "program", "recursion"]),
            )?;
        }
        let count = asm(include_str!("../../../impl/vm/programs/count.asm"))?;
        self.push(
            VmSpec::new(h, "count_1000", "a counted loop of 1000 iterations", &count, prov.clone())
                .memory(vec![1000])
                .tags(&["loop", "program"]),
        )?;
        self.push(
            VmSpec::new(h, "count_from_zero", "counting down from 0 wraps and runs out of gas", &count, prov.clone())
                .memory(vec![0])
                .gas(5_000)
                .tags(&["loop", "out_of_gas", "program"]),
        )?;
        let others: Vec<(&str, &str, &str, Vec<i64>)> = vec![
            (
                "gcd",
                "Euclid's gcd of memory[0] and memory[1]",
                "load r1, [r0]\nload r2, [r0 + 1]\nloop: beq r2, r0, done\nremu r3, r1, r2\nmov r1, r2\nmov r2, r3\njmp loop\ndone: halt r1",
                vec![1071, 462],
            ),
            (
                "factorial_20",
                "20! fits in 64 bits",
                "li r1, 20\nli r0, 1\nloop: mul r0, r0, r1\nsubi r1, r1, 1\njnz r1, loop\nhalt r0",
                vec![],
            ),
            (
                "factorial_21_wraps",
                "21! wraps around",
                "li r1, 21\nli r0, 1\nloop: mul r0, r0, r1\nsubi r1, r1, 1\njnz r1, loop\nhalt r0",
                vec![],
            ),
            (
                "collatz_27",
                "Collatz steps from 27",
                "li r1, 27\nli r3, 1\nloop: beq r1, r3, done\naddi r0, r0, 1\nandi r2, r1, 1\njnz r2, odd\nshri r1, r1, 1\njmp loop\nodd: muli r1, r1, 3\naddi r1, r1, 1\njmp loop\ndone: halt r0",
                vec![],
            ),
            (
                "bubble_sort",
                "bubble sort of memory[1..=8] in place",
                "li r3, 8\nouter: li r0, 1\ninner: load r1, [r0]\nload r2, [r0 + 1]\nbge r2, r1, next\nstore [r0], r2\nstore [r0 + 1], r1\nnext: addi r0, r0, 1\nblt r0, r3, inner\nsubi r3, r3, 1\nli r1, 1\nblt r1, r3, outer\nhalt r3",
                vec![0, 5, -3, 9, 0, 12, -7, 4, 1, 0],
            ),
            (
                "sum_of_squares",
                "sum of i*i for i in 1..=100",
                "li r1, 100\nloop: mul r2, r1, r1\nadd r0, r0, r2\nsubi r1, r1, 1\njnz r1, loop\nhalt r0",
                vec![],
            ),
            (
                "popcount",
                "bits set in 0xdeadbeefcafebabe",
                "li r1, 0xdeadbeefcafebabe\nloop: jz r1, done\nandi r2, r1, 1\nadd r0, r0, r2\nshri r1, r1, 1\njmp loop\ndone: halt r0",
                vec![],
            ),
            (
                "memcpy",
                "copy 6 cells from memory[0..6] to memory[8..14]",
                "li r3, 6\nloop: load r1, [r0]\nstore [r0 + 8], r1\naddi r0, r0, 1\nblt r0, r3, loop\nhalt r0",
                vec![3, 1, 4, 1, 5, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            ),
        ];
        for (name, description, source, memory) in others {
            self.push(
                VmSpec::new(h, name, description, &asm(source)?, prov.clone()).memory(memory).tags(&["program"]),
            )?;
        }
        Ok(())
    }

    fn random(&mut self) -> Result<(), CaseError> {
        for i in 0..120u32 {
            let name = format!("random_{i:03}");
            let seed = case_seed(self.seed, &format!("vm/random/{name}"));
            let (program, memory, answers) = random_program(seed)?;
            let spec = VmSpec::new(
                "random",
                &name,
                "a seeded random program whose jumps only go forward, so it terminates",
                &program,
                Provenance::generated("vm/random", seed),
            )
            .memory(memory)
            .host(answers)
            .gas(10_000)
            .tags(&["random"]);
            self.push(spec)?;
        }
        Ok(())
    }
}

/// A random program of 9 to 49 instructions whose jumps and branches only go forward
/// (so it always ends), ending in `halt` or `revert`; with a small memory and host script.
pub(crate) fn random_program(seed: u64) -> Result<(Program, Vec<i64>, Vec<HostAnswer>), CaseError> {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let mut below = |n: u64| r.next_u64() % n;
    let len = 8 + below(41) as usize;
    let memory_size = below(17) as usize;
    let regs = ["r0", "r1", "r2", "r3"];
    let imms = [0i64, 1, -1, 2, 3, 7, 63, 64, MIN, MAX, 1000, -1000];
    let mut lines = Vec::with_capacity(len + 1);
    for at in 0..len {
        let reg = |x: u64| regs[(x % 4) as usize];
        let (a, b, c) = (reg(below(4)), reg(below(4)), reg(below(4)));
        let imm = if below(3) == 0 { below(u64::MAX) as i64 } else { imms[below(imms.len() as u64) as usize] };
        let forward = at as u64 + 1 + below((len - at) as u64);
        let line = match below(20) {
            0..=5 => {
                let op = BinOp::ALL[below(19) as usize];
                format!("{} {a}, {b}, {c}", op.mnemonic())
            }
            6..=9 => {
                let op = BinOp::ALL[below(19) as usize];
                format!("{}i {a}, {b}, {imm}", op.mnemonic())
            }
            10 => format!("li {a}, {imm}"),
            11 => format!("mov {a}, {b}"),
            12 => format!("push {a}"),
            13 => format!("pop {a}"),
            14 => format!("load {a}, [{b} + {}]", below(4)),
            15 => format!("store [{b} + {}], {a}", below(4)),
            16 => format!("jnz {a}, {forward}"),
            17 => format!("{} {a}, {b}, {forward}", Cond::ALL[below(6) as usize].mnemonic()),
            18 => format!("custom {}", below(4)),
            _ => ["not", "neg"].get(below(2) as usize).map_or(String::new(), |m| format!("{m} {a}, {b}")),
        };
        lines.push(line);
    }
    lines.push(if below(4) == 0 { format!("revert r{}", below(4)) } else { format!("halt r{}", below(4)) });
    let memory = (0..memory_size).map(|_| if below(2) == 0 { 0 } else { below(200) as i64 - 100 }).collect();
    let answers = (0..below(5))
        .map(|_| if below(5) == 0 { err(below(3)) } else { ok(below(2000) as i64 - 1000, below(20)) })
        .collect();
    Ok((asm(&lines.join("\n"))?, memory, answers))
}
