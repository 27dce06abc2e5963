//! The conformance runner: select cases, run them on a target with N workers, compare,
//! and give each case a verdict.
//!
//! A verdict is pass, fail (with field diffs), error (the client crashed, hung, printed
//! garbage, or could not run the case), skip (the client does not support it), or, for cases
//! on the expected-failures list, xfail (failed as expected) and xpass (passed unexpectedly,
//! which counts as a failure). Reports are sorted by case id and carry no timings, so the same
//! run gives the same bytes whatever the number of workers.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde::Serialize;

use crate::case::Case;
use crate::case::vm::TraceEntry;
use crate::client::protocol::HelloResult;
use crate::client::{CaseResult, Reply, Target, Transcript};
use crate::diff::{FieldDiff, diff};
use crate::reference;

pub mod select;
pub mod xfail;

pub use select::Selection;
pub use xfail::XfailList;

/// A case's verdict.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The result matched.
    Pass,
    /// The result differed.
    Fail,
    /// No usable result: the client crashed, hung, printed garbage or could not run the case.
    Error,
    /// The client does not support the case.
    Skip,
    /// On the expected-failures list, and it failed.
    Xfail,
    /// On the expected-failures list, but it passed: a failure of the list.
    Xpass,
}

impl Status {
    /// Whether this verdict makes the run fail.
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Fail | Status::Error | Status::Xpass)
    }
}

/// One case's report.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct CaseReport {
    /// `suite/handler/case`.
    pub id: String,
    /// The verdict.
    pub status: Status,
    /// Why, for everything but a pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The fields that differ, for a failure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diffs: Vec<FieldDiff>,
    /// The first step where the client's trace leaves the reference's, when it can trace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub divergence: Option<String>,
    /// The command that runs this case alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repro: Option<String>,
    /// Where the request, response and client stderr were saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<String>,
}

/// A whole run's report.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct RunReport {
    /// The target's name and version, from `hello`.
    pub target: String,
    /// The number of cases the selection chose.
    pub selected: usize,
    /// Every run case, sorted by id.
    pub cases: Vec<CaseReport>,
    /// Cases of handlers the client claims that did not run: each fails the run.
    pub coverage: Vec<String>,
    /// Expected-failure entries that matched no selected case.
    pub unused_xfails: Vec<String>,
    /// Whether `--fail-fast` stopped the run early.
    pub stopped_early: bool,
}

/// Why a run that ran nothing fails: a client that claims none of the selected handlers (a
/// misspelt suite in `hello`, say) must not get a green CI.
pub const NOTHING_RAN: &str = "no case ran: the client claims none of the selected suites and handlers";

impl RunReport {
    /// Whether the run succeeded: some case ran, and there is no failure, no error, no xpass,
    /// no coverage gap, and no early stop.
    pub fn passed(&self) -> bool {
        !self.stopped_early
            && self.coverage.is_empty()
            && !self.nothing_ran()
            && !self.cases.iter().any(|c| c.status.is_failure())
    }

    /// Whether every case was skipped.
    pub fn nothing_ran(&self) -> bool {
        self.cases.iter().all(|c| c.status == Status::Skip)
    }

    /// How many cases have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.cases.iter().filter(|c| c.status == status).count()
    }
}

/// How to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Worker threads, each with its own target.
    pub jobs: usize,
    /// Stop after the first failure.
    pub fail_fast: bool,
    /// Ask a tracing client for a trace of each failed case and locate the first divergence.
    pub diagnose: bool,
    /// Ask a tracing client for a trace of every case and compare it whole with the
    /// reference's, so that a wrong value overwritten before the end still fails.
    pub trace_all: bool,
    /// Where to save request/response pairs of failed cases.
    pub artifacts: Option<PathBuf>,
    /// The command line that reproduces one case: `{case}` is replaced by its id.
    pub repro: String,
}

/// Something the runner reports progress to.
pub trait Progress: Sync {
    /// One more case is done.
    fn case_done(&self, report: &CaseReport);
}

/// No progress display.
#[derive(Debug)]
pub struct Quiet;

impl Progress for Quiet {
    fn case_done(&self, _report: &CaseReport) {}
}

