//! Harness benchmarks: VM cases per second in process (YAML parsing included) and over
//! client protocol v1 with a persistent `orsma client`, next to the raw cost of a JSON-lines
//! round trip over a pipe measured in the same run; and 1 worker against 2 on ~10 000 cases.
//!
//! Run with `just bench harness` (or `cargo bench -p orsma-harness --bench conformance`).

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, Throughput};
use harness::case::{Case, Encoding};
use harness::client::process::{ClientCommand, Persistent};
use harness::client::{Reference, Target};
use harness::report::{Format, render};
use harness::runner::{self, Options, Quiet, XfailList};

fn vector_texts() -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors");
    harness::vectors::read_index(&root)
        .expect("committed vectors")
        .cases
        .iter()
        .map(|entry| std::fs::read_to_string(root.join(&entry.path)).expect("vector file"))
        .collect()
}

fn parse(texts: &[String]) -> Vec<Case> {
    texts.iter().map(|t| Case::parse(t, Encoding::Yaml).expect("valid vector")).collect()
}

fn options(jobs: usize) -> Options {
    Options { jobs, fail_fast: false, diagnose: false, trace_all: false, artifacts: None, repro: String::new() }
}

/// Runs cases on the in-process reference.
fn run_in_process(cases: &[Case], jobs: usize) -> runner::RunReport {
    let hello = harness::client::reference_hello();
    let report = runner::run(cases, &hello, || Ok(Reference::default()), &options(jobs), &XfailList::default(), &Quiet)
        .expect("runs");
    assert!(report.passed());
    report
}

fn orsma_client() -> ClientCommand {
    ClientCommand {
        command: format!("{} client", env!("CARGO_BIN_EXE_orsma")),
        timeout: Duration::from_secs(60),
        hello_timeout: Duration::from_secs(60),
    }
}

