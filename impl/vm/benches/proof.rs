//! Refutation benchmarks at the VM level: the size and verification time of one-step proofs
//! per instruction class, proving a step against its floor (replay plus one state root),
//! updating a root from an audit path against recomputing it, and plain execution through the
//! proof module's snapshot against the bare interpreter. Each figure sits next to a baseline
//! measured in the same run.
//!
//! Run with `just bench proof` (or `cargo bench -p orsma-vm --bench proof`). After criterion's
//! own output, tables of medians and ratios are printed; `docs/performance.md` records them.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput};
use primitives::Hash32;
use primitives::merkle::{root_and_path, root_from_path};
use vm::proof::{Setup, Snapshot, StepProof, cell_leaf, prove_step, verify_step};
use vm::{HostError, HostReturn, Machine, NoHost, Outcome, Program, ScriptedHost, Trap};

mod support;

use support::{criterion_dir, filename_safe, fmt_ns};

/// The counted loop runs `2 · COUNT_N + 2` steps (as in `interp.rs`).
const COUNT_N: i64 = 100_000_000;

/// Stores `i` into cell `i` for `i` in `1..memory[0]`: three steps per cell.
const FILL: &str = "
        load r0, [r0 + 0]
        li r1, 1
    loop:
        store [r1 + 0], r1
        addi r1, r1, 1
        blt r1, r0, loop
        halt r1
";

fn program(source: &str) -> Program {
    Program::assemble(source).expect("benchmark programs assemble")
}

/// One step to prove: the program, its run configuration, and the step's index.
struct StepCase {
    id: String,
    source: &'static str,
    cells: usize,
    gas: u64,
    answers: Vec<Result<HostReturn, HostError>>,
    step: u64,
    /// The outcome of the step's post-state, for the cases that end the run.
    ends: Option<Outcome>,
}

fn step_case(id: &str, source: &'static str, cells: usize, step: u64) -> StepCase {
    StepCase { id: id.to_owned(), source, cells, gas: 1_000, answers: Vec::new(), step, ends: None }
}

/// A proved step: the pre-state commitment, the proof, and what the step was.
struct Proved {
    id: String,
    pre: Hash32,
    proof: StepProof,
    instr: String,
}

fn prove_case(case: &StepCase) -> Proved {
    let setup = Setup::new(program(case.source), &case.answers);
    let mut memory = vec![0; case.cells];
    if let Some(last) = memory.last_mut() {
        *last = 5;
    }
    let mut snapshot = Snapshot::start(memory, case.gas).expect("memory within limits");
    snapshot.run_steps(&setup, case.step);
    assert_eq!(snapshot.machine.steps, case.step, "{}: the run reaches the step", case.id);
    let pre = snapshot.commitment(&setup);
    let proof = prove_step(&setup, &snapshot);
    let instr = usize::try_from(snapshot.machine.ip)
        .ok()
        .filter(|_| snapshot.machine.outcome.is_none())
        .and_then(|ip| setup.program().instrs().get(ip))
        .map_or_else(|| "(none)".to_owned(), |instr| format!("{instr:?}"));
    snapshot.run_steps(&setup, 1);
    assert_eq!(verify_step(&pre, &proof), Ok(snapshot.commitment(&setup)), "{}: the proof verifies", case.id);
    if let Some(outcome) = case.ends {
        assert_eq!(snapshot.machine.outcome, Some(outcome), "{}: the step ends the run", case.id);
    } else {
        assert_eq!(snapshot.machine.outcome, None, "{}: the step does not end the run", case.id);
    }
    Proved { id: case.id.clone(), pre, proof, instr }
}

