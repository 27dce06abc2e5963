//! `orsma sim`: seeded simulations of the stack. `orsma sim das` plays a withholding
//! producer, full nodes with custody and sampling light clients (`das::sim`), and reports
//! detection against the closed form and network-wide reconstruction
//! (`docs/guides/das-simulation.md`). `orsma sim consensus` runs Tendermint validators over a
//! simulated network (`sim`, in `sim_consensus.rs`; `docs/guides/consensus-simulation.md`).

use std::fmt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

use super::invoked_program;
use super::sim_consensus::{self, ConsensusArgs};
use anyhow::{Context, anyhow};
use clap::{Args, Subcommand};
use das::SquareError;
use das::sampling::detection_probability;
use das::sim::{Detection, MAX_SIM_K, Outcome, Reconstruction, Sim, SimConfig, SimError, SimReport, Withholding};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

/// Exit status when the run contradicts the model: a bug in orsma.
const EXIT_CONTRADICTION: u8 = 1;

#[derive(Debug, Subcommand)]
pub(crate) enum SimCommand {
    /// Data availability sampling: a withholding producer, full nodes, light clients.
    ///
    /// Everything is drawn from --seed. The producer builds a k×k square, extends it to 2k×2k,
    /// publishes the header and serves every share except those --withhold chooses. Each full
    /// node downloads its custody lines; each light client draws its samples and detects
    /// withholding if any fails to verify. Then --offline nodes drop out and the rest pool
    /// their shares (proofs checked) to rebuild the square, alone and with the light clients'
    /// samples.
    ///
    /// The report gives, for each sample count s, the measured fraction of light clients that
    /// detected withholding next to the closed form P = 1 − Π_{i<s} (N−W−i)/(N−i), N = 4k²,
    /// with a 95% Wilson interval; custody coverage; and the reconstruction verdicts. It ends
    /// with the command that reproduces the run.
    ///
    /// Exit status 1 if the run contradicts the model (a measured rate more than 5 standard
    /// errors from the closed form, or a rebuilt square that is not the producer's): a bug in
    /// orsma. Exit status 2 for bad flags.
    ///
    /// Examples:
    ///   orsma sim das
    ///       minimal withholding in the default network: detection against the closed form
    ///   orsma sim das --withhold quadrant --offline 40
    ///       the original data withheld; the 24 nodes left rebuild it from the parity
    ///   orsma sim das --withhold none --offline 60
    ///       4 nodes are too few; with the light clients' samples the network rebuilds the square
    ///   orsma sim das --k 32 --samples 1,2,4,8,16,32 --out sim-out
    ///       writes sim-out/report.json and sim-out/detection.svg
    #[command(verbatim_doc_comment)]
    Das(DasArgs),
    /// Tendermint consensus: validators, faults and an adversarial network, from one seed.
    ///
    /// A discrete-event simulation (impl/sim) of --nodes validators running Tendermint over a
    /// simulated network. One seed fixes everything: latencies, drops, duplicates, reorderings,
    /// partitions, crash times, clock drift and which messages a faulty validator loses, so the
    /// same flags give the same run, byte for byte.
    ///
    /// Every decision is checked as it is made: agreement (validators that follow the protocol
    /// never decide different blocks at one height), integrity (no validator decides a height
    /// twice) and validity (a decided block carries its height's correct state hash). When
    /// faulty validators hold less than a third of the power, progress is checked too: after
    /// the last partition heals, every correct validator must decide a new height within each
    /// --progress-bound. A broken property stops the run.
    ///
    /// Behaviours go to the highest node indices, in the order of the flags below: with
    /// --nodes 7 --byzantine 1 --dead 1, node 6 is Byzantine, node 5 dead, nodes 0 to 4 honest.
    ///
    /// Durations take a unit: 500us, 50ms, 2s, 1.5s, 2min, 1h (0 needs none). Probabilities
    /// are numbers from 0 to 1.
    ///
    /// Exit status 0 when every property held and the correct validators decided --heights
    /// (or were not required to); 1 when a property broke or they fell short, with the seed and
    /// the command that replays the run; 2 for bad flags.
    ///
    /// Examples:
    ///   orsma sim consensus
    ///       4 honest validators decide 100 heights over the default network
    ///   orsma sim consensus --nodes 7 --byzantine 2 --drop 0.05 --partitions 2
    ///       two equivocating validators, lossy links and two partitions in the first 30 s
    ///   orsma sim consensus --swarm --seeds 0..100 --nodes 7 --heights 20
    ///       100 random configurations (faults below a third): a line per failing seed
    ///   orsma sim consensus --crash 1 --partitions 1 --out sim-out
    ///       writes sim-out/timeline.json and sim-out/commits.svg
    #[command(verbatim_doc_comment)]
    Consensus(ConsensusArgs),
}

