//! `orsma refute`: state commitments, one-step proofs and the dissection game on the command
//! line (`docs/spec/refutation.md`).

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use primitives::Hash32;
use rollup::dispute::player::{ChoosesBlindly, Honest, LiesFrom, Pick, Player, Silent, Trace, play};
use rollup::dispute::{Game, GameConfig, Input, Output, Party, Reason, Verdict};
use rollup::vm_dispute::{VmTrace, VmVerifier, replay};
use serde_json::json;

use crate::case::refute::StateSpec;
use vm::proof::{Setup, Snapshot, StateHeader, StepProof, verify_header_step, verify_step};
use vm::{HostError, HostReturn, Instr};

/// Exit status when a proof is rejected, or the defender loses a dispute.
const EXIT_REJECTED: u8 = 1;

#[derive(Debug, Subcommand)]
pub(crate) enum RefuteCommand {
    /// Print the state commitment, and the header fields it hashes, after N steps.
    ///
    /// Example: orsma refute commit impl/vm/programs/fib.asm --memory-size 20 --at 0,10,100
    Commit {
        #[command(flatten)]
        machine: SetupArgs,
        /// Step counts, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        at: Vec<u64>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Build the one-step proof of step N (the step from the state after N steps).
    ///
    /// Writes the proof's canonical bytes to --out, or prints them as hex. Prints the pre- and
    /// post-state commitments, the instruction and what the step changes.
    ///
    /// Example: orsma refute prove impl/vm/programs/fib.asm --memory-size 20 --at 57 --out step57.proof
    Prove {
        #[command(flatten)]
        machine: SetupArgs,
        /// The step to prove.
        #[arg(long)]
        at: u64,
        /// Where to write the proof.
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
    /// Check a one-step proof against a pre-state commitment, statelessly.
    ///
    /// PROOF is a file holding the proof's bytes, or its hex (0x…). Prints the post-state
    /// commitment, or the rejection and its code (docs/spec/refutation.md RF-4.4), with exit
    /// status 1.
    ///
    /// Example: orsma refute verify --pre 0x22c7…a497 step57.proof
    Verify {
        /// The agreed pre-state commitment.
        #[arg(long)]
        pre: Hash32,
        /// The proof file.
        proof: PathBuf,
    },
    /// Play the dissection game over a program's run and report the verdict, the disputed
    /// step, rounds and bytes, next to whole-transition replay.
    ///
    /// Each party computes its trace from checkpoints; --defender and --challenger choose how
    /// each behaves. Exit status 1 when the defender loses.
    ///
    /// Example: orsma refute dispute impl/vm/programs/count.asm --defender lies-from:1000 --degree 2
    Dispute(DisputeArgs),
}

/// The machine a command works on: program, memory, gas and host answers.
#[derive(Debug, Args)]
pub(crate) struct SetupArgs {
    #[command(flatten)]
    machine: super::vm::MachineArgs,
    /// The host's answers to `custom`, in call order, comma-separated: ok:VALUE:GAS or
    /// error:CODE (docs/spec/vm.md VM-7.2).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    host: Vec<String>,
}

impl SetupArgs {
    fn load(&self) -> anyhow::Result<(Arc<Setup>, Snapshot)> {
        let program = super::vm::load(&self.machine.program)?;
        let memory = self.machine.initial_memory()?;
        let answers = self.host.iter().map(|a| parse_answer(a)).collect::<anyhow::Result<Vec<_>>>()?;
        let snapshot = Snapshot::start(memory, self.machine.gas)?;
        Ok((Arc::new(Setup::new(program, &answers)), snapshot))
    }
}

fn parse_answer(text: &str) -> anyhow::Result<Result<HostReturn, HostError>> {
    let parts: Vec<&str> = text.split(':').collect();
    let bad = || format!("host answer `{text}` must be ok:VALUE:GAS or error:CODE");
    match parts.as_slice() {
        ["ok", value, gas] => {
            Ok(Ok(HostReturn { value: value.parse().with_context(bad)?, gas: gas.parse().with_context(bad)? }))
        }
        ["error", code] => Ok(Err(HostError { code: code.parse().with_context(bad)? })),
        _ => bail!(bad()),
    }
}

#[derive(Debug, Args)]
pub(crate) struct DisputeArgs {
    #[command(flatten)]
    machine: SetupArgs,
    /// The number of steps N the claim is about. Defaults to the run's length (it must end
    /// within 10^10 steps).
    #[arg(long)]
    steps: Option<u64>,
    /// The dissection degree k: commitments per move + 1 (2 is bisection).
    #[arg(long, default_value_t = 2)]
    degree: u32,
    /// The defender: honest, lies-from:J (wrong from step J on), or silent.
    #[arg(long, default_value = "honest")]
    defender: String,
    /// The challenger: honest, blind:first, blind:last, blind:SEED, or silent.
    #[arg(long, default_value = "honest")]
    challenger: String,
    /// Each party keeps a snapshot every this many steps.
    #[arg(long, default_value_t = 1 << 20)]
    interval: u64,
    /// Print every move.
    #[arg(long)]
    transcript: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(command: RefuteCommand) -> anyhow::Result<ExitCode> {
    match command {
        RefuteCommand::Commit { machine, at, json } => commit(&machine, &at, json),
        RefuteCommand::Prove { machine, at, out } => prove(&machine, at, out),
        RefuteCommand::Verify { pre, proof } => verify(&pre, &proof),
        RefuteCommand::Dispute(args) => dispute(&args),
    }
}

fn commit(machine: &SetupArgs, at: &[u64], as_json: bool) -> anyhow::Result<ExitCode> {
    let (setup, start) = machine.load()?;
    let mut trace = VmTrace::new(setup.clone(), start, 1 << 20);
    for &n in at {
        let header = trace.snapshot(n).header(&setup);
        let fields = header_fields(&header);
        if as_json {
            outln!("{}", json!({"at": n, "commitment": header.commitment().to_string(), "header": fields}));
        } else {
            outln!("after {n} steps: {}", header.commitment());
            for (name, value) in &fields {
                let value = match value {
                    serde_json::Value::Array(items) => {
                        items.iter().map(|v| v.as_str().unwrap_or_default()).collect::<Vec<_>>().join(", ")
                    }
                    other => other.as_str().unwrap_or_default().to_owned(),
                };
                outln!("  {name:<14} {value}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn prove(machine: &SetupArgs, at: u64, out: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let (setup, start) = machine.load()?;
    let mut trace = VmTrace::new(setup.clone(), start, 1 << 20);
    let proof = trace.proof_at(at);
    let bytes = proof.encode();
    let pre = proof.state.commitment();
    let post = verify_step(&pre, &proof).context("the reference's own proof does not verify: a bug in orsma")?;
    match out {
        Some(path) => std::fs::write(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?,
        None => outln!("0x{}", hex::encode(&bytes)),
    }
    outln!("step      {at}: {}", describe_step(&proof));
    outln!("pre       {pre}");
    outln!("post      {post}");
    outln!("size      {} bytes", bytes.len());
    Ok(ExitCode::SUCCESS)
}

fn verify(pre: &Hash32, path: &PathBuf) -> anyhow::Result<ExitCode> {
    let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let bytes = match std::str::from_utf8(&raw).ok().map(str::trim).and_then(|t| t.strip_prefix("0x")) {
        Some(hex_text) => hex::decode(hex_text).with_context(|| format!("{} is not valid hex", path.display()))?,
        None => raw,
    };
    let verdict = StepProof::decode(&bytes).and_then(|proof| verify_step(pre, &proof).map(|post| (proof, post)));
    match verdict {
        Ok((proof, post)) => {
            outln!("accepted: {}", describe_step(&proof));
            outln!("post      {post}");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            outln!("rejected ({}): {error}", error.code());
            Ok(ExitCode::from(EXIT_REJECTED))
        }
    }
}

/// The instruction a proof's step runs and the header fields it changes.
fn describe_step(proof: &StepProof) -> String {
    let state = &proof.state;
    let instr = match (state.outcome(), &proof.instr) {
        (Ok(Some(outcome)), _) => format!("(the run has ended: {})", super::vm::describe(Some(outcome))),
        (_, Some(w)) => vm::bytecode::decode_instr(&w.bytes)
            .map_or_else(|e| format!("(undecodable: {e})"), |i: Instr| format!("`{i}`")),
        (_, None) => "(outside the program)".to_owned(),
    };
    let changes = match verify_header_step(proof) {
        Ok(post) => diff(state, &post).join(", "),
        Err(e) => format!("invalid: {e}"),
    };
    format!("ip {} {instr}; {}", state.ip, if changes.is_empty() { "changes nothing".to_owned() } else { changes })
}

/// The header's fields in encoding order, as a vector's `commitment` case lists them
/// (`vectors.md` §6.1), without the step count and the commitment.
fn header_fields(h: &StateHeader) -> serde_json::Map<String, serde_json::Value> {
    let mut fields = match serde_json::to_value(StateSpec::of(0, h)) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    fields.shift_remove("at");
    fields.shift_remove("commitment");
    fields
}

/// `field: before → after` for every header field the step changes.
fn diff(before: &StateHeader, after: &StateHeader) -> Vec<String> {
    crate::diff::diff(&header_fields(before), &header_fields(after))
        .into_iter()
        .map(|d| format!("{}: {} → {}", d.path, short(&d.expected), short(&d.got)))
        .collect()
}

/// Hashes shortened to `0x1234…abcd`; other values as they are.
fn short(value: &str) -> String {
    match (value.get(..6), value.get(value.len().saturating_sub(4)..)) {
        (Some(head), Some(tail)) if value.len() == 66 && value.starts_with("0x") => format!("{head}…{tail}"),
        _ => value.to_owned(),
    }
}

/// A player, chosen on the command line.
type BoxedPlayer = Box<dyn Player<StepProof>>;

fn defender(spec: &str, trace: VmTrace) -> anyhow::Result<(BoxedPlayer, Box<dyn Trace<Proof = StepProof>>)> {
    Ok(match spec.split_once(':') {
        None if spec == "honest" => (Box::new(Honest::new(trace.clone())), Box::new(trace)),
        None if spec == "silent" => (Box::new(Silent), Box::new(trace)),
        Some(("lies-from", j)) => {
            let j: u64 = j.parse().with_context(|| format!("--defender lies-from:{j}: J must be a step number"))?;
            (Box::new(Honest::new(LiesFrom::new(trace.clone(), j))), Box::new(LiesFrom::new(trace, j)))
        }
        _ => bail!("--defender `{spec}` must be honest, lies-from:J or silent"),
    })
}

fn challenger(spec: &str, trace: VmTrace) -> anyhow::Result<BoxedPlayer> {
    Ok(match spec.split_once(':') {
        None if spec == "honest" => Box::new(Honest::new(trace)),
        None if spec == "silent" => Box::new(Silent),
        Some(("blind", pick)) => {
            let pick = match pick {
                "first" => Pick::First,
                "last" => Pick::Last,
                seed => Pick::Seeded(
                    seed.parse().with_context(|| format!("--challenger blind:{seed}: use first, last or a seed"))?,
                ),
            };
            Box::new(ChoosesBlindly::new(trace, pick))
        }
        _ => bail!("--challenger `{spec}` must be honest, blind:first, blind:last, blind:SEED or silent"),
    })
}

/// Records every move a player makes, for `--transcript`.
struct Recorder<'a> {
    role: Party,
    inner: &'a mut dyn Player<StepProof>,
    moves: &'a RefCell<Vec<String>>,
}

impl Player<StepProof> for Recorder<'_> {
    fn respond(&mut self, role: Party, now: u64, awaiting: &Output) -> Option<Input<StepProof>> {
        let input = self.inner.respond(role, now, awaiting);
        let line = match (&input, awaiting) {
            (Some(Input::Dissect { points, .. }), Output::AwaitDissection { lo, hi, at_steps, .. }) => {
                let shown: Vec<String> =
                    at_steps.iter().zip(points).map(|(s, c)| format!("{s}={}", short(&c.to_string()))).collect();
                format!("{}: dissects ({lo}, {hi}] at {}", self.role, shown.join(" "))
            }
            (Some(Input::Choose { segment, .. }), Output::AwaitChoice { boundaries, .. }) => {
                let i = *segment as usize;
                let (a, b) = (boundaries.get(i).copied().unwrap_or(0), boundaries.get(i + 1).copied().unwrap_or(0));
                format!("{}: chooses segment {segment}, steps ({a}, {b}]", self.role)
            }
            (Some(Input::Step { proof, .. }), Output::AwaitStep { step, .. }) => {
                format!("{}: proves step {step} ({} bytes)", self.role, proof.encoded_len())
            }
            (Some(Input::Tick { now }), _) => format!("{}: ticks to {now}", self.role),
            (None, _) => format!("{}: stays silent", self.role),
            _ => format!("{}: moves", self.role),
        };
        self.moves.borrow_mut().push(line);
        input
    }
}

fn dispute(args: &DisputeArgs) -> anyhow::Result<ExitCode> {
    if !(2..=rollup::dispute::MAX_DEGREE).contains(&args.degree) {
        bail!("--degree {} must be between 2 and {}", args.degree, rollup::dispute::MAX_DEGREE);
    }
    let (setup, start) = args.machine.load()?;
    let prestate = start.commitment(&setup);
    let mut reference = VmTrace::new(setup.clone(), start.clone(), args.interval);

    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").unwrap_or(ProgressStyle::default_spinner()),
    );
    spinner.enable_steady_tick(Duration::from_millis(120));
    let started = std::time::Instant::now();
    let steps = match args.steps {
        Some(n) => n,
        None => {
            spinner.set_message("running the program to find its length");
            match reference.length(10_000_000_000) {
                Some(n) => n,
                None => bail!("the run does not end within 10^10 steps; pass --steps N"),
            }
        }
    };
    if steps == 0 {
        bail!("a dispute is about at least one step (--steps ≥ 1; the program ends at once)");
    }

    if let Some(j) = args.defender.strip_prefix("lies-from:").and_then(|j| j.parse::<u64>().ok())
        && !(1..=steps).contains(&j)
    {
        bail!("--defender lies-from:{j} must lie at a step from 1 to {steps} (the claim's step), or it is honest");
    }
    spinner.set_message(format!("playing a {steps}-step dispute"));
    let (mut defender_player, mut defender_trace) = defender(&args.defender, reference.clone())?;
    let claim = defender_trace.commitment(steps);
    let mut challenger_player = challenger(&args.challenger, reference.clone())?;
    let clock = 1 << 20;
    let config = GameConfig { degree: args.degree, prestate, steps, claim, clock, start: 0 };
    let (mut game, _) = Game::new(config, VmVerifier)?;
    let moves = RefCell::new(Vec::new());
    let verdict = play(
        &mut game,
        &mut Recorder { role: Party::Defender, inner: defender_player.as_mut(), moves: &moves },
        &mut Recorder { role: Party::Challenger, inner: challenger_player.as_mut(), moves: &moves },
    )?;
    let moves = moves.into_inner();
    let elapsed = started.elapsed();
    spinner.finish_and_clear();

    let replayed = replay(&setup, &start, &prestate, steps, &claim)?;
    let disputed = verdict.disputed_step.map(|step| (step, reference.proof_at(step)));
    let code = if verdict.winner == Party::Defender { ExitCode::SUCCESS } else { ExitCode::from(EXIT_REJECTED) };

    if args.json {
        let out = json!({
            "steps": steps,
            "degree": args.degree,
            "prestate": prestate.to_string(),
            "claim": claim.to_string(),
            "winner": verdict.winner.to_string(),
            "reason": reason_json(&verdict),
            "disputed_step": verdict.disputed_step,
            "disputed_instruction": disputed.as_ref().map(|(_, p)| describe_step(p)),
            "rounds": verdict.rounds,
            "bytes": verdict.bytes,
            "replay": {"winner": replayed.winner.to_string(), "bytes": replayed.bytes, "steps": replayed.steps_run, "agrees": replayed.winner == verdict.winner},
            "transcript": if args.transcript { json!(moves) } else { json!(null) },
            "seconds": elapsed.as_secs_f64(),
        });
        outln!("{out}");
        return Ok(code);
    }
    if args.transcript {
        for line in &moves {
            outln!("  {line}");
        }
    }
    outln!("claim     after {steps} steps: {}  (defender: {})", claim, args.defender);
    outln!("verdict   {} wins: {}", verdict.winner, describe_reason(&verdict));
    if let Some((step, proof)) = &disputed {
        outln!("disputed  step {step}: {}", describe_step(proof));
    }
    outln!(
        "cost      {} rounds, {} bytes exchanged (k = {}); replay re-executes {} steps over {} bytes of state",
        verdict.rounds,
        verdict.bytes,
        args.degree,
        replayed.steps_run,
        replayed.bytes,
    );
    let agree = if replayed.winner == verdict.winner { "agrees" } else { "disagrees" };
    outln!("replay    {} wins: it {agree} with the game", replayed.winner);
    outln!("time      {:.2?} (checkpoints every {} steps)", elapsed, args.interval);
    // RF-6.1: with an honest party who plays to the end, the game's verdict is replay's. A
    // game between two dishonest parties, or one lost on time, promises nothing.
    let honest = args.defender == "honest" || args.challenger == "honest";
    if honest && replayed.winner != verdict.winner && !matches!(verdict.reason, Reason::Timeout { .. }) {
        bail!("the game and replay disagree although a party was honest: a bug in orsma");
    }
    Ok(code)
}

fn describe_reason(verdict: &Verdict) -> String {
    match &verdict.reason {
        Reason::StepProven { step, post, computed, .. } if post == computed => {
            format!("the proof of step {step} reproduces the defender's commitment {}", short(&post.to_string()))
        }
        Reason::StepProven { step, post, computed, .. } => format!(
            "the proof of step {step} computes {}, the defender claimed {}",
            short(&computed.to_string()),
            short(&post.to_string())
        ),
        Reason::Timeout { loser } => format!("the {loser} ran out of time"),
    }
}

fn reason_json(verdict: &Verdict) -> serde_json::Value {
    match &verdict.reason {
        Reason::StepProven { step, pre, post, computed } => json!({
            "proven": {"step": step, "pre": pre.to_string(), "post": post.to_string(), "computed": computed.to_string()}
        }),
        Reason::Timeout { loser } => json!({"timeout": {"loser": loser.to_string()}}),
    }
}
