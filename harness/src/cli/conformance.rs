//! `orsma conformance`: run the conformance vectors against the reference or a client.

#![allow(clippy::print_stderr, reason = "a command-line tool reports progress on stderr")]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use super::{invoked_program, quote};
use crate::case::Case;
use crate::client::process::{ClientCommand, OneShot, Persistent};
use crate::client::{Reference, Target};
use crate::report::{Format, render};
use crate::runner::{self, CaseReport, Options, Progress, Selection, Status, XfailList, select};
use crate::vectors;

/// How to talk to an external client.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub(crate) enum ClientMode {
    /// One long-lived process per worker, one JSON line per request and response.
    Persistent,
    /// One process per request: `CMD REQUEST_FILE RESPONSE_FILE`.
    Oneshot,
}

/// Run the conformance suite: every selected vector, against the reference or a client.
///
/// Each case gets a verdict (pass, fail, error, skip, xfail, xpass). Failures print the
/// fields that differ, the first divergent trace step (for clients that can trace), the
/// command that reruns the case alone, and where its request and response were saved.
/// Exit status: 0 when every case that ran passed, 1 when a case failed (or nothing ran, or a
/// claimed handler left cases unrun), 2 on bad input.
///
/// Examples:
///   orsma conformance
///   orsma conformance --client "python3 harness/clients/python/orsma_vm_client.py"
///   orsma conformance --client "./my-client --serve" --handler alu --format junit --out junit.xml
///   orsma conformance --case 'vm/traps/*' --shard 2/4 --jobs 2
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct ConformanceArgs {
    /// The vector tree to run (with its index.json).
    #[arg(long, default_value = "vectors", value_name = "DIR")]
    vectors: PathBuf,
    /// Run this client instead of the embedded reference: a shell command line that speaks
    /// client protocol v1 (docs/spec/client-protocol.md).
    #[arg(long, value_name = "COMMAND")]
    client: Option<String>,
    /// How to talk to the client.
    #[arg(long, value_enum, default_value = "persistent")]
    client_mode: ClientMode,
    /// Only this suite (repeatable).
    #[arg(long = "suite", value_name = "SUITE")]
    suites: Vec<String>,
    /// Only this handler, as `handler` or `suite/handler` (repeatable).
    #[arg(long = "handler", value_name = "HANDLER")]
    handlers: Vec<String>,
    /// Only case ids matching this glob, e.g. 'vm/alu/add*' or one exact id (repeatable).
    #[arg(long = "case", value_name = "GLOB")]
    cases: Vec<String>,
    /// Only cases with this tag (repeatable: any of them).
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Leave out cases with this tag (repeatable).
    #[arg(long = "skip-tag", value_name = "TAG")]
    skip_tags: Vec<String>,
    /// Run only shard i of n (1 ≤ i ≤ n). Shards split the cases by a hash of their id, so a
    /// case stays in its shard when others are added.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Worker threads, each with its own client process [default: the number of CPUs].
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// Stop at the first failure.
    #[arg(long)]
    fail_fast: bool,
    /// Seconds a client may take per case (to read the request and answer it) before it is
    /// killed and restarted. `hello`, which includes start-up, gets at least 30 s.
    #[arg(long, default_value_t = 10, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout: u64,
    /// An expected-failures list (YAML: `- case: GLOB` / `reason: ...`); a listed case that
    /// passes fails the run.
    #[arg(long, value_name = "FILE")]
    xfail: Option<PathBuf>,
    /// The report format on stdout (or in --out).
    #[arg(long, value_enum, default_value = "pretty")]
    format: Format,
    /// Write the report to FILE (stdout then gets the pretty summary).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Where to save the request, response and client stderr of each failed case.
    #[arg(long, default_value = "orsma-artifacts", value_name = "DIR")]
    artifacts: PathBuf,
    /// Do not save artifacts.
    #[arg(long)]
    no_artifacts: bool,
    /// Do not ask a tracing client for traces of failed cases.
    #[arg(long)]
    no_diagnose: bool,
    /// Ask a tracing client for the trace of every case and compare it step by step with the
    /// reference's: a wrong value that is overwritten before the end then fails too.
    #[arg(long)]
    trace_all: bool,
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn case_done(&self, report: &CaseReport) {
        if report.status.is_failure() {
            self.0.set_message(format!("last failure: {}", report.id));
        }
        self.0.inc(1);
    }
}

