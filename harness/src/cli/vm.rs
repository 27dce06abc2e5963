//! `orsma vm`: run, assemble, disassemble and hash VM programs.

#![allow(clippy::print_stdout, reason = "a command-line tool reports on stdout")]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use vm::{Machine, NoHost, Outcome, Program, TraceStep};

/// Exit status of `orsma vm run` when the program reverted.
const EXIT_REVERTED: u8 = 3;
/// Exit status of `orsma vm run` when the program trapped.
const EXIT_TRAPPED: u8 = 4;

#[derive(Debug, Subcommand)]
pub(crate) enum VmCommand {
    /// Run a program and print how it ended, its registers, stack, memory changes and gas.
    ///
    /// PROGRAM is assembly text (see docs/spec/vm.md §8) or bytecode (a file starting with
    /// "ORVM"). Exit status: 0 halted, 3 reverted, 4 trapped, 2 bad input.
    ///
    /// Example: orsma vm run impl/vm/programs/fib.asm --memory 20
    Run(RunArgs),
    /// Assemble a program into bytecode.
    ///
    /// Writes the bytecode to --out, or prints it as hex when --out is not given.
    Asm {
        /// The assembly source file.
        program: PathBuf,
        /// Where to write the bytecode.
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
    /// Disassemble bytecode (or normalise assembly) into canonical assembly text.
    Disasm {
        /// The bytecode file, or an assembly file.
        program: PathBuf,
    },
    /// Print a program's hash: Keccak-256 of its bytecode.
    Hash {
        /// The program, as assembly or bytecode.
        program: PathBuf,
    },
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The program, as assembly or bytecode.
    program: PathBuf,
    /// Initial memory cells, comma-separated (e.g. --memory 20,0,-3).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    memory: Vec<i64>,
    /// Memory size in cells; the cells after those given by --memory start at zero.
    /// Defaults to the number of cells given.
    #[arg(long)]
    memory_size: Option<usize>,
    /// The gas limit.
    #[arg(long, default_value_t = 100_000_000)]
    gas: u64,
    /// Print every step: ip, instruction, registers, stack depth and gas left.
    #[arg(long)]
    trace: bool,
    /// Print the result as one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(command: VmCommand) -> anyhow::Result<ExitCode> {
    match command {
        VmCommand::Run(args) => run_program(&args),
        VmCommand::Asm { program, out } => {
            let bytes = load(&program)?.encode();
            match out {
                Some(path) => {
                    std::fs::write(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?
                }
                None => println!("0x{}", hex(&bytes)),
            }
            Ok(ExitCode::SUCCESS)
        }
        VmCommand::Disasm { program } => {
            print!("{}", load(&program)?.disassemble());
            Ok(ExitCode::SUCCESS)
        }
        VmCommand::Hash { program } => {
            println!("{}", load(&program)?.hash());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reads a program from a file holding either bytecode or assembly text.
pub(crate) fn load(path: &Path) -> anyhow::Result<Program> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.starts_with(&vm::bytecode::MAGIC) {
        return Program::decode(&bytes).with_context(|| format!("{} is not valid bytecode", path.display()));
    }
    let Ok(text) = std::str::from_utf8(&bytes) else {
        bail!("{} is neither bytecode (it does not start with \"ORVM\") nor UTF-8 assembly text", path.display());
    };
    Program::assemble(text).with_context(|| format!("{} does not assemble", path.display()))
}

fn run_program(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let program = load(&args.program)?;
    let mut memory = args.memory.clone();
    if let Some(size) = args.memory_size {
        if size < memory.len() {
            bail!("--memory gives {} cells but --memory-size is {size}", memory.len());
        }
        memory.resize(size, 0);
    }
    let initial = memory.clone();
    let mut machine = Machine::new(memory, args.gas)?;
    let mut trace: Vec<TraceStep> = Vec::new();
    if args.trace {
        machine.run_traced(&program, &mut NoHost, &mut trace);
    } else {
        machine.run(&program, &mut NoHost);
    }
    let changes: Vec<(usize, i64)> = machine
        .memory
        .iter()
        .zip(&initial)
        .enumerate()
        .filter(|(_, (now, before))| now != before)
        .map(|(address, (now, _))| (address, *now))
        .collect();

    if args.json {
        let outcome = outcome_json(machine.outcome);
        let trace_json: Vec<_> = trace
            .iter()
            .map(|s| {
                json!({
                    "step": s.step, "ip": s.ip, "instr": s.instr.map(|i| i.to_string()),
                    "regs": s.regs, "stack_depth": s.stack_depth, "gas_remaining": s.gas_remaining,
                })
            })
            .collect();
        let mut out = json!({
            "program_hash": program.hash().to_string(),
            "outcome": outcome,
            "regs": machine.regs,
            "ip": machine.ip,
            "stack": machine.stack,
            "memory_changes": changes.iter().map(|(a, v)| json!([a, v])).collect::<Vec<_>>(),
            "gas_used": machine.gas_used(),
            "steps": machine.steps,
        });
        if args.trace {
            out["trace"] = json!(trace_json);
        }
        println!("{out}");
    } else {
        for s in &trace {
            let instr = s.instr.map_or_else(|| "<outside the program>".to_owned(), |i| i.to_string());
            println!(
                "step {:>6}  ip {:>4}  {:<26} r0={} r1={} r2={} r3={}  stack={} gas={}",
                s.step, s.ip, instr, s.regs[0], s.regs[1], s.regs[2], s.regs[3], s.stack_depth, s.gas_remaining
            );
        }
        println!("program   {} ({} instructions, hash {})", args.program.display(), program.len(), program.hash());
        println!("outcome   {}", describe(machine.outcome));
        println!("gas       {} used of {}", machine.gas_used(), machine.gas_limit);
        println!("steps     {}", machine.steps);
        println!("ip        {}", machine.ip);
        let [r0, r1, r2, r3] = machine.regs;
        println!("registers r0={r0} r1={r1} r2={r2} r3={r3}");
        println!("stack     {:?} (bottom first)", machine.stack);
        let shown: Vec<String> = changes.iter().take(16).map(|(a, v)| format!("[{a}]={v}")).collect();
        let more = if changes.len() > 16 { format!(" and {} more", changes.len() - 16) } else { String::new() };
        println!("memory    {} cells, {} changed {}{more}", machine.memory.len(), changes.len(), shown.join(" "));
    }
    Ok(match machine.outcome {
        Some(Outcome::Halted { .. }) => ExitCode::SUCCESS,
        Some(Outcome::Reverted { .. }) => ExitCode::from(EXIT_REVERTED),
        Some(Outcome::Trapped { .. }) | None => ExitCode::from(EXIT_TRAPPED),
    })
}

fn describe(outcome: Option<Outcome>) -> String {
    match outcome {
        Some(Outcome::Halted { value }) => format!("halted with {value}"),
        Some(Outcome::Reverted { value }) => format!("reverted with {value}"),
        Some(Outcome::Trapped { trap }) => format!("trapped: {trap}"),
        None => "still running".to_owned(),
    }
}

fn outcome_json(outcome: Option<Outcome>) -> serde_json::Value {
    match outcome {
        Some(Outcome::Halted { value }) => json!({"status": "halted", "value": value}),
        Some(Outcome::Reverted { value }) => json!({"status": "reverted", "value": value}),
        Some(Outcome::Trapped { trap }) => match trap {
            vm::Trap::HostError { code } => json!({"status": "trapped", "trap": trap.code(), "host_code": code}),
            _ => json!({"status": "trapped", "trap": trap.code()}),
        },
        None => json!({"status": "running"}),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