/// Runs `cases` on targets made by `make_target` (one per worker).
pub fn run<T, F>(
    cases: &[Case],
    hello: &HelloResult,
    make_target: F,
    options: &Options,
    xfails: &XfailList,
    progress: &dyn Progress,
) -> anyhow::Result<RunReport>
where
    T: Target,
    F: Fn() -> anyhow::Result<T> + Sync,
{
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let first_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let jobs = options.jobs.clamp(1, cases.len().max(1));
    // Each worker keeps its own reports; they are merged and sorted at the end.
    let per_worker: Vec<Vec<CaseReport>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    let mut target = match make_target() {
                        Ok(t) => t,
                        Err(e) => {
                            if let Ok(mut slot) = first_error.lock() {
                                slot.get_or_insert(e);
                            }
                            stop.store(true, Ordering::Relaxed);
                            return mine;
                        }
                    };
                    while !stop.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(case) = cases.get(i) else { break };
                        let report = run_case(case, hello, &mut target, options, xfails);
                        if options.fail_fast && report.status.is_failure() {
                            stop.store(true, Ordering::Relaxed);
                        }
                        progress.case_done(&report);
                        mine.push(report);
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().filter_map(|w| w.join().ok()).collect()
    });
    if let Some(error) = first_error.into_inner().ok().flatten() {
        return Err(error);
    }
    let mut reports: Vec<CaseReport> = per_worker.into_iter().flatten().collect();
    // Ids are unique, so an unstable sort gives the same order.
    reports.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    let stopped_early = options.fail_fast && reports.len() < cases.len();
    if reports.len() < cases.len() && !stopped_early {
        anyhow::bail!("{} of {} cases got no verdict (a worker stopped)", cases.len() - reports.len(), cases.len());
    }
    // Only a skipped case can leave a gap: every case has a report unless the run stopped.
    let any_skipped = reports.iter().any(|r| r.status == Status::Skip);
    let coverage = if stopped_early || !any_skipped { Vec::new() } else { coverage(cases, hello, &reports) };
    let unused_xfails = xfails.unused(reports.iter().map(|r| r.id.as_str()));
    Ok(RunReport {
        target: format!("{} {}", hello.client.name, hello.client.version),
        selected: cases.len(),
        cases: reports,
        coverage,
        unused_xfails,
        stopped_early,
    })
}

/// Cases the client claims to support but that did not run (the coverage gate). `reports`
/// is sorted by id.
fn coverage(cases: &[Case], hello: &HelloResult, reports: &[CaseReport]) -> Vec<String> {
    let find = |id: &str| reports.binary_search_by(|r| r.id.as_str().cmp(id)).ok().and_then(|i| reports.get(i));
    cases
        .iter()
        .filter_map(|case| {
            let (id, suite, handler) = (case.id_text(), case.suite(), case.handler());
            if !hello.supports(suite, handler) {
                return None;
            }
            let report = find(id);
            if report.is_some_and(|r| r.status != Status::Skip) {
                return None;
            }
            let why = report.and_then(|r| r.message.clone()).unwrap_or_default();
            Some(format!("{id}: the client claims {suite}/{handler} but did not run it ({why})"))
        })
        .collect()
}

/// Marks a case failed because its result differs from the expected one: the field-path diffs
/// and their count in the report. Returns the result received, as JSON.
fn differs<T: serde::Serialize>(report: &mut CaseReport, expected: &T, got: &T) -> Option<serde_json::Value> {
    report.status = Status::Fail;
    report.diffs = diff(expected, got);
    report.message = Some(format!("{} field(s) differ", report.diffs.len()));
    serde_json::to_value(got).ok()
}

