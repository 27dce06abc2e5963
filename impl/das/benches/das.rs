//! Data availability benchmarks on a 128×128 square of 512-byte shares (Celestia's largest
//! GF(2^8) square), each figure next to its floor measured in the same run:
//!
//! - **extend** against the **raw codec**: the same 3k = 384 `leopard_codec::encode` calls over
//!   lines gathered beforehand into their own shard buffers, reused from call to call: the codec
//!   alone, no layout work, no fresh memory. The extension is measured two ways: into a square
//!   whose memory is reused (`DataSquare::extend_into`, what a node extending block after block
//!   does; the target's figure) and into fresh memory (`extend_with`), which adds the kernel's
//!   page faults for 32 MiB;
//! - **extend + roots** (the extension, `ExtendedSquare::dah` and `Dah::data_root`) against the
//!   raw codec plus the **raw hashing** the roots need: 4k² leaf hashes `keccak256(0x00‖share)`
//!   (each share hashed once: it is a leaf of its row tree and of its column tree),
//!   4k·(2k − 1) node hashes `keccak256(0x01‖l‖r)` and the data root over the 4k line roots,
//!   computed with `sha3` over flat arrays, no tree structures;
//! - **sample verify** (`ShareProof::verify`, one share with its row proof: 8 path hashes)
//!   against one leaf hash and 8 node hashes computed directly;
//! - **repair** from a quarter of the shares (`PartialSquare::repair`, which decodes every
//!   missing line and checks every row and column root), from Q0 (the original quadrant) and
//!   from Q3 (the parity quadrant: every line is a real decode), against the extension and
//!   against the extension with its roots; and, for information, against its own floor: the
//!   raw codec (Q0) or 3k raw `leopard_codec::reconstruct` calls from k shards (Q3), plus the
//!   raw hashing.
//!
//! For information too: **layout**, a fresh square of `4k² × 512` bytes with the original
//! square copied in (what the extension does besides the codec: allocating 32 MiB and
//! faulting in its 8 192 pages), and a GF(2^16) square (k = 256, `reed-solomon-simd`).
//!
//! This machine's speed drifts by 15–30% between criterion groups, so the bench also measures
//! every operation in interleaved rounds (each round runs each operation once, rotating which
//! goes first) and prints, for each ratio, the median of the per-round ratios next to the ratio
//! of criterion's medians. It does so twice: before criterion's groups, in a fresh heap, where
//! every new square is fresh memory the kernel faults in page by page (as it is in criterion's
//! own `iter_with_large_drop` loops, which keep the squares until the batch ends), and after
//! them, when glibc may serve a new square from memory freed earlier and already faulted in;
//! the layout rows show which happened. Repair is timed from a `PartialSquare` built beforehand
//! (`from_square` is outside the timing), so it writes into memory already faulted in.
//!
//! Run with `just bench das` (or `cargo bench -p orsma-das --bench das`); about a minute and a
//! half. `docs/performance.md` records the tables.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, SamplingMode};
use das::{Axis, Codec, Dah, DataSquare, ExtendedSquare, PartialSquare, ShareProof};
use primitives::Hash32;
use sha3::{Digest, Keccak256};

#[path = "../../vm/benches/support/mod.rs"]
mod support;

use support::{criterion_dir, filename_safe, fmt_ns};

/// The original square's width.
const K: usize = 128;
/// Celestia's share size.
const SHARE: usize = 512;
/// The width of the GF(2^16) square measured for information.
const K16: usize = 256;
/// Interleaved rounds for the square-sized operations.
const ROUNDS: usize = 11;
/// Interleaved rounds for the sample verification, each timing `VERIFY_BATCH` verifications.
const VERIFY_ROUNDS: usize = 21;
const VERIFY_BATCH: u32 = 5_000;
/// The share sampled: row 37, column 201 (a parity share), with its row proof.
const SAMPLE: (usize, usize) = (37, 201);

/// The criterion group.
const GROUP: &str = "das";

