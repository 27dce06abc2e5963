# The everyday recipes. `just` lists them.

default:
    @just --list

# Run every test (unit, integration, property, snapshot) and the doc tests.
test *ARGS:
    cargo nextest run --workspace {{ARGS}}
    cargo test --workspace --doc --quiet

# Check formatting and lints, denying warnings (what CI runs).
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Format the code.
fmt:
    cargo fmt --all

# Run benchmarks; `just bench vm` runs only the VM interpreter benches, `just bench proof` the one-step proof
# benches, `just bench dispute` the dispute game benches, `just bench das` the data availability benches,
# `just bench consensus` the simulator's heights per second against its floor.
# Medians go to docs/performance.md by hand.
bench CRATE="":
    #!/usr/bin/env bash
    set -euo pipefail
    case "{{CRATE}}" in
      "") cargo bench --workspace ;;
      vm) cargo bench -p orsma-vm --bench interp ;;
      proof) cargo bench -p orsma-vm --bench proof ;;
      dispute) cargo bench -p orsma-rollup --bench dispute ;;
      das) cargo bench -p orsma-das --bench das ;;
      consensus) cargo bench -p orsma-sim --bench consensus ;;
      harness) cargo bench -p orsma-harness --bench conformance ;;
      *) cargo bench -p "orsma-{{CRATE}}" ;;
    esac

# Run the conformance suite (the main job); `just conformance --client "CMD"` checks another implementation.
conformance *ARGS:
    cargo run --release -q -p orsma-harness -- conformance {{ARGS}}

# Regenerate the vectors from the generators and features/ (on purpose: review the diff), then verify them.
vectors:
    cargo run --release -q -p orsma-harness -- vectors generate
    cargo run --release -q -p orsma-harness -- vectors verify

# Run a VM program: `just vm impl/vm/programs/fib.asm --memory 25 --trace`.
vm PROGRAM *ARGS:
    cargo run --release -q -p orsma-harness -- vm run {{PROGRAM}} {{ARGS}}

# Review changed insta snapshots (needs `cargo install cargo-insta`), or accept them all with INSTA_UPDATE=always.
snapshots:
    INSTA_UPDATE=always cargo nextest run --workspace
    git diff --stat -- '*.snap'

# Everything CI runs, as CI runs it, on a fresh clone of HEAD.
ci:
    #!/usr/bin/env bash
    set -euo pipefail
    d=$(mktemp -d)
    git clone -q . "$d"
    cd "$d" && CI=true bash .ci/run

# Before opening a pull request: format, lint, test.
pre-pr: fmt lint test

# Fill the git-ignored fuzz/corpus/<target>/ directories with seeds from the vectors (a no-op when up to date).
fuzz-corpus *ARGS:
    python3 fuzz/corpus.py {{ARGS}}

# Fuzz one target for SECONDS (needs nightly and `cargo install cargo-fuzz`): `just fuzz vm_exec 60`. The targets:
# vm_exec, vm_asm, vector_parse, vm_step_proof, das_reconstruct, consensus_schedule. See fuzz/README.md.
fuzz TARGET SECONDS="60" *ARGS: fuzz-corpus
    #!/usr/bin/env bash
    set -euo pipefail
    corpora=(fuzz/corpus/{{TARGET}})
    mkdir -p "${corpora[0]}"
    if [ -d fuzz/seeds/{{TARGET}} ]; then corpora+=(fuzz/seeds/{{TARGET}}); fi
    flags=(-max_total_time={{SECONDS}} -print_final_stats=1)
    if [ -f fuzz/dictionaries/{{TARGET}}.dict ]; then flags+=(-dict=fuzz/dictionaries/{{TARGET}}.dict); fi
    cargo +nightly fuzz run {{TARGET}} "${corpora[@]}" -- "${flags[@]}" {{ARGS}}