#[derive(Debug, Args)]
pub(crate) struct DasArgs {
    /// The original square's width k: a power of two from 1 to 128. The extended square is
    /// 2k×2k.
    #[arg(long, default_value_t = 16)]
    k: usize,
    /// Bytes per share: a multiple of 64 from 64 to 4096. It changes the cost, not the
    /// statistics.
    #[arg(long, default_value_t = 64)]
    share_size: usize,
    /// Full nodes.
    #[arg(long, default_value_t = 64)]
    nodes: usize,
    /// Rows each full node keeps (custody), from 0 to 2k.
    #[arg(long, default_value_t = 1)]
    custody_rows: usize,
    /// Columns each full node keeps, from 0 to 2k.
    #[arg(long, default_value_t = 1)]
    custody_cols: usize,
    /// Full nodes that drop out before reconstruction (chosen from the seed).
    #[arg(long, default_value_t = 0)]
    offline: usize,
    /// Light clients.
    #[arg(long, default_value_t = 2000)]
    light_clients: usize,
    /// Sample counts to measure: a range (1..=32, or 1..33), a list (1,2,4,8), or both
    /// (1..=8,16,32). Each from 1 to 4k².
    #[arg(long, default_value = "1..=32")]
    samples: SampleCounts,
    /// What the producer withholds: none; minimal, the (k+1)² shares where k+1 seeded rows
    /// cross k+1 seeded columns (the fewest that make the square unrecoverable); quadrant,
    /// the k² original shares (recoverable); random:COUNT; fraction:F (of the 4k² shares);
    /// rows:N (N whole rows; unrecoverable from N = k+1).
    #[arg(long, default_value = "minimal")]
    withhold: Withholding,
    /// The seed every choice is drawn from.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write report.json and detection.svg (detection probability against samples) to this
    /// directory, creating it if needed.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the JSON report on stdout instead of the summary.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(command: SimCommand) -> anyhow::Result<ExitCode> {
    match command {
        SimCommand::Das(args) => das(&args),
        SimCommand::Consensus(args) => sim_consensus::run(&args),
    }
}

/// Sample counts, kept sorted and without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SampleCounts(Vec<usize>);

/// The most distinct sample counts one run measures.
const MAX_SAMPLE_COUNTS: usize = 1 << 16;

impl FromStr for SampleCounts {
    type Err = String;

    fn from_str(text: &str) -> Result<SampleCounts, String> {
        let number = |n: &str| {
            n.trim().parse::<usize>().map_err(|_| format!("`{n}` is not a whole number (write e.g. 1..=32 or 1,2,4,8)"))
        };
        let mut counts = Vec::new();
        for part in text.split(',') {
            let (lo, hi) = if let Some((a, b)) = part.split_once("..=") {
                (number(a)?, number(b)?)
            } else if let Some((a, b)) = part.split_once("..") {
                let (a, b) = (number(a)?, number(b)?);
                (a, b.checked_sub(1).ok_or_else(|| format!("`{part}` is empty"))?)
            } else {
                let n = number(part)?;
                (n, n)
            };
            if lo > hi {
                return Err(format!("`{part}` is empty: the end comes before the start"));
            }
            if lo == 0 {
                return Err(format!("`{part}` includes 0: a light client draws at least 1 sample"));
            }
            if hi - lo >= MAX_SAMPLE_COUNTS || counts.len() + (hi - lo) >= MAX_SAMPLE_COUNTS {
                return Err(format!("at most {MAX_SAMPLE_COUNTS} sample counts per run"));
            }
            counts.extend(lo..=hi);
        }
        counts.sort_unstable();
        counts.dedup();
        Ok(SampleCounts(counts))
    }
}