/// A `k×k` square of pseudo-random shares (splitmix64 bytes).
fn ods(k: usize, seed: u64) -> DataSquare {
    let bytes = primitives::splitmix64_bytes(seed, k * k * SHARE);
    DataSquare::new(k, SHARE, bytes).expect("a valid square")
}

// ---------------------------------------------------------------------------------------------
// The floors.

/// Which shares of a gathered line are given: the original half (encode) or the parity half
/// (reconstruct).
#[derive(Clone, Copy)]
enum Given {
    Originals,
    Parity,
}

/// The `(row, col)` of position `p` of the `n`-th of the 3k lines in the extension's order:
/// rows 0..k, then columns 0..k, then rows k..2k.
fn extension_cell(k: usize, n: usize, p: usize) -> (usize, usize) {
    match n / k {
        0 => (n, p),
        1 => (p, n - k),
        _ => (n - k, p),
    }
}

/// The `(row, col)` of position `p` of the `n`-th line repair from Q3 decodes: rows k..2k
/// (from their parity half), then columns 0..2k (from rows k..2k, their parity half).
fn q3_cell(k: usize, n: usize, p: usize) -> (usize, usize) {
    if n < k { (k + n, p) } else { (p, n - k) }
}

/// The 3k lines, each gathered once into its own `2k` shard buffers: the given half copied
/// from `eds`, the other half zero (`Originals`, for encoding) or empty (`Parity`, missing for
/// reconstruction).
fn gather(eds: &ExtendedSquare, cell: fn(usize, usize, usize) -> (usize, usize), given: Given) -> Vec<Vec<Vec<u8>>> {
    let k = eds.k();
    (0..3 * k)
        .map(|n| {
            (0..2 * k)
                .map(|p| {
                    let (r, c) = cell(k, n, p);
                    match (given, p < k) {
                        (Given::Originals, true) | (Given::Parity, false) => eds.share(r, c).expect("inside").to_vec(),
                        (Given::Originals, false) => vec![0; SHARE],
                        (Given::Parity, true) => Vec::with_capacity(SHARE),
                    }
                })
                .collect()
        })
        .collect()
}

/// The raw codec: one `leopard_codec::encode` per gathered line.
fn raw_codec(lines: &mut [Vec<Vec<u8>>], k: usize) {
    for line in lines {
        leopard_codec::encode(line, k).expect("a valid GF(2^8) line");
    }
}

/// The raw decoder: one `leopard_codec::reconstruct` per line from its parity half. Marking
/// the original half missing again (`clear`, which keeps each buffer) is all the reset there is.
fn raw_reconstruct(lines: &mut [Vec<Vec<u8>>], k: usize) {
    for line in lines {
        for shard in &mut line[..k] {
            shard.clear();
        }
        leopard_codec::reconstruct(line, k).expect("k shards present");
    }
}

/// What the extension does besides the codec: a fresh `2k×2k` square, the original square
/// copied into its first quadrant and the rest zeroed, written once, in order.
fn layout(ods: &DataSquare) -> Vec<u8> {
    let (k, s) = (ods.width(), ods.share_size());
    let mut bytes = Vec::with_capacity(4 * k * k * s);
    for row in ods.as_bytes().chunks_exact(k * s) {
        bytes.extend_from_slice(row);
        bytes.resize(bytes.len() + k * s, 0);
    }
    bytes.resize(4 * k * k * s, 0);
    bytes
}

/// `keccak256(0x00 ‖ data)`.
fn leaf(data: &[u8]) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `keccak256(0x01 ‖ l ‖ r)`, over one 65-byte buffer.
fn node(l: &[u8; 32], r: &[u8; 32]) -> [u8; 32] {
    let mut buf = [0u8; 65];
    buf[0] = 1;
    buf[1..33].copy_from_slice(l);
    buf[33..].copy_from_slice(r);
    Keccak256::digest(buf).into()
}

/// Work buffers for the raw hashing, allocated once.
struct RawHashing {
    width: usize,
    leaves: Vec<[u8; 32]>,
    level: Vec<[u8; 32]>,
    roots: Vec<[u8; 32]>,
}