fn step_cases() -> Vec<StepCase> {
    let small = 1 << 10;
    let mut cases = vec![
        step_case("class=alu_add", "li r0, 5\nli r1, 2\nadd r2, r0, r1\nhalt r2", small, 2),
        step_case("class=mul", "li r0, 5\nli r1, 2\nmul r2, r0, r1\nhalt r2", small, 2),
        step_case("class=div", "li r0, 5\nli r1, 2\ndiv r2, r0, r1\nhalt r2", small, 2),
        step_case("class=branch_taken", "li r0, 1\nbeq r0, r0, end\nnop\nend:\nhalt r0", small, 1),
        step_case("class=push", "li r0, 7\npush r0\nhalt r0", small, 1),
        step_case("class=pop", "li r0, 7\npush r0\npop r1\nhalt r1", small, 2),
        step_case("class=call", "call f\nhalt r0\nf:\nret", small, 0),
        step_case("class=ret", "call f\nhalt r0\nf:\nret", small, 1),
        step_case("class=load,cells=2^10", "li r1, 1000\nload r0, [r1 + 0]\nhalt r0", small, 1),
        step_case("class=load,cells=2^20", "li r1, 1000000\nload r0, [r1 + 0]\nhalt r0", 1 << 20, 1),
        step_case("class=store,cells=2^10", "li r1, 1000\nstore [r1 + 0], r1\nhalt r0", small, 1),
        step_case("class=store,cells=2^20", "li r1, 1000000\nstore [r1 + 0], r1\nhalt r0", 1 << 20, 1),
    ];
    let mut custom = step_case("class=custom", "custom 7\nhalt r0", small, 0);
    custom.answers = vec![Ok(HostReturn { value: 42, gas: 3 })];
    cases.push(custom);
    let mut out_of_gas = step_case("class=trap_out_of_gas", "nop\nnop\nnop", small, 2);
    out_of_gas.gas = 2;
    out_of_gas.ends = Some(Outcome::Trapped { trap: Trap::OutOfGas });
    cases.push(out_of_gas);
    let mut ip = step_case("class=trap_ip_out_of_bounds", "jmp 9", small, 1);
    ip.ends = Some(Outcome::Trapped { trap: Trap::IpOutOfBounds });
    cases.push(ip);
    let mut halted = step_case("class=after_halt", "halt r0", small, 1);
    halted.ends = Some(Outcome::Halted { value: 0 });
    cases.push(halted);
    cases
}

/// The leaf hashes of `memory`'s cells, as a snapshot's commitment computes them.
fn leaves(memory: &[i64]) -> impl Fn(u64) -> Hash32 + '_ {
    move |i| cell_leaf(memory[i as usize])
}

fn fill_memory(cells: usize) -> Vec<i64> {
    let mut memory = vec![0; cells];
    memory[0] = cells as i64;
    memory
}

fn count_steps(count: &Program) -> u64 {
    let mut machine = Machine::new(vec![COUNT_N], u64::MAX).expect("one cell");
    machine.run(count, &mut NoHost);
    assert_eq!(machine.outcome, Some(Outcome::Halted { value: 0 }));
    machine.steps
}