impl fmt::Display for SampleCounts {
    /// Runs of three or more consecutive counts as `A..=B`, the rest as numbers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        let mut i = 0;
        while i < self.0.len() {
            let mut j = i;
            while j + 1 < self.0.len() && self.0[j + 1] == self.0[j] + 1 {
                j += 1;
            }
            if j - i >= 2 {
                parts.push(format!("{}..={}", self.0[i], self.0[j]));
            } else {
                parts.extend(self.0[i..=j].iter().map(usize::to_string));
            }
            i = j + 1;
        }
        f.write_str(&parts.join(","))
    }
}

impl DasArgs {
    fn config(&self) -> SimConfig {
        SimConfig {
            k: self.k,
            share_size: self.share_size,
            n_nodes: self.nodes,
            custody_rows: self.custody_rows,
            custody_cols: self.custody_cols,
            n_offline: self.offline,
            n_light_clients: self.light_clients,
            samples: self.samples.0.clone(),
            withholding: self.withhold,
            seed: self.seed,
        }
    }

    /// The flags that reproduce the run, every one spelled out.
    fn reproduce(&self) -> String {
        format!(
            "sim das --k {} --share-size {} --nodes {} --custody-rows {} --custody-cols {} --offline {} \
             --light-clients {} --samples {} --withhold {} --seed {}",
            self.k,
            self.share_size,
            self.nodes,
            self.custody_rows,
            self.custody_cols,
            self.offline,
            self.light_clients,
            self.samples,
            self.withhold,
            self.seed
        )
    }
}

/// A simulation error with the flag to change.
fn explain(error: SimError) -> anyhow::Error {
    let hint = match &error {
        SimError::Square(SquareError::BadWidth(k)) | SimError::TooWide { k, .. } => {
            return anyhow!("--k {k}: the simulator's square width is a power of two from 1 to {MAX_SIM_K}");
        }
        SimError::Square(SquareError::BadShareSize(_)) => "pass --share-size as a multiple of 64 from 64 to 4096",
        SimError::Square(_) => "check --k and --share-size",
        SimError::CustodyTooWide { .. } => "pass --custody-rows and --custody-cols from 0 to 2k",
        SimError::TooManyOffline { .. } => "pass --offline no larger than --nodes",
        SimError::Limit { what, .. } => match *what {
            "nodes" => "lower --nodes",
            "light clients" => "lower --light-clients",
            "light clients × samples" => "lower --light-clients or the largest --samples",
            _ => "lower --nodes, --custody-rows or --custody-cols",
        },
        SimError::Empty(_) => "pass --light-clients 1 or more and at least one --samples count",
        SimError::SampleCount { .. } => "keep every --samples count from 1 to 4k²",
        SimError::Withholding { .. } => "pick a --withhold that fits the square (random:COUNT ≤ 4k², rows:N ≤ 2k)",
        SimError::Header(_) => "this is a bug in orsma; please report it with the command line",
    };
    anyhow!("{error}: {hint}")
}

fn das(args: &DasArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let sim = Sim::new(args.config()).map_err(explain)?;
    let n_clients = args.light_clients;
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(n_clients as u64);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} light clients {elapsed} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let report = sim.run(|done| {
        if done % 64 == 0 || done == n_clients {
            bar.set_position(done as u64);
        }
        if done == n_clients {
            bar.set_message("rebuilding the square from custody");
        }
    });
    bar.finish_and_clear();
    let elapsed = started.elapsed();

    let reproduce = format!("orsma {}", args.reproduce());
    let report_json = report_json(&report, &reproduce);
    let text = serde_json::to_string_pretty(&report_json).context("cannot render the report")?;
    let written = match &args.out {
        Some(dir) => Some(write_out(dir, &text, &plot(&report)?)?),
        None => None,
    };

    if args.json {
        outln!("{text}");
    } else {
        summary(&report, &program_command(args), elapsed.as_secs_f64());
        if let Some((json_path, svg_path)) = written {
            outln!("wrote      {} and {}", json_path.display(), svg_path.display());
        }
    }
    let problems = report.problems();
    if problems.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    #[allow(clippy::print_stderr, reason = "a contradiction is reported on stderr")]
    for problem in &problems {
        eprintln!("contradiction: {problem} (a bug in orsma)");
    }
    Ok(ExitCode::from(EXIT_CONTRADICTION))
}