impl RawHashing {
    fn new(width: usize) -> RawHashing {
        RawHashing {
            width,
            leaves: vec![[0; 32]; width * width],
            level: vec![[0; 32]; 2 * width],
            roots: vec![[0; 32]; 2 * width],
        }
    }

    /// The data root of a `width×width` square of shares, row-major in `bytes`: every leaf
    /// once, `width − 1` nodes per line (the first level straight from the leaves, strided for
    /// a column, then halving in place), and the data root's `2·width` leaves and
    /// `2·width − 1` nodes.
    fn data_root(&mut self, bytes: &[u8]) -> [u8; 32] {
        let w = self.width;
        for (out, share) in self.leaves.iter_mut().zip(bytes.chunks_exact(SHARE)) {
            *out = leaf(share);
        }
        for i in 0..w {
            for j in 0..w / 2 {
                self.level[j] = node(&self.leaves[i * w + 2 * j], &self.leaves[i * w + 2 * j + 1]);
            }
            self.roots[i] = reduce(&mut self.level[..w / 2]);
            for j in 0..w / 2 {
                self.level[j] = node(&self.leaves[2 * j * w + i], &self.leaves[(2 * j + 1) * w + i]);
            }
            self.roots[w + i] = reduce(&mut self.level[..w / 2]);
        }
        for (out, root) in self.level.iter_mut().zip(&self.roots) {
            *out = leaf(root);
        }
        reduce(&mut self.level)
    }
}

/// The root over a power-of-two level of hashes, halving it in place.
fn reduce(level: &mut [[u8; 32]]) -> [u8; 32] {
    let mut n = level.len();
    while n > 1 {
        for j in 0..n / 2 {
            level[j] = node(&level[2 * j], &level[2 * j + 1]);
        }
        n /= 2;
    }
    level[0]
}

/// The floor of a sample verification: the share's leaf hash and one node hash per level,
/// the side of each given by the position's bits (a full tree of `2k` leaves).
fn raw_verify(share: &[u8], position: usize, path: &[[u8; 32]], root: &[u8; 32]) -> bool {
    let mut h = leaf(share);
    for (level, sibling) in path.iter().enumerate() {
        h = if (position >> level) & 1 == 1 { node(sibling, &h) } else { node(&h, sibling) };
    }
    h == *root
}

// ---------------------------------------------------------------------------------------------
// The measured operations.

fn extend(ods: &DataSquare, codec: &mut Codec) -> ExtendedSquare {
    ods.extend_with(codec).expect("extends")
}

fn extend_roots(ods: &DataSquare, codec: &mut Codec) -> (ExtendedSquare, Hash32) {
    let eds = extend(ods, codec);
    let root = eds.dah().data_root();
    (eds, root)
}

/// The shares of quadrant `(q, q)`: Q0 for `q = 0`, Q3 for `q = 1`.
fn quarter(eds: &ExtendedSquare, q: usize) -> PartialSquare {
    let k = eds.k();
    PartialSquare::from_square(eds, move |r, c| r / k == q && c / k == q)
}

/// Times one call of `f` (ns); its result is dropped after the clock stops.
fn timed<T>(f: impl FnOnce() -> T) -> f64 {
    let started = Instant::now();
    let out = black_box(f());
    let ns = started.elapsed().as_secs_f64() * 1e9;
    drop(out);
    ns
}

/// Everything the benches and the report share, built and checked once.
struct Setup {
    ods: DataSquare,
    eds: ExtendedSquare,
    dah: Dah,
    data_root: Hash32,
    /// The extension's lines, original half given (raw codec).
    encode_lines: Vec<Vec<Vec<u8>>>,
    /// Repair from Q3's lines, parity half given (raw reconstruction).
    decode_lines: Vec<Vec<Vec<u8>>>,
    proof: ShareProof,
    path: Vec<[u8; 32]>,
    share: Vec<u8>,
}

