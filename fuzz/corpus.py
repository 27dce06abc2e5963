#!/usr/bin/env python3
"""Fills fuzz/corpus/<target>/ with seeds drawn from the committed vectors.

    python3 fuzz/corpus.py [--vectors DIR] [--out DIR] [--no-json] [--force]
    python3 fuzz/corpus.py --seeds     # rewrite fuzz/seeds/consensus_schedule/

- vector_parse: every vector file as it is, plus its JSON export (made with
  `cargo run -p orsma-harness -- vectors export --format json`; skipped with --no-json or
  when that fails);
- vm_exec: for each distinct bytecode, `00 <len: u16 little-endian> <bytecode>` (the target's
  raw mode with default run parameters; see fuzz/fuzz_targets/vm_exec.rs);
- vm_step_proof: the same files as vm_exec (its raw mode reads them the same way, and proves
  step 0 of the run; see fuzz/fuzz_targets/vm_step_proof.rs);
- vm_asm: each distinct `asm` text, and the example programs in impl/vm/programs;
- das_reconstruct: each das fraud_proof vector's header, share size and proof bytes, as the
  target's proof mode reads them (`03 <u16 len> <Borsh header> <share size / 8> <proof>`; see
  fuzz/fuzz_targets/das_reconstruct.rs): valid proofs and every kind of tampered one.

consensus_schedule takes no vectors: its committed seeds in fuzz/seeds/consensus_schedule/ are
written by `--seeds` (deterministically, from the scenarios in SCHEDULE_SEEDS below, encoded as
the target reads them; see fuzz/fuzz_targets/consensus_schedule.rs), and its corpus directory
starts empty.

Files are named by the SHA-1 of their contents, as libFuzzer names its own, so reruns add
nothing twice and never delete what the fuzzer found. Only the Python standard library is
used: the vectors are read in their canonical YAML form (docs/spec/vectors.md), which puts
`bytecode: '0x…'` on one line and `asm` in a `|2` literal block.

Skipped (a fast no-op) when the vector tree's root hash is the one recorded by the last
complete run and every target's directory exists, unless --force.
"""

import argparse
import hashlib
import json
import pathlib
import re
import subprocess
import sys
import tempfile

BYTECODE = re.compile(r"^(\s*)bytecode: '0x([0-9a-f]*)'$")
ASM = re.compile(r"^(\s*)asm: \|2[-+]?$")
ASM_INLINE = re.compile(r"^\s*asm: '(.*)'$")


def program_fields(text):
    """The (bytecode, asm) of a vector in canonical YAML; asm is None when absent."""
    lines = text.split("\n")
    bytecode, asm = None, None
    for i, line in enumerate(lines):
        m = BYTECODE.match(line)
        if m and bytecode is None:
            bytecode = bytes.fromhex(m.group(2))
        m = ASM_INLINE.match(line)
        if m and asm is None:
            asm = m.group(1).replace("''", "'")
        m = ASM.match(line)
        if m and asm is None:
            # Block lines are indented two more than the key; the block ends at the first
            # non-empty line that is not.
            indent = " " * (len(m.group(1)) + 2)
            body = []
            for block_line in lines[i + 1:]:
                if block_line and not block_line.startswith(indent):
                    break
                body.append(block_line[len(indent):])
            while body and body[-1] == "":
                body.pop()
            asm = "\n".join(body) + "\n"
    return bytecode, asm


def proof_fields(text):
    """The `pre` and `proof` of a refute verify vector, as bytes (None when absent)."""
    fields = {}
    for line in text.splitlines():
        for key in ("pre", "proof"):
            prefix = f"  {key}: '0x"
            if line.startswith(prefix) and line.endswith("'"):
                fields[key] = bytes.fromhex(line[len(prefix):-1])
    return fields.get("pre"), fields.get("proof")


DAS_ROOTS = re.compile(r"^    (row|col)_roots: \[(.*)\]$", re.M)
DAS_SHARE_SIZE = re.compile(r"^  share_size: '(\d+)'$", re.M)
DAS_PROOF = re.compile(r"^  proof: '0x([0-9a-f]*)'$", re.M)