/// The reproducing command as invoked (`orsma`, `target/release/orsma`, …), so it can be
/// pasted.
fn program_command(args: &DasArgs) -> String {
    format!("{} {}", invoked_program(), args.reproduce())
}

fn write_out(dir: &Path, json_text: &str, svg: &str) -> anyhow::Result<(PathBuf, PathBuf)> {
    write_report(dir, ("report.json", json_text), ("detection.svg", svg))
}

/// Writes a simulation's report (JSON, with a final newline) and its plot into `dir`,
/// creating it; returns their paths.
pub(super) fn write_report(
    dir: &Path,
    (json_name, json_text): (&str, &str),
    (svg_name, svg): (&str, &str),
) -> anyhow::Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let json_path = dir.join(json_name);
    let svg_path = dir.join(svg_name);
    std::fs::write(&json_path, format!("{json_text}\n"))
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    std::fs::write(&svg_path, svg).with_context(|| format!("cannot write {}", svg_path.display()))?;
    Ok((json_path, svg_path))
}

/// The report as JSON: a function of the configuration alone (no timings, no paths).
fn report_json(report: &SimReport, reproduce: &str) -> Value {
    let c = &report.config;
    let width = 2 * c.k;
    let detection: Vec<Value> = report
        .detection
        .iter()
        .map(|d| {
            json!({
                "samples": d.samples,
                "clients": d.n_clients,
                "detected": d.n_detected,
                "measured": d.measured,
                "predicted": d.predicted,
                "ci95": [d.ci95.0, d.ci95.1],
                "within_ci": d.within_ci(),
            })
        })
        .collect();
    let s = &report.custody;
    json!({
        "config": {
            "k": c.k,
            "width": width,
            "share_size": c.share_size,
            "nodes": c.n_nodes,
            "custody_rows": c.custody_rows,
            "custody_cols": c.custody_cols,
            "offline": c.n_offline,
            "light_clients": c.n_light_clients,
            "samples": c.samples,
            "withhold": c.withholding.to_string(),
            "seed": c.seed,
        },
        "data_root": report.data_root.to_string(),
        "withheld": {
            "shares": report.n_withheld,
            "of": width * width,
            "unrecoverable_threshold": report.threshold,
        },
        "detection": detection,
        "detection_summary": {
            "sample_counts": report.detection.len(),
            "outside_ci": report.outside_ci(),
            "expected_outside": report.detection.len() as f64 / 20.0,
        },
        "custody": {
            "shares_per_node": s.shares_per_node,
            "online": s.n_online,
            "held_online": s.held_online,
            "held_all": s.held_all,
            "uncovered": s.uncovered,
            "replication": {"min": s.replication_min, "mean": s.replication_mean, "max": s.replication_max},
            "noticing": s.n_noticing,
        },
        "reconstruction": {
            "from_custody": reconstruction_json(&report.from_custody),
            "from_custody_and_samples": reconstruction_json(&report.from_custody_and_samples),
            "samples_pooled": report.n_sampled,
            "nodes_needed": report.nodes_needed,
        },
        "problems": report.problems(),
        "digest": report.digest().to_string(),
        "reproduce": reproduce,
    })
}

fn reconstruction_json(r: &Reconstruction) -> Value {
    match &r.outcome {
        Outcome::Recovered { matches_header, matches_original } => json!({
            "outcome": "recovered",
            "given": r.n_given,
            "matches_header": matches_header,
            "matches_original": matches_original,
        }),
        Outcome::Unrecoverable { missing, rows, cols } => json!({
            "outcome": "unrecoverable",
            "given": r.n_given,
            "missing": missing,
            "incomplete_rows": rows,
            "incomplete_cols": cols,
        }),
        Outcome::Failed { code, message } => json!({
            "outcome": "failed",
            "given": r.n_given,
            "code": code,
            "message": message,
        }),
    }
}

