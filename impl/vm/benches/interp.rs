//! Interpreter benchmarks: VM instructions per second on loop-heavy programs, next to
//! baselines measured in the same run (the same computation in native Rust, fib(30) on wasmi,
//! the VM without gas metering, the VM with a tracer that is switched off at run time).
//!
//! Run with `just bench vm` (or `cargo bench -p orsma-vm --bench interp`). After criterion's
//! own output, a table of medians and ratios is printed; `docs/performance.md` records it.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use vm::{Machine, NoHost, Outcome, Program, TraceStep};

mod support;

use support::{criterion_dir, fmt_ns};

const COUNT_N: i64 = 100_000_000;
const FIB_N: i64 = 30;
const WALK_LEN: usize = 1 << 20;
const WALK_PASSES: usize = 8;

fn program(source: &str) -> Program {
    Program::assemble(source).expect("benchmark programs assemble")
}

fn run(program: &Program, memory: Vec<i64>, mode: Mode) -> Machine {
    let mut machine = Machine::new(memory, u64::MAX).expect("memory within limits");
    match mode {
        Mode::Metered => machine.run(program, &mut NoHost),
        Mode::Unmetered => machine.run_unmetered(program, &mut NoHost),
        Mode::TraceOff => machine.run_traced(program, &mut NoHost, &mut None::<Vec<TraceStep>>),
    }
    machine
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    Metered,
    Unmetered,
    TraceOff,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Metered => "metered",
            Mode::Unmetered => "unmetered",
            Mode::TraceOff => "metered+trace_off",
        }
    }
}

fn native_count(n: i64) -> i64 {
    let mut i = n;
    while i != 0 {
        i = black_box(i - 1);
    }
    i
}

fn native_fib(n: i64) -> i64 {
    if n < 2 { n } else { native_fib(n - 1) + native_fib(n - 2) }
}

fn native_prefix_sum(memory: &mut [i64]) -> i64 {
    let len = memory[0] as usize;
    let mut sum = 0i64;
    for cell in &mut memory[1..len] {
        sum = sum.wrapping_add(*cell);
        *cell = sum;
    }
    black_box(sum)
}

fn walk_memory() -> Vec<i64> {
    let mut memory: Vec<i64> = (0..WALK_LEN as i64).map(|i| i % 7).collect();
    memory[0] = WALK_LEN as i64;
    memory
}