fn benches(c: &mut Criterion) {
    // 1. Proof size and verification time per instruction class.
    let proved: Vec<Proved> = step_cases().iter().map(prove_case).collect();
    let mut group = c.benchmark_group("proof::verify");
    group.sample_size(30).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    for p in &proved {
        group.bench_function(p.id.as_str(), |b| b.iter(|| verify_step(black_box(&p.pre), black_box(&p.proof))));
    }
    group.finish();

    // 2. Proving step i against its floor: replaying to i and computing one state root.
    let fill = Setup::new(program(FILL), &[]);
    let mut group = c.benchmark_group("proof::prove");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(4));
    let mut prove_rows = Vec::new();
    for log_cells in [4u32, 10, 16, 20] {
        let cells = 1usize << log_cells;
        // The store into the middle cell: step 2 + 3·(k − 1) stores into cell k.
        let step = 2 + 3 * (cells as u64 / 2 - 1);
        let start = Snapshot::start(fill_memory(cells), u64::MAX).expect("memory within limits");
        {
            let mut s = start.clone();
            s.run_steps(&fill, step);
            let ip = usize::try_from(s.machine.ip).expect("small ip");
            assert!(matches!(fill.program().instrs()[ip], vm::Instr::Store { .. }), "step {step} is a store");
            let pre = s.commitment(&fill);
            let proof = prove_step(&fill, &s);
            s.run_steps(&fill, 1);
            assert_eq!(verify_step(&pre, &proof), Ok(s.commitment(&fill)));
        }
        let key = format!("cells=2^{log_cells}");
        group.bench_function(BenchmarkId::new("floor", &key), |b| {
            b.iter_batched(
                || start.clone(),
                |mut s| {
                    s.run_steps(&fill, step);
                    s.commitment(&fill)
                },
                BatchSize::LargeInput,
            )
        });
        group.bench_function(BenchmarkId::new("prove", &key), |b| {
            b.iter_batched(
                || start.clone(),
                |mut s| {
                    s.run_steps(&fill, step);
                    prove_step(&fill, &s)
                },
                BatchSize::LargeInput,
            )
        });
        group.bench_function(BenchmarkId::new("replay", &key), |b| {
            b.iter_batched(
                || start.clone(),
                |mut s| {
                    s.run_steps(&fill, step);
                    s.machine.steps
                },
                BatchSize::LargeInput,
            )
        });
        prove_rows.push((key, step));
    }
    group.finish();

    // 3. A root after one leaf changes: from the audit path, or from all the leaves.
    let mut group = c.benchmark_group("proof::root_update");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(3));
    let mut root_rows = Vec::new();
    for log_cells in [10u32, 16, 20] {
        let cells = 1u64 << log_cells;
        let mut memory: Vec<i64> = (0..cells as i64).map(|i| i % 7).collect();
        let index = cells / 3;
        let (root, path) = root_and_path(cells, Some(index), leaves(&memory));
        let path = path.expect("index inside");
        memory[index as usize] = 1234;
        let (new_root, _) = root_and_path(cells, None, leaves(&memory));
        assert_eq!(root_from_path(index, cells, &path, &cell_leaf(1234)), Ok(new_root));
        assert_ne!(root, new_root);
        let key = format!("cells=2^{log_cells}");
        group.bench_function(BenchmarkId::new("from_path", &key), |b| {
            b.iter(|| root_from_path(black_box(index), cells, black_box(&path), &cell_leaf(black_box(1234))))
        });
        group.bench_function(BenchmarkId::new("recompute", &key), |b| {
            b.iter(|| root_and_path(cells, None, leaves(black_box(&memory))).0)
        });
        // Hashes: the new leaf and one node per level, against every leaf and every node.
        root_rows.push((key, path.len() as u64 + 1, 2 * cells - 1));
    }
    group.finish();

    // 4. Plain execution: the bare interpreter, and the same run through a proof snapshot.
    let count = program(include_str!("../programs/count.asm"));
    let steps = count_steps(&count);
    let count_setup = Setup::new(count.clone(), &[]);
    let mut group = c.benchmark_group("proof::exec");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(steps));
    group.bench_function("machine_run", |b| {
        b.iter(|| {
            let mut m = Machine::new(vec![black_box(COUNT_N)], u64::MAX).expect("one cell");
            m.run(&count, &mut NoHost);
            m.steps
        })
    });
    // A control: the same interpreter instantiated for another host that is never called, to
    // tell a cost of the tape host from the layout of another copy of the loop.
    group.bench_function("machine_run_scripted_host", |b| {
        b.iter(|| {
            let mut m = Machine::new(vec![black_box(COUNT_N)], u64::MAX).expect("one cell");
            m.run(&count, &mut ScriptedHost::new(Vec::new()));
            m.steps
        })
    });
    group.bench_function("snapshot_run", |b| {
        b.iter(|| {
            let mut s = Snapshot::start(vec![black_box(COUNT_N)], u64::MAX).expect("one cell");
            s.run(&count_setup);
            s.machine.steps
        })
    });
    group.bench_function("snapshot_run_steps", |b| {
        b.iter(|| {
            let mut s = Snapshot::start(vec![black_box(COUNT_N)], u64::MAX).expect("one cell");
            s.run_steps(&count_setup, steps);
            s.machine.steps
        })
    });
    group.finish();

    report(&proved, &prove_rows, &root_rows, steps);
    paired_exec(&count, &count_setup);
}