/// The request lines the harness sends for `cases`.
fn request_lines(cases: &[Case]) -> Vec<String> {
    cases
        .iter()
        .enumerate()
        .map(|(i, case)| {
            let request = match case {
                Case::Vm(v) => serde_json::to_value(v.request()).unwrap_or_default(),
                Case::Refute(v) => v.request_json(),
                Case::Das(v) => v.request_json(),
                Case::Consensus(v) => v.request_json(),
            };
            serde_json::json!({"jsonrpc": "2.0", "id": i + 2, "method": "run", "params": {"case": request, "trace": false}})
                .to_string()
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let texts = vector_texts();
    let cases = parse(&texts);
    let n = cases.len() as u64;

    let mut group = c.benchmark_group("harness::in_process");
    group.throughput(Throughput::Elements(n));
    group.sample_size(20);
    group.bench_function(format!("parse+run+compare/cases={n}"), |b| b.iter(|| run_in_process(&parse(&texts), 1)));
    group.bench_function(format!("run+compare/cases={n}"), |b| b.iter(|| run_in_process(&cases, 1)));
    group.finish();

    let mut group = c.benchmark_group("harness::protocol");
    group.throughput(Throughput::Elements(n));
    group.sample_size(20);
    let mut client = Persistent::start(orsma_client()).expect("orsma client starts");
    group.bench_function(format!("orsma_client/cases={n}"), |b| {
        b.iter(|| {
            for case in &cases {
                let exchange = client.run(case, false);
                assert!(exchange.reply.is_ok());
            }
        })
    });
    // The floor: the same request lines through `cat`, one round trip each.
    let lines = request_lines(&cases);
    let mut cat = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("cat runs");
    let mut cat_in = cat.stdin.take().expect("piped stdin");
    let mut cat_out = BufReader::new(cat.stdout.take().expect("piped stdout"));
    group.bench_function(format!("raw_pipe_roundtrip/cases={n}"), |b| {
        b.iter(|| {
            let mut echo = String::new();
            for line in &lines {
                cat_in
                    .write_all(line.as_bytes())
                    .and_then(|()| cat_in.write_all(b"\n"))
                    .and_then(|()| cat_in.flush())
                    .expect("write");
                echo.clear();
                cat_out.read_line(&mut echo).expect("read");
                let _: serde_json::Value = serde_json::from_str(&echo).expect("JSON");
            }
        })
    });
    group.finish();
    drop(client);
    drop(cat_in);
    let _ = cat.wait();

    // ~10 000 cases: the suite ten times over.
    let many: Vec<Case> = (0..10).flat_map(|_| cases.iter().cloned()).collect();
    let one = run_in_process(&many, 1);
    let two = run_in_process(&many, 2);
    assert_eq!(
        render(&one, Format::Json),
        render(&two, Format::Json),
        "a 2-worker run reports the same bytes as a 1-worker run"
    );
    assert_eq!(render(&one, Format::Junit), render(&two, Format::Junit));
    let mut group = c.benchmark_group("harness::workers");
    group.throughput(Throughput::Elements(many.len() as u64));
    group.sample_size(10);
    for jobs in [1, 2] {
        group.bench_function(format!("in_process/jobs={jobs}"), |b| b.iter(|| run_in_process(&many, jobs)));
    }
    // Rendering the report is serial; measured on its own.
    group.bench_function("render_json_report", |b| b.iter(|| render(&one, Format::Json)));
    for jobs in [1usize, 2] {
        group.bench_function(format!("orsma_client/jobs={jobs}"), |b| {
            b.iter(|| {
                let hello = harness::client::reference_hello();
                let make = || Ok(Persistent::start(orsma_client())?);
                let report =
                    runner::run(&many, &hello, make, &options(jobs), &XfailList::default(), &Quiet).expect("runs");
                assert!(report.passed());
            })
        });
    }
    group.finish();

    report(n, many.len() as u64);
}

/// Prints the medians as cases per second, with the ratios the targets are stated in.
fn report(n: u64, many: u64) {
    let dir = std::env::current_exe().ok().and_then(|p| p.ancestors().nth(3).map(|t| t.join("criterion")));
    let Some(dir) = std::env::var_os("CRITERION_HOME").map(PathBuf::from).or(dir) else { return };
    let median = |group: &str, bench: &str| -> Option<f64> {
        // Criterion names directories after ids with `:` and `/` replaced by `_`.
        let path = dir.join(group.replace(':', "_")).join(bench.replace('/', "_")).join("new/estimates.json");
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
        json["median"]["point_estimate"].as_f64()
    };
    let per_second = |ns: f64, count: u64| count as f64 / ns * 1e9;
    println!("\n| measurement | median | cases/s | µs/case |");
    println!("|---|---|---|---|");
    let rows = [
        ("harness::in_process", format!("parse+run+compare/cases={n}"), n),
        ("harness::in_process", format!("run+compare/cases={n}"), n),
        ("harness::protocol", format!("orsma_client/cases={n}"), n),
        ("harness::protocol", format!("raw_pipe_roundtrip/cases={n}"), n),
        ("harness::workers", "in_process/jobs=1".to_owned(), many),
        ("harness::workers", "in_process/jobs=2".to_owned(), many),
        ("harness::workers", "orsma_client/jobs=1".to_owned(), many),
        ("harness::workers", "orsma_client/jobs=2".to_owned(), many),
        ("harness::workers", "render_json_report".to_owned(), many),
    ];
    let mut found = std::collections::BTreeMap::new();
    for (group, bench, count) in rows {
        if let Some(ns) = median(group, &bench) {
            println!(
                "| {group}/{bench} | {:.2} ms | {:.0} | {:.1} |",
                ns / 1e6,
                per_second(ns, count),
                ns / 1e3 / count as f64
            );
            found.insert(format!("{group}/{bench}"), ns);
        }
    }
    let ratio = |a: &str, b: &str| Some(found.get(a)? / found.get(b)?);
    if let Some(r) = ratio(
        &format!("harness::protocol/orsma_client/cases={n}"),
        &format!("harness::protocol/raw_pipe_roundtrip/cases={n}"),
    ) {
        println!("protocol / raw pipe round trip: {r:.2}x");
    }
    if let Some(r) = ratio("harness::workers/in_process/jobs=1", "harness::workers/in_process/jobs=2") {
        println!("in process, 2 workers vs 1: {r:.2}x faster");
    }
    if let Some(r) = ratio("harness::workers/orsma_client/jobs=1", "harness::workers/orsma_client/jobs=2") {
        println!("over the protocol, 2 workers vs 1: {r:.2}x faster");
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
}