fn describe(r: &Reconstruction) -> String {
    match &r.outcome {
        Outcome::Recovered { matches_header: true, matches_original: true } => {
            format!("rebuilt from {} shares; it matches the header and the producer's square", r.n_given)
        }
        Outcome::Recovered { matches_header, .. } => format!(
            "rebuilt from {} shares, but it differs from the producer's square (header {})",
            r.n_given,
            if *matches_header { "matches" } else { "differs" }
        ),
        Outcome::Unrecoverable { missing, rows, cols } => {
            format!("unrecoverable from {} shares: {missing} missing in {rows} rows and {cols} columns", r.n_given)
        }
        Outcome::Failed { code, message } => format!("failed ({code}): {message}"),
    }
}

fn summary(report: &SimReport, command: &str, seconds: f64) {
    let c = &report.config;
    let (k, w) = (c.k, 2 * c.k);
    let cells = w * w;
    outln!(
        "orsma sim das: k = {k}, a {w}×{w} extended square of {cells} shares of {} bytes, seed {}",
        c.share_size,
        c.seed
    );
    outln!("data root  {}", report.data_root);
    outln!(
        "withheld   {} of {cells} shares ({}); (k+1)² = {} is the fewest that can make a square unrecoverable",
        report.n_withheld,
        c.withholding,
        report.threshold
    );
    outln!("");
    outln!("detection: {} light clients, each drawing distinct uniform samples", c.n_light_clients);
    outln!("  {:>4}  {:>13}  {:>8}  {:>9}  {:^18}  within", "s", "detected", "measured", "predicted", "95% CI");
    for d in &report.detection {
        outln!("  {}", detection_row(d));
    }
    let n = report.detection.len();
    outln!(
        "  {} of {n} sample counts have the prediction inside their 95% interval (about {:.1} miss by chance; the \
         counts share their light clients, so misses come in runs)",
        n - report.outside_ci(),
        0.05 * n as f64
    );
    outln!("");
    let s = &report.custody;
    outln!("custody: {} full nodes, {} offline", c.n_nodes, c.n_offline);
    outln!(
        "  per node     {} row(s) + {} column(s) = {} shares ({:.1}% of the square)",
        c.custody_rows,
        c.custody_cols,
        s.shares_per_node,
        100.0 * s.shares_per_node as f64 / cells as f64
    );
    let served = cells - report.n_withheld;
    outln!(
        "  coverage     online nodes hold {} of the {served} served shares ({} uncovered); all nodes held {}",
        s.held_online,
        s.uncovered,
        s.held_all
    );
    outln!(
        "  replication  min {}, mean {:.2}, max {} online copies per served share",
        s.replication_min,
        s.replication_mean,
        s.replication_max
    );
    outln!("  noticed      {} of {} online nodes found shares of their lines missing", s.n_noticing, s.n_online);
    outln!("");
    outln!("reconstruction (proofs checked, repaired against the header):");
    outln!("  from custody              {}", describe(&report.from_custody));
    outln!(
        "  + light-client samples    {} ({} distinct shares sampled)",
        describe(&report.from_custody_and_samples),
        report.n_sampled
    );
    let needed = match report.nodes_needed {
        Some(n) => format!("{n} of the {} nodes (in node order) hold enough to rebuild it", c.n_nodes),
        None if c.n_nodes == 0 => "there are no full nodes".to_owned(),
        None => format!("not even all {} nodes together hold enough to rebuild it", c.n_nodes),
    };
    outln!("  nodes needed              {needed}");
    outln!("");
    outln!("reproduce  {command}");
    outln!("digest     {}", report.digest());
    outln!("time       {seconds:.2} s");
}

fn detection_row(d: &Detection) -> String {
    format!(
        "{:>4}  {:>13}  {:>8.4}  {:>9.4}  [{:.4}, {:.4}]  {}",
        d.samples,
        format!("{}/{}", d.n_detected, d.n_clients),
        d.measured,
        d.predicted,
        d.ci95.0,
        d.ci95.1,
        if d.within_ci() { "yes" } else { "no" }
    )
}