const WASM_FIB: &str = r#"
(module
  (func $fib (export "fib") (param $n i64) (result i64)
    (if (result i64) (i64.lt_s (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else (i64.add (call $fib (i64.sub (local.get $n) (i64.const 1)))
                     (call $fib (i64.sub (local.get $n) (i64.const 2))))))))
"#;

fn wasmi_fib(fuel: bool) -> impl FnMut(i64) -> i64 {
    let mut config = wasmi::Config::default();
    config.consume_fuel(fuel);
    let engine = wasmi::Engine::new(&config);
    let module = wasmi::Module::new(&engine, WASM_FIB).expect("valid wat");
    let mut store = wasmi::Store::new(&engine, ());
    let linker = wasmi::Linker::<()>::new(&engine);
    let instance = linker.instantiate_and_start(&mut store, &module).expect("instantiates");
    let fib = instance.get_typed_func::<i64, i64>(&store, "fib").expect("exports fib");
    move |n| {
        if fuel {
            store.set_fuel(u64::MAX).expect("fuel is enabled");
        }
        fib.call(&mut store, n).expect("fib runs")
    }
}

fn benches(c: &mut Criterion) {
    let count = program(include_str!("../programs/count.asm"));
    let fib = program(include_str!("../programs/fib.asm"));
    let walk = program(include_str!("../programs/prefix_sum.asm"));

    // Check the programs compute what the native versions compute, and count their steps.
    let count_steps = {
        let m = run(&count, vec![COUNT_N], Mode::Metered);
        assert_eq!(m.outcome, Some(Outcome::Halted { value: native_count(COUNT_N) }));
        m.steps
    };
    let fib_steps = {
        let m = run(&fib, vec![FIB_N], Mode::Metered);
        assert_eq!(m.outcome, Some(Outcome::Halted { value: native_fib(FIB_N) }));
        assert_eq!(wasmi_fib(false)(FIB_N), native_fib(FIB_N));
        m.steps
    };
    let walk_steps = {
        let m = run(&walk, walk_memory(), Mode::Metered);
        let mut native = walk_memory();
        assert_eq!(m.outcome, Some(Outcome::Halted { value: native_prefix_sum(&mut native) }));
        assert_eq!(m.memory, native);
        m.steps
    };

    let mut group = c.benchmark_group("vm::count");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(count_steps));
    for mode in [Mode::Metered, Mode::Unmetered, Mode::TraceOff] {
        group.bench_function(BenchmarkId::new("vm", mode.name()), |b| {
            b.iter(|| run(&count, vec![black_box(COUNT_N)], mode).steps)
        });
    }
    group.bench_function("native", |b| b.iter(|| native_count(black_box(COUNT_N))));
    group.finish();

    let mut group = c.benchmark_group("vm::fib30");
    group.sample_size(20);
    group.throughput(Throughput::Elements(fib_steps));
    for mode in [Mode::Metered, Mode::Unmetered, Mode::TraceOff] {
        group.bench_function(BenchmarkId::new("vm", mode.name()), |b| {
            b.iter(|| run(&fib, vec![black_box(FIB_N)], mode).steps)
        });
    }
    group.bench_function("native", |b| b.iter(|| native_fib(black_box(FIB_N))));
    let mut wasmi_plain = wasmi_fib(false);
    group.bench_function("wasmi", |b| b.iter(|| wasmi_plain(black_box(FIB_N))));
    let mut wasmi_fuel = wasmi_fib(true);
    group.bench_function("wasmi+fuel", |b| b.iter(|| wasmi_fuel(black_box(FIB_N))));
    group.finish();

    let mut group = c.benchmark_group("vm::prefix_sum");
    group.sample_size(20);
    group.throughput(Throughput::Elements(walk_steps * WALK_PASSES as u64));
    let memory = walk_memory();
    for mode in [Mode::Metered, Mode::Unmetered, Mode::TraceOff] {
        group.bench_function(BenchmarkId::new("vm", mode.name()), |b| {
            b.iter_batched_ref(
                || vec![memory.clone(); WALK_PASSES],
                |memories| {
                    for m in memories.drain(..) {
                        black_box(run(&walk, m, mode).steps);
                    }
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.bench_function("native", |b| {
        b.iter_batched_ref(
            || vec![memory.clone(); WALK_PASSES],
            |memories| {
                for m in memories.iter_mut() {
                    native_prefix_sum(m);
                }
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();

    report(&[
        ("count (10^8 iterations)", "vm::count", count_steps, &["native"]),
        ("fib(30)", "vm::fib30", fib_steps, &["native", "wasmi", "wasmi+fuel"]),
        ("prefix_sum (8 x 2^20 cells)", "vm::prefix_sum", walk_steps * WALK_PASSES as u64, &["native"]),
    ]);
}

/// Reads criterion's medians back and prints instructions per second and the ratios.
fn report(rows: &[(&str, &str, u64, &[&str])]) {
    let Some(dir) = criterion_dir() else { return };
    let median = |group: &str, bench: &str| -> Option<f64> {
        // Criterion names directories after ids with `:` (among others) replaced by `_`.
        let path = dir.join(group.replace(':', "_")).join(bench).join("new/estimates.json");
        let text = std::fs::read_to_string(path).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        json["median"]["point_estimate"].as_f64()
    };
    println!("\n| program | VM steps | metered median | Minstr/s | metering cost | trace-off cost | vs baselines |");
    println!("|---|---|---|---|---|---|---|");
    for (name, group, steps, baselines) in rows {
        let (Some(metered), Some(unmetered), Some(trace_off)) =
            (median(group, "vm/metered"), median(group, "vm/unmetered"), median(group, "vm/metered+trace_off"))
        else {
            continue;
        };
        let vs: Vec<String> = baselines
            .iter()
            .filter_map(|b| median(group, b).map(|ns| format!("{:.2}x {b} ({})", metered / ns, fmt_ns(ns))))
            .collect();
        println!(
            "| {name} | {steps} | {} | {:.0} | {:.2}x | {:.3}x | {} |",
            fmt_ns(metered),
            *steps as f64 / metered * 1e3,
            metered / unmetered,
            trace_off / metered,
            vs.join(", ")
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
}
