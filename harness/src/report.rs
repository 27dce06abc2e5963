//! Reports of a run: pretty text for people, JSON for tools, JUnit XML for CI.
//!
//! All three are functions of the [`RunReport`] alone, which is sorted and has no timings, so
//! the same run gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::runner::{CaseReport, RunReport, Status};

/// Report formats.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum Format {
    /// Text for a terminal: failures with diffs and reproduction commands, then a table.
    Pretty,
    /// One JSON document (`orsma-report/1`).
    Json,
    /// JUnit XML: one test suite per handler, one test case per case.
    Junit,
}

/// Renders a report.
pub fn render(report: &RunReport, format: Format) -> String {
    match format {
        Format::Pretty => pretty(report),
        Format::Json => json(report),
        Format::Junit => junit(report),
    }
}

const COLUMNS: [Status; 6] = [Status::Pass, Status::Fail, Status::Error, Status::Skip, Status::Xfail, Status::Xpass];

fn label(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Error => "error",
        Status::Skip => "skip",
        Status::Xfail => "xfail",
        Status::Xpass => "xpass",
    }
}

/// Counts per (suite, handler) and status.
fn tally(report: &RunReport) -> BTreeMap<(String, String), [usize; 6]> {
    let mut table: BTreeMap<(String, String), [usize; 6]> = BTreeMap::new();
    for case in &report.cases {
        let mut parts = case.id.split('/');
        let (suite, handler) = (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned());
        let row = table.entry((suite, handler)).or_default();
        if let Some(column) = COLUMNS.iter().position(|s| *s == case.status) {
            row[column] += 1;
        }
    }
    table
}

fn pretty(report: &RunReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "orsma conformance: {}, {} case(s) selected", report.target, report.selected);
    let noteworthy: Vec<&CaseReport> =
        report.cases.iter().filter(|c| c.status.is_failure() || c.status == Status::Xfail).collect();
    if !noteworthy.is_empty() {
        out.push('\n');
    }
    for case in noteworthy {
        let _ = writeln!(out, "{:<5} {}", label(case.status).to_uppercase(), case.id);
        if let Some(message) = &case.message {
            let _ = writeln!(out, "      {message}");
        }
        for diff in &case.diffs {
            let _ = writeln!(out, "      {diff}");
        }
        if let Some(divergence) = &case.divergence {
            let _ = writeln!(out, "      {divergence}");
        }
        if let Some(repro) = &case.repro {
            let _ = writeln!(out, "      reproduce: {repro}");
        }
        if let Some(artifacts) = &case.artifacts {
            let _ = writeln!(out, "      saved: {artifacts}/");
        }
    }
    let table = tally(report);
    let width = table.keys().map(|(_, h)| h.len()).max().unwrap_or(0).max("handler".len()).max("(total)".len());
    let mut suites: BTreeMap<&str, [usize; 6]> = BTreeMap::new();
    for ((suite, _), row) in &table {
        let total = suites.entry(suite.as_str()).or_default();
        for (t, r) in total.iter_mut().zip(row) {
            *t += r;
        }
    }
    for (suite, total) in &suites {
        let _ = write!(out, "\nsuite {suite}\n  {:<width$}", "handler");
        for status in COLUMNS {
            let _ = write!(out, " {:>6}", label(status));
        }
        out.push('\n');
        let rows = table.iter().filter(|((s, _), _)| s == suite).map(|((_, h), r)| (h.as_str(), r));
        for (handler, row) in rows.chain([("(total)", total)]) {
            let _ = write!(out, "  {handler:<width$}");
            for n in row {
                let _ = write!(out, " {n:>6}");
            }
            out.push('\n');
        }
    }
    if !report.coverage.is_empty() {
        let _ =
            writeln!(out, "\ncoverage: {} case(s) of handlers the client claims did not run:", report.coverage.len());
        for line in report.coverage.iter().take(20) {
            let _ = writeln!(out, "  {line}");
        }
        if report.coverage.len() > 20 {
            let _ = writeln!(out, "  … and {} more", report.coverage.len() - 20);
        }
    }
    if !report.unused_xfails.is_empty() {
        let _ = writeln!(out, "\nexpected-failure entries that matched no case: {}", report.unused_xfails.join(", "));
    }
    out.push('\n');
    let counts: Vec<String> = COLUMNS
        .iter()
        .map(|s| (s, report.count(*s)))
        .filter(|(s, n)| *n > 0 || **s == Status::Pass)
        .map(|(s, n)| format!("{n} {}", label(*s)))
        .collect();
    let verdict = if report.passed() { "PASSED" } else { "FAILED" };
    let mut extra = String::new();
    if report.stopped_early {
        let _ = write!(extra, "; stopped early (--fail-fast) after {} of {}", report.cases.len(), report.selected);
    }
    if !report.coverage.is_empty() {
        let _ = write!(extra, "; {} coverage gap(s)", report.coverage.len());
    }
    if report.nothing_ran() {
        let _ = write!(extra, "; {}", crate::runner::NOTHING_RAN);
    }
    let _ = writeln!(out, "{verdict}: {}{extra}", counts.join(", "));
    out
}