/// Detection probability against samples: the closed form as a curve, the measured rates as
/// points with their 95% intervals.
fn plot(report: &SimReport) -> anyhow::Result<String> {
    use plotters::prelude::*;

    let c = &report.config;
    let k = c.k;
    let withheld = report.n_withheld as u64;
    let s_max = report.detection.iter().map(|d| d.samples).max().unwrap_or(1);
    let axes = Axes {
        size: (860, 540),
        caption: format!(
            "Detection of withholding: k = {k}, {withheld} of {} shares withheld ({}), {} light clients",
            4 * k * k,
            c.withholding,
            c.n_light_clients
        ),
        x: 0f64..(s_max as f64 + 1.0),
        y: 0f64..1.02f64,
        x_desc: "samples per light client (s)",
        y_desc: "probability of detection",
        x_label: &|x| format!("{x:.0}"),
        y_label: &|y| format!("{y:.1}"),
        legend: SeriesLabelPosition::LowerRight,
    };
    svg_plot(axes, |chart| {
        let curve = (0..=s_max).map(|s| (s as f64, detection_probability(k, withheld, s)));
        chart
            .draw_series(LineSeries::new(curve, BLUE.stroke_width(2)))
            .map_err(|e| draw_error(&e))?
            .label(format!("closed form: 1 − Π_{{i<s}} (N−W−i)/(N−i), N = {}, W = {withheld}", 4 * k * k))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
        let measured = report
            .detection
            .iter()
            .map(|d| ErrorBar::new_vertical(d.samples as f64, d.ci95.0, d.measured, d.ci95.1, RED.filled(), 6));
        chart
            .draw_series(measured)
            .map_err(|e| draw_error(&e))?
            .label("measured, with 95% Wilson interval")
            .legend(|(x, y)| Circle::new((x + 10, y), 3, RED.filled()));
        Ok(())
    })
}

/// A plotting error.
pub(super) fn draw_error(e: &dyn std::fmt::Display) -> anyhow::Error {
    anyhow!("cannot draw the plot: {e}")
}

/// The frame of a simulation's plot: its size, caption, axes and where the legend goes.
pub(super) struct Axes<'a> {
    pub size: (u32, u32),
    pub caption: String,
    pub x: std::ops::Range<f64>,
    pub y: std::ops::Range<f64>,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    pub x_label: &'a dyn Fn(&f64) -> String,
    pub y_label: &'a dyn Fn(&f64) -> String,
    pub legend: plotters::chart::SeriesLabelPosition,
}

/// The chart `svg_plot` hands its caller.
pub(super) type SvgChart<'a, 'b> = plotters::chart::ChartContext<
    'a,
    plotters::backend::SVGBackend<'b>,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// An SVG plot on a white background with the caption and mesh of `axes`, the series `draw`
/// adds, and their legend.
pub(super) fn svg_plot(
    axes: Axes<'_>,
    draw: impl FnOnce(&mut SvgChart<'_, '_>) -> anyhow::Result<()>,
) -> anyhow::Result<String> {
    use plotters::prelude::*;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, axes.size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_error(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(axes.caption, ("sans-serif", 18))
            .margin(18)
            .x_label_area_size(46)
            .y_label_area_size(60)
            .build_cartesian_2d(axes.x, axes.y)
            .map_err(|e| draw_error(&e))?;
        chart
            .configure_mesh()
            .light_line_style(BLACK.mix(0.04))
            .x_desc(axes.x_desc)
            .y_desc(axes.y_desc)
            .x_label_formatter(axes.x_label)
            .y_label_formatter(axes.y_label)
            .draw()
            .map_err(|e| draw_error(&e))?;
        draw(&mut chart)?;
        chart
            .configure_series_labels()
            .position(axes.legend)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(|e| draw_error(&e))?;
        root.present().map_err(|e| draw_error(&e))?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::SampleCounts;

    #[test]
    fn sample_counts_parse_ranges_and_lists_and_print_back_compactly() {
        let parse = |t: &str| t.parse::<SampleCounts>().map(|c| c.0);
        assert_eq!(parse("1..=4"), Ok(vec![1, 2, 3, 4]));
        assert_eq!(parse("1..4"), Ok(vec![1, 2, 3]));
        assert_eq!(parse("8,1,2,2"), Ok(vec![1, 2, 8]));
        assert_eq!(parse("1..=3,16,32"), Ok(vec![1, 2, 3, 16, 32]));
        for bad in ["", "0..4", "0", "5..=4", "3..3", "a", "1..=x", "1..=100000"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        for text in ["1..=32", "1,2,4,8", "1..=3,16,32", "7"] {
            assert_eq!(text.parse::<SampleCounts>().map(|c| c.to_string()), Ok(text.to_owned()));
        }
    }
}
