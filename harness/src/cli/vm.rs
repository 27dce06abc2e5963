//! `orsma vm`: run, assemble, disassemble and hash VM programs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use std::io::Write;

use vm::{Machine, NoHost, Outcome, Program, TraceStep, Tracer};

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

/// A program, its initial memory and its gas limit: what `orsma vm run` and `orsma refute` run.
#[derive(Debug, Args)]
pub(crate) struct MachineArgs {
    /// The program, as assembly or bytecode.
    pub(crate) program: PathBuf,
    /// Initial memory cells, comma-separated (e.g. --memory 20,0,-3).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    memory: Vec<i64>,
    /// Memory size in cells; the cells after those given by --memory start at zero.
    /// Defaults to the number of cells given.
    #[arg(long)]
    memory_size: Option<usize>,
    /// The gas limit.
    #[arg(long, default_value_t = 100_000_000)]
    pub(crate) gas: u64,
}

impl MachineArgs {
    /// The initial memory: the cells given, padded with zeros to --memory-size.
    pub(crate) fn initial_memory(&self) -> anyhow::Result<Vec<i64>> {
        let mut memory = self.memory.clone();
        if let Some(size) = self.memory_size {
            if size < memory.len() {
                bail!("--memory gives {} cells but --memory-size is {size}", memory.len());
            }
            if size > vm::MAX_MEMORY_CELLS {
                bail!("--memory-size {size} exceeds the VM's limit of {} cells", vm::MAX_MEMORY_CELLS);
            }
            memory.resize(size, 0);
        }
        Ok(memory)
    }
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    machine: MachineArgs,
    /// Print every step as it runs: ip, instruction, registers, stack depth and gas left
    /// (with --json, one JSON object per step, each on its own line, before the result).
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
                None => outln!("0x{}", hex::encode(&bytes)),
            }
            Ok(ExitCode::SUCCESS)
        }
        VmCommand::Disasm { program } => {
            out!("{}", load(&program)?.disassemble());
            Ok(ExitCode::SUCCESS)
        }
        VmCommand::Hash { program } => {
            outln!("{}", load(&program)?.hash());
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
    let program = load(&args.machine.program)?;
    let memory = args.machine.initial_memory()?;
    let initial = memory.clone();
    let mut machine = Machine::new(memory, args.machine.gas)?;
    if args.trace {
        // Steps are printed as they happen, so a long run needs no memory for its trace.
        let stdout = std::io::stdout();
        let mut printer = StepPrinter { out: std::io::BufWriter::new(stdout.lock()), json: args.json };
        machine.run_traced(&program, &mut NoHost, &mut printer);
        super::quiet_on_broken_pipe(printer.out.flush());
    } else {
        machine.run(&program, &mut NoHost);
    }
    let changes: Vec<(usize, i64)> = crate::reference::memory_changes(&initial, &machine.memory).collect();

    if args.json {
        let out = json!({
            "program_hash": program.hash().to_string(),
            "outcome": outcome_json(machine.outcome),
            "regs": machine.regs,
            "ip": machine.ip,
            "stack": machine.stack,
            "memory_changes": changes.iter().map(|(a, v)| json!([a, v])).collect::<Vec<_>>(),
            "gas_used": machine.gas_used(),
            "steps": machine.steps,
        });
        outln!("{out}");
    } else {
        outln!(
            "program   {} ({} instructions, hash {})",
            args.machine.program.display(),
            program.len(),
            program.hash()
        );
        outln!("outcome   {}", describe(machine.outcome));
        outln!("gas       {} used of {}", machine.gas_used(), machine.gas_limit);
        outln!("steps     {}", machine.steps);
        outln!("ip        {}", machine.ip);
        let [r0, r1, r2, r3] = machine.regs;
        outln!("registers r0={r0} r1={r1} r2={r2} r3={r3}");
        outln!("stack     {:?} (bottom first)", machine.stack);
        let shown: Vec<String> = changes.iter().take(16).map(|(a, v)| format!("[{a}]={v}")).collect();
        let more = if changes.len() > 16 { format!(" and {} more", changes.len() - 16) } else { String::new() };
        outln!("memory    {} cells, {} changed {}{more}", machine.memory.len(), changes.len(), shown.join(" "));
    }
    Ok(match machine.outcome {
        Some(Outcome::Halted { .. }) => ExitCode::SUCCESS,
        Some(Outcome::Reverted { .. }) => ExitCode::from(EXIT_REVERTED),
        Some(Outcome::Trapped { .. }) | None => ExitCode::from(EXIT_TRAPPED),
    })
}

/// Prints each step as it happens: a text line, or one JSON object per line.
struct StepPrinter<W: Write> {
    out: W,
    json: bool,
}

impl<W: Write> Tracer for StepPrinter<W> {
    fn on_step(&mut self, s: &TraceStep) {
        let instr = s.instr.map(|i| i.to_string());
        let written = if self.json {
            let step = json!({
                "step": s.step, "ip": s.ip, "instr": instr,
                "regs": s.regs, "stack_depth": s.stack_depth, "gas_remaining": s.gas_remaining,
            });
            writeln!(self.out, "{step}")
        } else {
            let [r0, r1, r2, r3] = s.regs;
            let instr = instr.unwrap_or_else(|| "<outside the program>".to_owned());
            writeln!(
                self.out,
                "step {:>6}  ip {:>4}  {instr:<26} r0={r0} r1={r1} r2={r2} r3={r3}  stack={} gas={}",
                s.step, s.ip, s.stack_depth, s.gas_remaining
            )
        };
        super::quiet_on_broken_pipe(written);
    }
}

pub(crate) fn describe(outcome: Option<Outcome>) -> String {
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