/// Counts by verdict, in the order of the pretty table.
#[derive(serde::Serialize)]
struct Summary {
    pass: usize,
    fail: usize,
    error: usize,
    skip: usize,
    xfail: usize,
    xpass: usize,
}

/// The JSON report (`orsma-report/1`), serialised straight from the report.
#[derive(serde::Serialize)]
struct JsonReport<'a> {
    format: &'static str,
    target: &'a str,
    passed: bool,
    selected: usize,
    summary: Summary,
    stopped_early: bool,
    nothing_ran: bool,
    coverage: &'a [String],
    unused_xfails: &'a [String],
    cases: &'a [CaseReport],
}

fn json(report: &RunReport) -> String {
    let document = JsonReport {
        format: "orsma-report/1",
        target: &report.target,
        passed: report.passed(),
        selected: report.selected,
        summary: Summary {
            pass: report.count(Status::Pass),
            fail: report.count(Status::Fail),
            error: report.count(Status::Error),
            skip: report.count(Status::Skip),
            xfail: report.count(Status::Xfail),
            xpass: report.count(Status::Xpass),
        },
        stopped_early: report.stopped_early,
        nothing_ran: report.nothing_ran(),
        coverage: &report.coverage,
        unused_xfails: &report.unused_xfails,
        cases: &report.cases,
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

fn junit(report: &RunReport) -> String {
    let mut junit = Report::new("orsma conformance");
    let mut suites: BTreeMap<String, TestSuite> = BTreeMap::new();
    for case in &report.cases {
        let (group, name) = case.id.rsplit_once('/').unwrap_or(("", case.id.as_str()));
        let details = details(case);
        let status = match case.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Fail | Status::Xpass => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(case.message.clone().unwrap_or_default())
                    .set_type(label(case.status))
                    .set_description(details);
                s
            }
            Status::Error => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_message(case.message.clone().unwrap_or_default()).set_type("error").set_description(details);
                s
            }
            Status::Skip | Status::Xfail => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(case.message.clone().unwrap_or_default()).set_type(label(case.status));
                s
            }
        };
        let mut test_case = TestCase::new(name, status);
        test_case.set_classname(group.replace('/', "."));
        suites.entry(group.to_owned()).or_insert_with(|| TestSuite::new(group)).add_test_case(test_case);
    }
    if !report.coverage.is_empty() {
        let mut suite = TestSuite::new("coverage");
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status
            .set_message(format!("{} case(s) of claimed handlers did not run", report.coverage.len()))
            .set_description(report.coverage.join("\n"));
        suite.add_test_case(TestCase::new("claimed handlers ran every case", status));
        suites.insert("~coverage".to_owned(), suite);
    }
    junit.add_test_suites(suites.into_values());
    junit.to_string().unwrap_or_else(|e| format!("<!-- cannot render JUnit: {e} -->\n"))
}

fn details(case: &CaseReport) -> String {
    let mut lines: Vec<String> = case.diffs.iter().map(ToString::to_string).collect();
    lines.extend(case.divergence.clone());
    lines.extend(case.repro.as_ref().map(|r| format!("reproduce: {r}")));
    lines.extend(case.artifacts.as_ref().map(|a| format!("saved: {a}/")));
    lines.join("\n")
}