def das_proof_seed(text):
    """A das fraud_proof vector as das_reconstruct's proof mode reads it, or None."""
    roots = {axis: re.findall(r"'0x([0-9a-f]{64})'", body) for axis, body in DAS_ROOTS.findall(text)}
    size, proof = DAS_SHARE_SIZE.search(text), DAS_PROOF.search(text)
    if set(roots) != {"row", "col"} or size is None or proof is None:
        return None
    # The header in Borsh: each list as a u32 little-endian length, then the 32-byte roots.
    header = b"".join(len(roots[a]).to_bytes(4, "little") + bytes.fromhex("".join(roots[a])) for a in ("row", "col"))
    if len(header) > 0xFFFF:
        return None
    # The target verifies with 64-byte shares and with 8·selector bytes (0 meaning 64).
    share_size = int(size.group(1))
    selector = share_size // 8 if share_size % 8 == 0 and share_size // 8 <= 255 else 0
    return b"\x03" + len(header).to_bytes(2, "little") + header + bytes([selector]) + bytes.fromhex(proof.group(1))


# consensus_schedule: the ranges and tables of impl/sim/tests/it/scenario.rs (keep in step).
MAX_TIME = 30_000_000
SCHEDULE = {
    "VALIDATORS": (4, 10), "HEIGHTS": (2, 4), "POWER": (1, 30), "BEHAVIOUR_KIND": (0, 15),
    "CRASH_AT": (0, MAX_TIME), "DOWN_FOR": (0, MAX_TIME), "FAULTY_DELAY": (0, 1_000_000),
    "LATENCY": (0, 500_000), "CHORDS": (0, 2), "DEGREE": (1, 3), "REWIRE_EVERY": (200_000, 10_000_000),
    "PARTITIONS": (0, 3), "PARTITION_START": (0, MAX_TIME), "PARTITION_LEN": (0, MAX_TIME),
    "VALIDATE_DELAY": (0, 500_000), "TIMEOUT_MS": (10, 3_000), "TIMEOUT_DELTA_MS": (0, 1_000),
}
TABLES = {
    "FAULTY_DROP": [0.1, 0.3, 0.6, 1.0], "LINK_SPREAD": [0.0, 0.5, 0.95], "DROP": [0.0, 0.01, 0.1, 0.3, 0.5],
    "DUPLICATE": [0.0, 0.05, 0.2, 0.5], "REORDER": [0.0, 0.1, 0.3, 0.7],
    "MAX_DRIFT_PPM": [0, 100, 5_000, 50_000, 200_000], "GOSSIP_EVERY": [0, 200_000, 1_000_000, 3_000_000],
}
KINDS = {"dead": 1, "crash": 2, "faulty": 3, "ignores_lock": 4, "skips_validation": 5, "byzantine": 6,
         "bad_state": 7, "honest": 8}


