//! `orsma sim das`: the JSON report's fields against the closed form computed here, the files
//! `--out` writes, determinism, and the printed reproduce command.

use super::{orsma, scratch};

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// `1 − Π_{i<s} (N−W−i)/(N−i)`, written out again here rather than taken from `das`.
fn closed_form(n: u64, w: u64, s: u64) -> f64 {
    1.0 - (0..s).map(|i| (n - w - i) as f64 / (n - i) as f64).product::<f64>()
}

/// Every tag opened is closed in order, under one `<svg>` root.
fn assert_well_formed_svg(svg: &str) {
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>').map(|c| open + c).expect("every tag ends");
        let tag = &rest[open + 1..close];
        assert!(!tag.contains('<'), "a raw `<` in the SVG: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name.trim()), "closing tag out of order");
        } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
            if stack.is_empty() {
                roots += 1;
            }
            stack.push(tag.split_whitespace().next().unwrap_or(""));
        } else if stack.is_empty() {
            roots += 1;
        }
        rest = &rest[close + 1..];
    }
    assert!(stack.is_empty(), "unclosed tags: {stack:?}");
    assert_eq!(roots, 1);
}

#[test]
fn a_small_run_reports_detection_custody_and_reconstruction() {
    let dir = scratch("das-sim");
    let out = dir.to_string_lossy().into_owned();
    let args = [
        "sim",
        "das",
        "--k",
        "4",
        "--nodes",
        "16",
        "--light-clients",
        "300",
        "--samples",
        "1..=8,12",
        "--withhold",
        "minimal",
        "--seed",
        "3",
        "--json",
        "--out",
        &out,
    ];
    let (code, stdout, stderr) = orsma(&args);
    assert_eq!(code, 0, "{stderr}");
    let v = json(&stdout);

    assert_eq!(v["config"]["k"], 4);
    assert_eq!(v["config"]["width"], 8);
    assert_eq!(v["config"]["withhold"], "minimal");
    assert_eq!(v["config"]["samples"], serde_json::json!([1, 2, 3, 4, 5, 6, 7, 8, 12]));
    assert_eq!(v["withheld"]["shares"], 25, "(k+1)² for k = 4");
    assert_eq!(v["withheld"]["of"], 64);
    assert_eq!(v["withheld"]["unrecoverable_threshold"], 25);

    let rows = v["detection"].as_array().expect("detection rows");
    assert_eq!(rows.len(), 9);
    for row in rows {
        let s = row["samples"].as_u64().unwrap();
        let (clients, detected) = (row["clients"].as_u64().unwrap(), row["detected"].as_u64().unwrap());
        assert_eq!(clients, 300);
        assert!(detected <= clients);
        let measured = row["measured"].as_f64().unwrap();
        assert!((measured - detected as f64 / 300.0).abs() < 1e-12);
        let predicted = row["predicted"].as_f64().unwrap();
        assert!((predicted - closed_form(64, 25, s)).abs() < 1e-12, "s={s}: {predicted}");
        let (lo, hi) = (row["ci95"][0].as_f64().unwrap(), row["ci95"][1].as_f64().unwrap());
        assert!(lo <= measured && measured <= hi, "{row}");
        assert_eq!(row["within_ci"], lo - 1e-12 <= predicted && predicted <= hi + 1e-12);
        // 4 standard errors: the measurement cannot be far from the formula.
        let sigma = (predicted * (1.0 - predicted) / 300.0).sqrt();
        assert!((measured - predicted).abs() <= 4.0 * sigma + 1e-12, "{row}");
    }

    let custody = &v["custody"];
    assert_eq!(custody["shares_per_node"], 15, "one row and one column of 8: 8 + 8 − 1");
    assert_eq!(custody["online"], 16);
    assert!(custody["held_online"].as_u64().unwrap() <= 64 - 25);

    let rebuilt = &v["reconstruction"];
    for from in ["from_custody", "from_custody_and_samples"] {
        assert_eq!(rebuilt[from]["outcome"], "unrecoverable", "{from}");
        assert!(rebuilt[from]["missing"].as_u64().unwrap() >= 25);
    }
    assert_eq!(rebuilt["from_custody_and_samples"]["missing"], 25, "300 × 12 samples reach every served share");
    assert_eq!(rebuilt["nodes_needed"], serde_json::Value::Null);
    assert_eq!(v["problems"], serde_json::json!([]));
    assert!(v["reproduce"].as_str().unwrap().contains("--seed 3"));

    let written = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    assert_eq!(written.trim_end(), stdout.trim_end(), "the file is the printed report");
    let svg = std::fs::read_to_string(dir.join("detection.svg")).expect("detection.svg written");
    assert_well_formed_svg(&svg);
    assert!(svg.contains("samples per light client"));
    assert!(svg.matches("<circle").count() >= 9, "a point per sample count");
}