fn setup() -> Setup {
    let ods = ods(K, 7);
    let eds = ods.extend().expect("extends");
    let dah = eds.dah();
    let data_root = dah.data_root();
    let w = 2 * K;

    // The raw codec reproduces the extension's parity, and so does the raw decoder from the
    // parity half, also on reused buffers.
    let mut encode_lines = gather(&eds, extension_cell, Given::Originals);
    let mut decode_lines = gather(&eds, q3_cell, Given::Parity);
    for _ in 0..2 {
        raw_codec(&mut encode_lines, K);
        raw_reconstruct(&mut decode_lines, K);
        for (lines, cell) in [(&encode_lines, extension_cell as fn(_, _, _) -> _), (&decode_lines, q3_cell)] {
            for (n, line) in lines.iter().enumerate() {
                for (p, shard) in line.iter().enumerate().take(w) {
                    let (r, c) = cell(K, n, p);
                    assert_eq!(Some(shard.as_slice()), eds.share(r, c), "line {n} share {p}");
                }
            }
        }
    }
    assert_eq!(&layout(&ods)[..K * SHARE], &eds.as_bytes()[..K * SHARE], "layout copies the original square");
    assert_eq!(RawHashing::new(w).data_root(eds.as_bytes()), data_root.0, "raw hashing gives the data root");

    let (r, c) = SAMPLE;
    let proof = eds.share_proof(r, c, Axis::Row).expect("inside");
    assert_eq!(proof.path.len(), w.trailing_zeros() as usize);
    let path: Vec<[u8; 32]> = proof.path.iter().map(|h| h.0).collect();
    let share = eds.share(r, c).expect("inside").to_vec();
    proof.verify(&dah, SHARE, r, c, &share).expect("the sample verifies");
    assert!(raw_verify(&share, c, &path, &dah.row_roots[r].0), "the raw path verifies");

    for q in [0, 1] {
        assert_eq!(quarter(&eds, q).repair(&dah).expect("repairs"), eds, "repair from Q{}", 3 * q);
    }
    Setup { ods, eds, dah, data_root, encode_lines, decode_lines, proof, path, share }
}

fn benches(c: &mut Criterion, s: &mut Setup) {
    let mut codec = Codec::new(K, SHARE).expect("a valid codec");
    let mut hashing = RawHashing::new(2 * K);

    let mut group = c.benchmark_group(GROUP);
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("raw_codec", |b| b.iter(|| raw_codec(&mut s.encode_lines, K)));
    group.bench_function("layout", |b| b.iter_with_large_drop(|| layout(&s.ods)));
    group.bench_function("extend", |b| b.iter_with_large_drop(|| extend(&s.ods, &mut codec)));
    let mut reused = s.eds.clone();
    group.bench_function("extend_reused", |b| {
        b.iter(|| s.ods.extend_into(&mut codec, &mut reused).expect("extends"));
    });
    group.bench_function("raw_hashing", |b| b.iter(|| hashing.data_root(s.eds.as_bytes())));
    group.bench_function("roots", |b| b.iter(|| s.eds.dah().data_root()));
    group.bench_function("extend_roots", |b| b.iter_with_large_drop(|| extend_roots(&s.ods, &mut codec)));
    group.bench_function("raw_reconstruct", |b| b.iter(|| raw_reconstruct(&mut s.decode_lines, K)));
    for q in [0, 1] {
        group.bench_function(format!("repair_q{}", 3 * q), |b| {
            b.iter_batched(|| quarter(&s.eds, q), |p| p.repair(&s.dah).expect("repairs"), BatchSize::PerIteration)
        });
    }
    group.finish();

    let mut group = c.benchmark_group(GROUP);
    group.sample_size(30).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    let (r, col) = SAMPLE;
    let root = s.dah.row_roots[r].0;
    group.bench_function("sample_verify", |b| {
        b.iter(|| s.proof.verify(black_box(&s.dah), SHARE, r, col, black_box(&s.share)).is_ok())
    });
    group.bench_function("sample_verify_floor", |b| {
        b.iter(|| raw_verify(black_box(&s.share), col, black_box(&s.path), &root))
    });
    group.finish();

    // GF(2^16), for information: the extension against its codec alone and its layout.
    let ods16 = ods(K16, 16);
    let mut codec16 = Codec::new(K16, SHARE).expect("a valid codec");
    let eds16 = extend(&ods16, &mut codec16);
    let lines16 = gather(&eds16, extension_cell, Given::Originals);
    let mut encoder = reed_solomon_simd::ReedSolomonEncoder::new(K16, K16, SHARE).expect("a valid encoder");
    for (n, line) in lines16.iter().enumerate() {
        encoder.reset(K16, K16, SHARE).expect("reset");
        for shard in &line[..K16] {
            encoder.add_original_shard(shard).expect("a shard");
        }
        for (p, parity) in encoder.encode().expect("encodes").recovery_iter().enumerate() {
            let (r, c) = extension_cell(K16, n, K16 + p);
            assert_eq!(Some(parity), eds16.share(r, c), "GF(2^16) line {n}");
        }
    }
    let mut group = c.benchmark_group(GROUP);
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("gf16_raw_codec", |b| {
        b.iter(|| {
            for line in &lines16 {
                encoder.reset(K16, K16, SHARE).expect("reset");
                for shard in &line[..K16] {
                    encoder.add_original_shard(shard).expect("a shard");
                }
                black_box(encoder.encode().expect("encodes").recovery_iter().count());
            }
        })
    });
    group.bench_function("gf16_layout", |b| b.iter_with_large_drop(|| layout(&ods16)));
    group.bench_function("gf16_extend", |b| b.iter_with_large_drop(|| extend(&ods16, &mut codec16)));
    group.finish();
}