class Unstructured:
    """Writes what arbitrary's Unstructured reads (arbitrary 1.x)."""

    def __init__(self):
        self.out = bytearray()

    def int_in_range(self, value, lo, hi):
        # The fewest bytes that cover hi - lo, big-endian; the reader takes lo + x mod (hi - lo + 1).
        assert lo <= value <= hi, (value, lo, hi)
        width = (hi - lo).bit_length()
        self.out += (value - lo).to_bytes((width + 7) // 8, "big")

    def range(self, name, value):
        self.int_in_range(value, *SCHEDULE[name])

    def choose(self, name, value):
        table = TABLES[name]
        self.int_in_range(table.index(value), 0, len(table) - 1)

    def flag(self, value):
        self.out.append(1 if value else 0)

    def le(self, value, size):
        self.out += value.to_bytes(size, "little")


def schedule_input(seed, nodes, heights=3, latency=("uniform", 20_000, 120_000), spread=0.5, drop=0.0,
                   duplicate=0.0, reorder=0.0, topology=("full",), rewire=None, fanout=None, partitions=(),
                   drift=0, pipelined=None, timeouts=((3000, 500), (1000, 500), (1000, 500)), gossip=1_000_000,
                   tape=0):
    """A consensus_schedule input, in the order the target reads it (its header comment).

    nodes: (power, kind, *params) with kind a KINDS key; crash takes (crash_at, down_for), faulty
    (drop, delay). latency: ("constant", c), ("uniform", min, max) or ("exponential", min, mean).
    topology: ("full",), ("ring", chords) or ("random", degree). partitions: (start, len, mask).
    tape: that many bytes of schedule tape (SHA-256 in counter mode over the seed).
    """
    u = Unstructured()
    u.le(seed, 8)
    u.range("VALIDATORS", len(nodes))
    u.range("HEIGHTS", heights)
    for power, kind, *params in nodes:
        u.range("POWER", power)
        u.range("BEHAVIOUR_KIND", KINDS[kind])
        if kind == "crash":
            u.range("CRASH_AT", params[0])
            u.range("DOWN_FOR", params[1])
        elif kind == "faulty":
            u.choose("FAULTY_DROP", params[0])
            u.range("FAULTY_DELAY", params[1])
    kind, *params = latency
    u.int_in_range(["constant", "uniform", "exponential"].index(kind), 0, 2)
    u.range("LATENCY", params[0])
    if kind != "constant":
        u.int_in_range(params[1], params[0], SCHEDULE["LATENCY"][1])
    u.choose("LINK_SPREAD", spread)
    u.choose("DROP", drop)
    u.choose("DUPLICATE", duplicate)
    u.choose("REORDER", reorder)
    kind, *params = topology
    u.int_in_range(["full", "ring", "random"].index(kind), 0, 2)
    if kind != "full":
        u.range("CHORDS" if kind == "ring" else "DEGREE", params[0])
    u.flag(rewire is not None)
    if rewire is not None:
        u.range("REWIRE_EVERY", rewire)
    u.flag(fanout is not None)
    if fanout is not None:
        u.int_in_range(fanout, 1, len(nodes) - 1)
    u.range("PARTITIONS", len(partitions))
    for start, length, mask in partitions:
        u.range("PARTITION_START", start)
        u.range("PARTITION_LEN", length)
        u.le(mask, 2)
    u.choose("MAX_DRIFT_PPM", drift)
    u.flag(pipelined is not None)
    if pipelined is not None:
        u.range("VALIDATE_DELAY", pipelined)
    for base, delta in timeouts:
        u.range("TIMEOUT_MS", base)
        u.range("TIMEOUT_DELTA_MS", delta)
    u.choose("GOSSIP_EVERY", gossip)
    block = 0
    while tape > 0:
        chunk = hashlib.sha256(b"orsma/fuzz/consensus_schedule" + seed.to_bytes(8, "little") + block.to_bytes(4, "little")).digest()
        u.out += chunk[:tape]
        tape -= min(tape, len(chunk))
        block += 1
    return bytes(u.out)


FAST = ((200, 50), (100, 50), (100, 50))
SCHEDULE_SEEDS = {
    # Four equal honest validators on the default network.
    "honest_4": schedule_input(1, [(10, "honest")] * 4, tape=256),
    # Two equivocating validators of seven (2/7 of the power), lossy and reordering, with the
    # network split 3/4 from 2 s to 8 s and short timeouts.
    "byzantine_7_partition": schedule_input(
        2, [(10, "honest")] * 5 + [(10, "byzantine")] * 2, drop=0.1, reorder=0.3,
        partitions=[(2_000_000, 6_000_000, 0b0000111)], timeouts=((500, 100), (300, 100), (300, 100)),
        tape=1024),
    # One validator that ignores its lock, heavy-tailed latency, reordering and duplicates,
    # timeouts shorter than the latency: many rounds, locks and re-proposals.
    "ignores_lock_4_fast": schedule_input(
        3, [(10, "honest")] * 3 + [(10, "ignores_lock")], heights=4, latency=("exponential", 5_000, 200_000),
        duplicate=0.2, reorder=0.7, timeouts=FAST, gossip=200_000, tape=2048),
    # Ten validators of every kind: dead, crash-restart, faulty, skips-validation, bad state
    # hash and Byzantine (9 + 8 + 7 = 24 of 100 deviating), gossip with fan-out 3 over a
    # rewired random graph, pipelined validation, drift and two partitions.
    "mixed_10": schedule_input(
        4, [(12, "honest"), (11, "honest"), (10, "dead"), (10, "crash", 1_000_000, 4_000_000),
            (10, "faulty", 0.3, 200_000), (9, "skips_validation"), (8, "bad_state"), (7, "byzantine"),
            (12, "honest"), (11, "honest")],
        latency=("uniform", 10_000, 300_000), drop=0.01, topology=("random", 2), rewire=2_000_000, fanout=3,
        partitions=[(3_000_000, 3_000_000, 0b0000011111), (9_000_000, 2_000_000, 0b1010101010)],
        drift=50_000, pipelined=50_000, tape=512),
    # Three validators that crash and restart at different times and a light Byzantine one.
    "crash_restart_4": schedule_input(
        5, [(10, "crash", 500_000, 2_000_000), (10, "crash", 1_500_000, 3_000_000),
            (10, "crash", 3_000_000, 500_000), (4, "byzantine")],
        heights=4, latency=("constant", 50_000), timeouts=FAST, gossip=200_000, tape=256),
    # An equivocating validator just under a third of the power (29 of 119), so it proposes
    # often, against slow, reordered honest ones.
    "byzantine_proposer_4": schedule_input(
        6, [(30, "honest"), (30, "honest"), (30, "honest"), (29, "byzantine")], heights=4,
        latency=("uniform", 0, 400_000), reorder=0.3, duplicate=0.05, timeouts=FAST, gossip=200_000,
        tape=2048),
}


def write(directory, data):
    """Writes data under its SHA-1; returns whether the file is new."""
    path = directory / hashlib.sha1(data).hexdigest()
    if path.exists():
        return False
    path.write_bytes(data)
    return True


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=pathlib.Path, default=root / "vectors")
    parser.add_argument("--out", type=pathlib.Path, default=root / "fuzz" / "corpus")
    parser.add_argument("--no-json", action="store_true", help="do not add the vectors' JSON exports")
    parser.add_argument("--force", action="store_true", help="rebuild even if the vectors have not changed")
    parser.add_argument("--seeds", action="store_true", help="rewrite fuzz/seeds/consensus_schedule/ and stop")
    args = parser.parse_args()

    if args.seeds:
        seeds = root / "fuzz" / "seeds" / "consensus_schedule"
        seeds.mkdir(parents=True, exist_ok=True)
        for name, data in SCHEDULE_SEEDS.items():
            (seeds / f"{name}.bin").write_bytes(data)
        print(f"{len(SCHEDULE_SEEDS)} seeds in {seeds}")
        return 0

    index = json.loads((args.vectors / "index.json").read_text())
    targets = ("vector_parse", "vm_exec", "vm_asm", "vm_step_proof", "das_reconstruct", "consensus_schedule")
    dirs = {t: args.out / t for t in targets}
    stamp = args.out / ".vectors-root-hash"
    wanted = index["root_hash"] + ("" if args.no_json else " +json")
    fresh = stamp.exists() and stamp.read_text() == wanted and all(d.is_dir() for d in dirs.values())
    if fresh and not args.force:
        print(f"corpus up to date with {args.vectors} ({index['root_hash'][:18]}…)")
        return 0

    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    added = dict.fromkeys(dirs, 0)

    for entry in index["cases"]:
        text = (args.vectors / entry["path"]).read_text()
        added["vector_parse"] += write(dirs["vector_parse"], text.encode())
        bytecode, asm = program_fields(text)
        if bytecode is None:
            # Refute verify cases carry a proof, not a program; every VM case has a program.
            if entry["path"].startswith("vm/"):
                print(f"warning: no bytecode line in {entry['path']}", file=sys.stderr)
        elif len(bytecode) <= 0xFFFF:
            seed = b"\x00" + len(bytecode).to_bytes(2, "little") + bytecode
            added["vm_exec"] += write(dirs["vm_exec"], seed)
            added["vm_step_proof"] += write(dirs["vm_step_proof"], seed)
        if asm is not None:
            added["vm_asm"] += write(dirs["vm_asm"], asm.encode())
        # A refute verify case's commitment and proof bytes, as vm_step_proof's proof mode
        # (first byte 3 mod 4) reads them: valid proofs and every kind of tampered one.
        pre, proof = proof_fields(text)
        if pre is not None and proof is not None and len(pre) == 32:
            added["vm_step_proof"] += write(dirs["vm_step_proof"], b"\x03" + pre + proof)
        if entry["path"].startswith("das/fraud_proof/"):
            seed = das_proof_seed(text)
            if seed is None:
                print(f"warning: no header, share size or proof in {entry['path']}", file=sys.stderr)
            else:
                added["das_reconstruct"] += write(dirs["das_reconstruct"], seed)
    # The hand-written example programs, with their comments and labels.
    for program in sorted((root / "impl" / "vm" / "programs").glob("*.asm")):
        added["vm_asm"] += write(dirs["vm_asm"], program.read_bytes())
    done = index["root_hash"]
    if not args.no_json:
        with tempfile.TemporaryDirectory() as export:
            command = ["cargo", "run", "-q", "-p", "orsma-harness", "--", "vectors", "export"]
            command += ["--dir", str(args.vectors), "--format", "json", "--out", export]
            if subprocess.run(command, cwd=root, stdout=subprocess.DEVNULL).returncode == 0:
                for path in sorted(pathlib.Path(export).rglob("*.json")):
                    if path.name != "index.json":
                        added["vector_parse"] += write(dirs["vector_parse"], path.read_bytes())
                done += " +json"
            else:
                print("warning: the JSON export failed; vector_parse gets the YAML files only", file=sys.stderr)

    stamp.write_text(done)
    summary = ", ".join(f"{t}: +{n} (now {sum(1 for _ in dirs[t].iterdir())})" for t, n in added.items())
    print(f"corpus from {len(index['cases'])} vectors in {args.out}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