pub(crate) fn run(args: ConformanceArgs) -> anyhow::Result<ExitCode> {
    let selection = Selection {
        suites: args.suites.clone(),
        handlers: args.handlers.clone(),
        cases: args
            .cases
            .iter()
            .map(|g| glob::Pattern::new(g).with_context(|| format!("`{g}` is not a valid glob")))
            .collect::<anyhow::Result<_>>()?,
        tags: args.tags.clone(),
        skip_tags: args.skip_tags.clone(),
        shard: args.shard.as_deref().map(select::parse_shard).transpose().map_err(anyhow::Error::msg)?,
    };
    let xfails = match &args.xfail {
        Some(path) => XfailList::load(path)?,
        None => XfailList::default(),
    };
    let started = Instant::now();
    let loaded = vectors::load(&args.vectors)?;
    let all = loaded.len();
    let cases: Vec<Case> = selection.apply(loaded.into_iter().map(|l| l.case).collect());
    if cases.is_empty() {
        bail!("the selection matches none of the {all} cases in {}", args.vectors.display());
    }
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)).max(1);
    let options = Options {
        jobs,
        fail_fast: args.fail_fast,
        diagnose: !args.no_diagnose,
        trace_all: args.trace_all,
        artifacts: (!args.no_artifacts).then(|| args.artifacts.clone()),
        repro: repro_template(&args),
    };
    let bar = ProgressBar::new(cases.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} cases {elapsed} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = match &args.client {
        None => {
            let hello = crate::client::reference_hello();
            runner::run(&cases, &hello, || Ok(Reference::default()), &options, &xfails, &Bar(bar.clone()))?
        }
        Some(command) => {
            let command = ClientCommand {
                command: command.clone(),
                timeout: Duration::from_secs(args.timeout),
                hello_timeout: Duration::from_secs(args.timeout.max(30)),
            };
            match args.client_mode {
                ClientMode::Persistent => {
                    let first = Persistent::start(command.clone())?;
                    let hello = first.hello().clone();
                    let spare = std::sync::Mutex::new(Some(first));
                    let make = || -> anyhow::Result<Persistent> {
                        if let Some(client) = spare.lock().ok().and_then(|mut s| s.take()) {
                            return Ok(client);
                        }
                        Ok(Persistent::start(command.clone())?)
                    };
                    runner::run(&cases, &hello, make, &options, &xfails, &Bar(bar.clone()))?
                }
                ClientMode::Oneshot => {
                    // `hello` goes once, to the first client; the others share its answer.
                    let first = OneShot::start(command.clone())?;
                    let hello = first.hello().clone();
                    let make = || -> anyhow::Result<OneShot> { Ok(first.sibling()?) };
                    runner::run(&cases, &hello, make, &options, &xfails, &Bar(bar.clone()))?
                }
            }
        }
    };
    bar.finish_and_clear();
    let text = render(&report, args.format);
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("cannot write {}", path.display()))?;
            out!("{}", render(&report, Format::Pretty));
            eprintln!("report written to {}", path.display());
        }
        None => out!("{text}"),
    }
    eprintln!(
        "{} case(s) in {:.3} s with {jobs} worker(s){}",
        report.cases.len(),
        started.elapsed().as_secs_f64(),
        if report.count(Status::Skip) > 0 {
            format!(", {} skipped", report.count(Status::Skip))
        } else {
            String::new()
        }
    );
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The command that reruns one case, with `{case}` where its id goes. It starts with the
/// program as it was invoked (`orsma`, `target/release/orsma`, …), so it can be pasted.
fn repro_template(args: &ConformanceArgs) -> String {
    let mut parts = vec![format!("{} conformance", invoked_program())];
    if args.vectors.as_os_str() != "vectors" {
        parts.push(format!("--vectors {}", quote(&args.vectors.to_string_lossy())));
    }
    if let Some(client) = &args.client {
        parts.push(format!("--client {}", quote(client)));
        if args.client_mode == ClientMode::Oneshot {
            parts.push("--client-mode oneshot".to_owned());
        }
    }
    if args.trace_all {
        parts.push("--trace-all".to_owned());
    }
    if args.timeout != 10 {
        parts.push(format!("--timeout {}", args.timeout));
    }
    if let Some(xfail) = &args.xfail {
        parts.push(format!("--xfail {}", quote(&xfail.to_string_lossy())));
    }
    parts.push("--case {case}".to_owned());
    parts.join(" ")
}