fn run_case(
    case: &Case,
    hello: &HelloResult,
    target: &mut dyn Target,
    options: &Options,
    xfails: &XfailList,
) -> CaseReport {
    let (suite, handler) = (case.suite(), case.handler());
    let mut report = CaseReport {
        id: case.id_text().to_owned(),
        status: Status::Pass,
        message: None,
        diffs: Vec::new(),
        divergence: None,
        repro: None,
        artifacts: None,
    };
    if !hello.supports(suite, handler) {
        report.status = Status::Skip;
        report.message = Some(format!("the client does not claim {suite}/{handler}"));
        return report;
    }
    let traced = options.trace_all && hello.can("trace") && traceable(case);
    let exchange = target.run(case, traced);
    let mut got_result: Option<serde_json::Value> = None;
    let mut their_trace: Option<Vec<TraceEntry>> = None;
    match (exchange.reply, case) {
        (Ok(Reply::Ran(CaseResult::Refute(got))), Case::Refute(v)) => {
            if !v.matches(&got) {
                got_result = differs(&mut report, &v.expected(), &got);
            }
        }
        (Ok(Reply::Ran(CaseResult::Das(got))), Case::Das(v)) => {
            // Probabilities within the tolerance count as equal (VEC-7.6), in the verdict and
            // in the diff.
            let got = v.comparable(&got);
            if got != v.expected() {
                got_result = differs(&mut report, &v.expected(), &got);
            }
        }
        (Ok(Reply::Ran(CaseResult::Consensus(got))), Case::Consensus(v)) => {
            if !v.matches(&got) {
                got_result = differs(&mut report, &v.expected(), &got);
            }
        }
        (Ok(Reply::Ran(CaseResult::Vm(mut got))), Case::Vm(v)) => {
            their_trace = got.trace.take();
            if !v.matches(&got) {
                got_result = differs(&mut report, &v.expected(), &got);
            } else if traced {
                let ours = reference_trace(case).unwrap_or_default();
                match &their_trace {
                    None => {
                        report.status = Status::Fail;
                        report.message = Some("the client claims `trace` but returned no trace".to_owned());
                    }
                    Some(theirs) if *theirs != ours => {
                        report.status = Status::Fail;
                        report.message = Some("the final state matches, but the trace does not".to_owned());
                        report.divergence = describe_divergence(case, &ours, theirs);
                    }
                    Some(_) => {}
                }
            }
        }
        (Ok(Reply::Ran(_)), _) => {
            report.status = Status::Error;
            report.message = Some(format!("the target answered with a result of another suite than {suite}"));
        }
        (Ok(Reply::Unsupported(why)), _) => {
            report.status = Status::Skip;
            report.message = Some(format!("the client does not support it: {why}"));
        }
        (Ok(Reply::Failed(why)), _) => {
            report.status = Status::Error;
            report.message = Some(format!("the client could not run it: {why}"));
        }
        (Err(failure), _) => {
            report.status = Status::Error;
            report.message = Some(failure.to_string());
        }
    }
    if report.status == Status::Fail
        && report.divergence.is_none()
        && options.diagnose
        && hello.can("trace")
        && traceable(case)
    {
        report.divergence = match their_trace {
            Some(theirs) => trace_divergence(case, &theirs),
            None => divergence(case, target),
        };
    }
    if report.status.is_failure() {
        report.repro = Some(options.repro.replace("{case}", &report.id));
        if let Some(dir) = &options.artifacts {
            let expected = match case {
                Case::Vm(v) => serde_json::to_value(v.expected()).ok(),
                Case::Refute(v) => serde_json::to_value(v.expected()).ok(),
                Case::Das(v) => serde_json::to_value(v.expected()).ok(),
                Case::Consensus(v) => serde_json::to_value(v.expected()).ok(),
            };
            report.artifacts = save_artifacts(
                dir,
                case,
                exchange.transcript.as_ref(),
                expected.as_ref(),
                got_result.as_ref(),
                &report,
            )
            .ok();
        }
    }
    match (xfails.reason(&report.id), report.status) {
        (Some(reason), Status::Fail | Status::Error) => {
            report.status = Status::Xfail;
            report.message =
                Some(format!("expected to fail ({reason}): {}", report.message.take().unwrap_or_default()));
        }
        (Some(reason), Status::Pass) => {
            report.status = Status::Xpass;
            report.message =
                Some(format!("on the expected-failures list ({reason}) but passed; remove it from the list"));
            report.repro = Some(options.repro.replace("{case}", &report.id));
        }
        _ => {}
    }
    report
}

pub use crate::reference::MAX_TRACE_STEPS;

/// Whether a case's expected run is short enough to trace.
fn traceable(case: &Case) -> bool {
    match case {
        Case::Vm(v) => v.post.steps.is_none_or(|steps| steps.0 <= MAX_TRACE_STEPS),
        // Refute, das and consensus cases have no trace: a refute result already names each
        // step it is about, a das case is not a run, and a consensus result lists what every
        // input did.
        Case::Refute(_) | Case::Das(_) | Case::Consensus(_) => false,
    }
}

/// Runs a failed case again with a trace and finds the first step where the client's trace
/// differs from the reference's.
fn divergence(case: &Case, target: &mut dyn Target) -> Option<String> {
    let exchange = target.run(case, true);
    let Ok(Reply::Ran(CaseResult::Vm(got))) = exchange.reply else {
        return Some("the client could not produce a trace for this case".to_owned());
    };
    let Some(theirs) = got.trace else {
        return Some("the client claims `trace` but returned no trace".to_owned());
    };
    trace_divergence(case, &theirs)
}