/// One time per operation per interleaved round (ns).
struct Rounds {
    names: Vec<&'static str>,
    times: Vec<Vec<f64>>,
}

impl Rounds {
    /// Runs each of `ops` once per round, `rounds` times, rotating which goes first.
    fn measure(rounds: usize, ops: &mut [(&'static str, &mut dyn FnMut() -> f64)]) -> Rounds {
        for (_, op) in ops.iter_mut() {
            op();
        }
        let n = ops.len();
        let mut times = vec![vec![0.0; n]; rounds];
        for (round, row) in times.iter_mut().enumerate() {
            for j in 0..n {
                let i = (round + j) % n;
                row[i] = (ops[i].1)();
            }
        }
        Rounds { names: ops.iter().map(|(name, _)| *name).collect(), times }
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| *n == name)
    }

    fn median(&self, name: &str) -> Option<f64> {
        let i = self.index(name)?;
        Some(median(self.times.iter().map(|row| row[i]).collect()))
    }

    /// The per-round ratios `num / (den₁ + den₂ + …)`: median, least, greatest.
    fn ratio(&self, num: &str, den: &[&str]) -> Option<(f64, f64, f64)> {
        let n = self.index(num)?;
        let d: Vec<usize> = den.iter().map(|name| self.index(name)).collect::<Option<_>>()?;
        let mut ratios: Vec<f64> =
            self.times.iter().map(|row| row[n] / d.iter().map(|&i| row[i]).sum::<f64>()).collect();
        ratios.sort_by(f64::total_cmp);
        Some((ratios[ratios.len() / 2], ratios[0], ratios[ratios.len() - 1]))
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// The interleaved measurements: the square-sized operations and the sample verification.
struct Paired {
    squares: Rounds,
    verify: Rounds,
}

impl Paired {
    fn of(&self, name: &str) -> &Rounds {
        if name.starts_with("sample") { &self.verify } else { &self.squares }
    }
}

/// Every operation in interleaved rounds.
fn interleaved(s: &mut Setup) -> Paired {
    let mut codec = Codec::new(K, SHARE).expect("a valid codec");
    let mut codec2 = Codec::new(K, SHARE).expect("a valid codec");
    let mut codec3 = Codec::new(K, SHARE).expect("a valid codec");
    let mut reused = s.eds.clone();
    let mut hashing = RawHashing::new(2 * K);
    let Setup { ods, eds, dah, data_root, encode_lines, decode_lines, proof, path, share } = s;
    let (ods, eds, dah, data_root) = (&*ods, &*eds, &*dah, *data_root);
    let squares = Rounds::measure(
        ROUNDS,
        &mut [
            ("raw_codec", &mut || timed(|| raw_codec(encode_lines, K))),
            ("layout", &mut || timed(|| layout(ods))),
            ("extend", &mut || timed(|| extend(ods, &mut codec))),
            ("extend_reused", &mut || timed(|| ods.extend_into(&mut codec3, &mut reused).expect("extends"))),
            ("raw_hashing", &mut || timed(|| hashing.data_root(eds.as_bytes()))),
            ("extend_roots", &mut || {
                let started = Instant::now();
                let (eds, root) = extend_roots(ods, &mut codec2);
                let ns = started.elapsed().as_secs_f64() * 1e9;
                assert_eq!(root, data_root);
                drop(eds);
                ns
            }),
            ("raw_reconstruct", &mut || timed(|| raw_reconstruct(decode_lines, K))),
            ("repair_q0", &mut || {
                let partial = quarter(eds, 0);
                timed(|| partial.repair(dah).expect("repairs"))
            }),
            ("repair_q3", &mut || {
                let partial = quarter(eds, 1);
                timed(|| partial.repair(dah).expect("repairs"))
            }),
        ],
    );

    let (r, col) = SAMPLE;
    let root = dah.row_roots[r].0;
    let batch = |f: &dyn Fn() -> bool| timed(|| (0..VERIFY_BATCH).filter(|_| f()).count()) / f64::from(VERIFY_BATCH);
    let verify = Rounds::measure(
        VERIFY_ROUNDS,
        &mut [
            ("sample_verify", &mut || batch(&|| proof.verify(black_box(dah), SHARE, r, col, black_box(share)).is_ok())),
            ("sample_verify_floor", &mut || batch(&|| raw_verify(black_box(share), col, black_box(path), &root))),
        ],
    );
    Paired { squares, verify }
}

/// The tables: criterion's medians and the two interleaved measurements.
fn report(first: &Paired, second: &Paired) {
    let crit = |bench: &str| -> Option<f64> {
        let path = criterion_dir()?.join(filename_safe(GROUP)).join(filename_safe(bench)).join("new/estimates.json");
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
        json["median"]["point_estimate"].as_f64()
    };
    let show = |ns: Option<f64>| ns.map_or_else(|| "–".to_owned(), fmt_ns);

    println!(
        "\nk = {K}, {SHARE}-byte shares, GF(2^8). Interleaved: {ROUNDS} rounds of every operation, and \
         {VERIFY_ROUNDS} rounds of {VERIFY_BATCH} sample verifications each, measured twice: first before \
         criterion's groups, in a fresh heap, then after them, when the allocator may serve a new square from \
         memory freed earlier (already faulted in); compare the layout rows."
    );
    println!("\n| measurement | criterion median | interleaved median, first | interleaved median, second |");
    println!("|---|---|---|---|");
    let rows = [
        ("raw codec: 3k `leopard_codec::encode`", "raw_codec"),
        ("layout: a new 32 MiB square, Q0 copied in", "layout"),
        ("extend", "extend"),
        ("extend into a reused square", "extend_reused"),
        ("raw hashing: 4k² leaves, 4k(2k − 1) nodes, data root", "raw_hashing"),
        ("roots of a built square (`dah`, `data_root`)", "roots"),
        ("extend + roots", "extend_roots"),
        ("raw reconstruct: 3k `leopard_codec::reconstruct` from k shards", "raw_reconstruct"),
        ("repair from Q0", "repair_q0"),
        ("repair from Q3", "repair_q3"),
        ("sample verify (row proof, 8 path hashes)", "sample_verify"),
        ("sample verify floor (1 leaf + 8 node hashes)", "sample_verify_floor"),
    ];
    for (label, bench) in rows {
        println!(
            "| {label} | {} | {} | {} |",
            show(crit(bench)),
            show(first.of(bench).median(bench)),
            show(second.of(bench).median(bench))
        );
    }

    println!(
        "\n| ratio | target | ratio of criterion medians | interleaved, first: median (range) | \
         interleaved, second: median (range) | verdict |"
    );
    println!("|---|---|---|---|---|---|");
    let ratios: [(&str, &str, &[&str], Option<f64>); 13] = [
        ("extend into a reused square / raw codec", "extend_reused", &["raw_codec"], Some(1.2)),
        ("extend into fresh memory / raw codec", "extend", &["raw_codec"], None),
        ("extend / (raw codec + layout)", "extend", &["raw_codec", "layout"], None),
        ("extend + roots / (raw codec + raw hashing)", "extend_roots", &["raw_codec", "raw_hashing"], Some(1.2)),
        ("roots / raw hashing", "roots", &["raw_hashing"], None),
        ("sample verify / floor", "sample_verify", &["sample_verify_floor"], Some(1.5)),
        ("repair from Q0 / extend", "repair_q0", &["extend"], Some(3.0)),
        ("repair from Q3 / extend", "repair_q3", &["extend"], Some(3.0)),
        ("repair from Q0 / (extend + roots)", "repair_q0", &["extend_roots"], None),
        ("repair from Q3 / (extend + roots)", "repair_q3", &["extend_roots"], None),
        ("repair from Q0 / (raw codec + raw hashing)", "repair_q0", &["raw_codec", "raw_hashing"], None),
        ("repair from Q3 / (raw reconstruct + raw hashing)", "repair_q3", &["raw_reconstruct", "raw_hashing"], None),
        ("raw reconstruct / raw codec", "raw_reconstruct", &["raw_codec"], None),
    ];
    for (label, num, den, bound) in ratios {
        let by_medians = den.iter().map(|b| crit(b)).sum::<Option<f64>>().and_then(|d| Some(crit(num)? / d));
        let paired = [first, second].map(|p| p.of(num).ratio(num, den));
        // Pass only if all three measurements are within the bound, miss if none is.
        let figures: Vec<f64> = paired.iter().flatten().map(|(mid, _, _)| *mid).chain(by_medians).collect();
        let verdict = match bound {
            Some(b) if figures.iter().all(|&r| r <= b) => "pass",
            Some(b) if figures.iter().all(|&r| r > b) => "**miss**",
            Some(_) => "mixed",
            None => "",
        };
        let show_paired = |p: Option<(f64, f64, f64)>| {
            p.map_or_else(|| "–".to_owned(), |(mid, lo, hi)| format!("{mid:.3}x ({lo:.3}x–{hi:.3}x)"))
        };
        println!(
            "| {label} | {} | {} | {} | {} | {verdict} |",
            bound.map_or_else(|| "(information)".to_owned(), |b| format!("≤ {b}x")),
            by_medians.map_or_else(|| "–".to_owned(), |r| format!("{r:.3}x")),
            show_paired(paired[0]),
            show_paired(paired[1]),
        );
    }

    if let (Some(ext), Some(raw), Some(lay)) = (crit("gf16_extend"), crit("gf16_raw_codec"), crit("gf16_layout")) {
        println!(
            "\nGF(2^16), k = {K16} (a 128 MiB square), criterion medians: extend {}, raw reed-solomon-simd codec {}, \
             layout {}; extend / raw codec {:.3}x, extend / (raw codec + layout) {:.3}x",
            fmt_ns(ext),
            fmt_ns(raw),
            fmt_ns(lay),
            ext / raw,
            ext / (raw + lay)
        );
    }
}

fn main() {
    let mut s = setup();
    let first = interleaved(&mut s);
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, &mut s);
    c.final_summary();
    let second = interleaved(&mut s);
    report(&first, &second);
}