#[test]
fn full_nodes_rebuild_a_withheld_quadrant() {
    let (code, stdout, stderr) = orsma(&[
        "sim",
        "das",
        "--k",
        "8",
        "--nodes",
        "40",
        "--withhold",
        "quadrant",
        "--light-clients",
        "50",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v = json(&stdout);
    assert_eq!(v["withheld"]["shares"], 64);
    let from = &v["reconstruction"]["from_custody"];
    assert_eq!(from["outcome"], "recovered", "{from}");
    assert_eq!(from["matches_header"], true);
    assert_eq!(from["matches_original"], true);
    assert!(v["reconstruction"]["nodes_needed"].as_u64().is_some_and(|n| n <= 40));
}

#[test]
fn the_same_seed_gives_the_same_report_and_the_printed_command_reproduces_it() {
    let run = |seed: &str, extra: &[&str]| {
        let mut all = vec![
            "sim",
            "das",
            "--k",
            "8",
            "--nodes",
            "12",
            "--offline",
            "5",
            "--custody-cols",
            "2",
            "--light-clients",
            "120",
            "--samples",
            "2,4,8",
            "--withhold",
            "random:20",
            "--seed",
            seed,
        ];
        all.extend_from_slice(extra);
        let (code, stdout, stderr) = orsma(&all);
        assert_eq!(code, 0, "{stderr}");
        stdout
    };
    let first = run("11", &["--json"]);
    assert_eq!(first, run("11", &["--json"]), "same seed, same bytes");
    let other = json(&run("12", &["--json"]));
    assert_ne!(json(&first)["digest"], other["digest"]);

    // The summary's reproduce line, run as printed, gives the same report.
    let summary = run("11", &[]);
    let field = |name: &str| {
        summary.lines().find_map(|l| l.strip_prefix(name)).map(str::trim).expect("field printed").to_owned()
    };
    let reproduce = field("reproduce");
    let words: Vec<&str> = reproduce.split_whitespace().collect();
    assert_eq!(words[1..3], ["sim", "das"], "{reproduce}");
    let mut again: Vec<&str> = words[1..].to_vec();
    again.push("--json");
    let (code, replayed, _) = orsma(&again);
    assert_eq!(code, 0);
    assert_eq!(replayed, first, "the printed command reproduces the run");
    assert_eq!(json(&replayed)["digest"].as_str(), Some(field("digest").as_str()));
}

#[test]
fn bad_flags_are_refused_with_the_flag_to_change() {
    for (flags, names) in [
        (&["--k", "3"][..], "--k"),
        (&["--samples", "0..4"][..], "--samples"),
        (&["--samples", "5000"][..], "--samples"),
        (&["--withhold", "half"][..], "--withhold"),
        (&["--offline", "65"][..], "--offline"),
        (&["--custody-rows", "33"][..], "--custody-rows"),
        (&["--light-clients", "0"][..], "--light-clients"),
    ] {
        let mut args = vec!["sim", "das"];
        args.extend_from_slice(flags);
        let (code, stdout, stderr) = orsma(&args);
        assert_eq!(code, 2, "{flags:?}: {stdout}");
        assert!(stderr.contains(names), "{flags:?}: {stderr}");
    }
}