/// Where a client's trace of `case` leaves the reference's.
fn trace_divergence(case: &Case, theirs: &[TraceEntry]) -> Option<String> {
    describe_divergence(case, &reference_trace(case)?, theirs)
}

/// [`first_divergence`], naming the instructions of `case`'s program.
fn describe_divergence(case: &Case, ours: &[TraceEntry], theirs: &[TraceEntry]) -> Option<String> {
    let program = match case {
        Case::Vm(v) => ::vm::Program::decode(&v.config.program.bytecode.0).ok(),
        Case::Refute(_) | Case::Das(_) | Case::Consensus(_) => None,
    };
    first_divergence(ours, theirs, program.as_ref())
}

/// The reference's trace of a (parsed, hence checked) case.
fn reference_trace(case: &Case) -> Option<Vec<TraceEntry>> {
    let Case::Vm(v) = case else { return None };
    reference::run_config(&v.config, v.steps.iter().map(|s| s.input), true).ok()?.trace
}

/// The first step where two traces differ, found by bisection ([`crate::diagnose`]) and
/// described with the instruction that caused it and the fields that differ.
pub fn first_divergence(ours: &[TraceEntry], theirs: &[TraceEntry], program: Option<&::vm::Program>) -> Option<String> {
    let found = crate::diagnose::bisect(ours, theirs)?;
    let how = format!(" [found by bisection in {} rounds over {} steps]", found.rounds, ours.len().max(theirs.len()));
    let at = Some(found.entry).filter(|&i| i < ours.len().min(theirs.len()));
    let describe_instr = |ip: u64| {
        program
            .and_then(|p| usize::try_from(ip).ok().and_then(|i| p.instrs().get(i)))
            .map_or_else(|| "outside the program".to_owned(), |i| format!("`{i}`"))
    };
    match at {
        Some(i) => {
            let (a, b) = (&ours[i], &theirs[i]);
            let fields: Vec<String> = diff(a, b).iter().map(ToString::to_string).collect();
            // The step before the divergence executed the instruction that caused it.
            let cause = i
                .checked_sub(1)
                .map(|p| format!("; step {p} ran {}", describe_instr(ours[p].ip.0)))
                .unwrap_or_default();
            Some(format!("traces diverge before step {i} (ip {}){cause}: {}{how}", a.ip, fields.join("; ")))
        }
        None => Some(format!(
            "traces agree for {} steps, then the reference takes {} steps and the client {}{how}",
            ours.len().min(theirs.len()),
            ours.len(),
            theirs.len()
        )),
    }
}

fn save_artifacts(
    dir: &std::path::Path,
    case: &Case,
    transcript: Option<&Transcript>,
    expected: Option<&serde_json::Value>,
    got: Option<&serde_json::Value>,
    report: &CaseReport,
) -> std::io::Result<String> {
    let id = case.id();
    let path = dir.join(&id.suite).join(&id.handler).join(&id.case);
    std::fs::create_dir_all(&path)?;
    let synthetic;
    let transcript = match transcript {
        Some(t) => t,
        None => {
            let request = match case {
                Case::Vm(v) => serde_json::json!(v.request()),
                Case::Refute(v) => v.request_json(),
                Case::Das(v) => v.request_json(),
                Case::Consensus(v) => v.request_json(),
            };
            let request = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "run", "params": {"case": request, "trace": false}});
            let response = got.map(|g| serde_json::json!({"jsonrpc": "2.0", "id": 1, "result": g}).to_string());
            synthetic = Transcript { request: request.to_string(), response, stderr: Vec::new() };
            &synthetic
        }
    };
    std::fs::write(path.join("request.json"), format!("{}\n", transcript.request))?;
    if let Some(response) = &transcript.response {
        std::fs::write(path.join("response.json"), format!("{response}\n"))?;
    }
    std::fs::write(
        path.join("expected.json"),
        format!("{}\n", expected.and_then(|e| serde_json::to_string_pretty(e).ok()).unwrap_or_default()),
    )?;
    std::fs::write(path.join("stderr.txt"), transcript.stderr.join("\n"))?;
    if let Some(repro) = &report.repro {
        std::fs::write(path.join("repro.sh"), format!("#!/bin/sh\n# Runs {id} alone.\n{repro}\n"))?;
    }
    Ok(path.to_string_lossy().into_owned())
}