/// The same comparison as `proof::exec`, measured in interleaved pairs: on this noisy
/// machine the baseline drifts by tens of percent between criterion groups, while the ratio
/// within a pair, run back to back in alternating order, stays put. Prints the median of the
/// per-pair ratios and their range.
fn paired_exec(count: &Program, setup: &Setup) {
    let plain = || {
        let started = std::time::Instant::now();
        let mut m = Machine::new(vec![black_box(COUNT_N)], u64::MAX).expect("one cell");
        m.run(count, &mut NoHost);
        black_box(m.steps);
        started.elapsed().as_secs_f64()
    };
    let snapshot = || {
        let started = std::time::Instant::now();
        let mut s = Snapshot::start(vec![black_box(COUNT_N)], u64::MAX).expect("one cell");
        s.run(setup);
        black_box(s.machine.steps);
        started.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..15)
        .map(|round| {
            let (a, b) = if round % 2 == 0 {
                let a = plain();
                (a, snapshot())
            } else {
                let b = snapshot();
                (plain(), b)
            };
            b / a
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let (lo, mid, hi) = (ratios[0], ratios[ratios.len() / 2], ratios[ratios.len() - 1]);
    println!("\nSnapshot::run / Machine::run over 15 interleaved pairs: median {mid:.3}x (range {lo:.3}x to {hi:.3}x)");
}

/// Reads criterion's medians back and prints the tables of `docs/performance.md`.
fn report(proved: &[Proved], prove_rows: &[(String, u64)], root_rows: &[(String, u64, u64)], exec_steps: u64) {
    let Some(dir) = criterion_dir() else { return };
    let median = |group: &str, bench: &str| -> Option<f64> {
        let path = bench.split('/').fold(dir.join(filename_safe(group)), |path, part| path.join(filename_safe(part)));
        let path = path.join("new/estimates.json");
        let text = std::fs::read_to_string(path).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        json["median"]["point_estimate"].as_f64()
    };

    println!("\n| step | instruction | proof bytes | verify median |");
    println!("|---|---|---|---|");
    for p in proved {
        let Some(ns) = median("proof::verify", &p.id) else { continue };
        println!("| {} | `{}` | {} | {} |", p.id, p.instr, p.proof.encoded_len(), fmt_ns(ns));
    }

    println!(
        "\n| memory | step i | replay to i | floor (replay + root) | prove (replay + prove_step) | prove / floor |"
    );
    println!("|---|---|---|---|---|---|");
    for (key, step) in prove_rows {
        let (Some(replay), Some(floor), Some(prove)) = (
            median("proof::prove", &format!("replay/{key}")),
            median("proof::prove", &format!("floor/{key}")),
            median("proof::prove", &format!("prove/{key}")),
        ) else {
            continue;
        };
        println!(
            "| {key} | {step} | {} | {} | {} | {:.3}x |",
            fmt_ns(replay),
            fmt_ns(floor),
            fmt_ns(prove),
            prove / floor
        );
    }

    println!("\n| memory | hashes from path | hashes recomputed | from path | recompute | ratio |");
    println!("|---|---|---|---|---|---|");
    for (key, path_hashes, all_hashes) in root_rows {
        let (Some(path), Some(all)) = (
            median("proof::root_update", &format!("from_path/{key}")),
            median("proof::root_update", &format!("recompute/{key}")),
        ) else {
            continue;
        };
        println!("| {key} | {path_hashes} | {all_hashes} | {} | {} | {:.0}x |", fmt_ns(path), fmt_ns(all), all / path);
    }

    if let (Some(run), Some(scripted), Some(snap), Some(stepped)) = (
        median("proof::exec", "machine_run"),
        median("proof::exec", "machine_run_scripted_host"),
        median("proof::exec", "snapshot_run"),
        median("proof::exec", "snapshot_run_steps"),
    ) {
        println!("\n| count ({exec_steps} steps) | median | Minstr/s | vs Machine::run |");
        println!("|---|---|---|---|");
        let rows = [
            ("Machine::run", run),
            ("Machine::run, ScriptedHost (control)", scripted),
            ("Snapshot::run", snap),
            ("Snapshot::run_steps", stepped),
        ];
        for (name, ns) in rows {
            println!("| {name} | {} | {:.0} | {:.3}x |", fmt_ns(ns), exec_steps as f64 / ns * 1e3, ns / run);
        }
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
}
