#!/usr/bin/env python3
"""Fills fuzz/corpus/<target>/ with seeds drawn from the committed vectors.

    python3 fuzz/corpus.py [--vectors DIR] [--out DIR] [--no-json] [--force]

- vector_parse: every vector file as it is, plus its JSON export (made with
  `cargo run -p orsma-harness -- vectors export --format json`; skipped with --no-json or
  when that fails);
- vm_exec: for each distinct bytecode, `00 <len: u16 little-endian> <bytecode>` (the target's
  raw mode with default run parameters; see fuzz/fuzz_targets/vm_exec.rs);
- vm_step_proof: the same files as vm_exec (its raw mode reads them the same way, and proves
  step 0 of the run; see fuzz/fuzz_targets/vm_step_proof.rs);
- vm_asm: each distinct `asm` text, and the example programs in impl/vm/programs.

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
    args = parser.parse_args()

    index = json.loads((args.vectors / "index.json").read_text())
    dirs = {t: args.out / t for t in ("vector_parse", "vm_exec", "vm_asm", "vm_step_proof")}
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
