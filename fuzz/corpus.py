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
- vm_asm: each distinct `asm` text, and the example programs in impl/vm/programs;
- das_reconstruct: each das fraud_proof vector's header, share size and proof bytes, as the
  target's proof mode reads them (`03 <u16 len> <Borsh header> <share size / 8> <proof>`; see
  fuzz/fuzz_targets/das_reconstruct.rs): valid proofs and every kind of tampered one.

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
    dirs = {t: args.out / t for t in ("vector_parse", "vm_exec", "vm_asm", "vm_step_proof", "das_reconstruct")}
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
