#!/usr/bin/env python3
"""An example orsma conformance client for the VM suite, written from the spec alone.

This file was written from four documents and nothing else:

- docs/spec/vm.md              the VM (rules VM-x.y),
- docs/spec/encoding.md        integer encoding conventions,
- docs/spec/vectors.md         the case format and canonical scalars (VEC-x.y),
- docs/spec/client-protocol.md the JSON-RPC protocol (CP-x.y).

It exists to show that those documents are enough to build a client that
`orsma conformance` passes. It uses only the Python 3.11 standard library.

The refute suite (state commitments, step proofs, the dissection game) is in
orsma_refute.py next to this file, written from docs/spec/refutation.md,
docs/spec/encoding.md and docs/spec/vectors.md §6; `run` hands refute cases to it.
The das suite (extension, share proofs, repair, fraud proofs, sampling) is in
orsma_das.py, written from docs/spec/das.md, docs/spec/encoding.md and
docs/spec/vectors.md §7; `run` hands das cases to it.
The consensus suite (Tendermint, proposer rotation, evidence) is in orsma_consensus.py,
written from docs/spec/consensus.md, docs/spec/encoding.md and docs/spec/vectors.md §8,
with Ed25519 (RFC 8032 §5.1, CON-2.4's strict verification) in orsma_ed25519.py.

Usage:
    orsma_vm_client.py [--bug MNEMONIC]                          long-lived mode (CP-1)
    orsma_vm_client.py [--bug MNEMONIC] REQUEST_FILE RESPONSE_FILE  one-shot mode (CP-5)

`--bug MNEMONIC` is a testing aid for the harness itself: the named instruction
(e.g. `mul`, or `muli` for the immediate form only) writes its correct result
plus one (wrapping), so a conformance run must fail exactly the cases that
execute it. Without the flag the client is meant to be correct.

Design: the bytecode is decoded once, strictly (VM-4.1), into a list of tuples;
the interpreter loop dispatches on a small integer kind per tuple and never
looks at bytes again.
"""

import argparse
import json
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree when importing the module below
import orsma_refute  # noqa: E402 - the refute suite (refutation.md), in the file next to this one
# orsma_das (the das suite, das.md) is imported on the first das case: it builds the
# GF(2^16) tables at import, which a VM-only or one-shot run need not pay for.

PROTOCOL = "orsma-client/1"
CLIENT_INFO = {"name": "orsma-python-example", "version": "1.2.0"}

# --- Limits (VM-1) --------------------------------------------------------------

REG_COUNT = 4
STACK_LIMIT = 1024
MAX_PROGRAM_LEN = 1 << 20
MAX_MEMORY_CELLS = 1 << 24

MASK64 = (1 << 64) - 1
I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1
U64_MAX = MASK64
U32_MAX = (1 << 32) - 1
EXHAUSTED_HOST_CODE = U64_MAX  # VM-7.2


def s64(x):
    """Wrap an exact integer to i64 (keep the low 64 bits, two's complement)."""
    x &= MASK64
    return x - (1 << 64) if x >> 63 else x


# --- Binary operations (VM-3.1) ---------------------------------------------------


class DivisionByZero(Exception):
    """Raised by div/rem/divu/remu with a zero divisor; becomes a trap."""


def _div(a, b):
    if b == 0:
        raise DivisionByZero
    q = abs(a) // abs(b)  # truncate toward zero
    return s64(-q if (a < 0) != (b < 0) else q)  # MIN / -1 wraps to MIN


def _rem(a, b):
    if b == 0:
        raise DivisionByZero
    r = abs(a) % abs(b)  # sign of a; MIN rem -1 = 0
    return -r if a < 0 else r


def _divu(a, b):
    if b == 0:
        raise DivisionByZero
    return s64((a & MASK64) // (b & MASK64))


def _remu(a, b):
    if b == 0:
        raise DivisionByZero
    return s64((a & MASK64) % (b & MASK64))


# Shift amounts are read as unsigned and never reduced modulo 64 (VM-3.1 note).
def _shl(a, b):
    s = b & MASK64
    return 0 if s >= 64 else s64(a << s)


def _shr(a, b):
    s = b & MASK64
    return 0 if s >= 64 else s64((a & MASK64) >> s)


def _sar(a, b):
    s = b & MASK64
    if s >= 64:
        return -1 if a < 0 else 0
    return a >> s  # Python's >> on a negative int shifts the sign bit in


# k -> (mnemonic, gas, function); opcode 0x20 + k (register) / 0x40 + k (immediate).
BINOPS = [
    ("add", 1, lambda a, b: s64(a + b)),
    ("sub", 1, lambda a, b: s64(a - b)),
    ("mul", 3, lambda a, b: s64(a * b)),
    ("div", 5, _div),
    ("rem", 5, _rem),
    ("divu", 5, _divu),
    ("remu", 5, _remu),
    ("and", 1, lambda a, b: a & b),
    ("or", 1, lambda a, b: a | b),
    ("xor", 1, lambda a, b: a ^ b),
    ("shl", 1, _shl),
    ("shr", 1, _shr),
    ("sar", 1, _sar),
    ("eq", 1, lambda a, b: int(a == b)),
    ("ne", 1, lambda a, b: int(a != b)),
    ("lt", 1, lambda a, b: int(a < b)),
    ("ltu", 1, lambda a, b: int((a & MASK64) < (b & MASK64))),
    ("gt", 1, lambda a, b: int(a > b)),
    ("gtu", 1, lambda a, b: int((a & MASK64) > (b & MASK64))),
]

# c -> (mnemonic, condition); opcode 0x12 + c (VM-3.4).
BRANCHES = [
    ("beq", lambda a, b: a == b),
    ("bne", lambda a, b: a != b),
    ("blt", lambda a, b: a < b),
    ("bge", lambda a, b: a >= b),
    ("bltu", lambda a, b: (a & MASK64) < (b & MASK64)),
    ("bgeu", lambda a, b: (a & MASK64) >= (b & MASK64)),
]

UNARY = {  # opcode -> (mnemonic, function)
    0x05: ("mov", lambda a: a),
    0x06: ("not", lambda a: ~a),
    0x07: ("neg", lambda a: s64(-a)),  # neg of MIN is MIN
}

# Every mnemonic that writes a result, i.e. what --bug may name.
BUGGABLE = (
    {name for name, _, _ in BINOPS}
    | {name + "i" for name, _, _ in BINOPS}
    | {"li", "mov", "not", "neg", "pop", "load"}
)

# --- Decoded instruction kinds ---------------------------------------------------
# A decoded instruction is a tuple (kind, gas, x, y, z); the meaning of x, y, z
# depends on the kind and is given next to each constant.

K_BINR = 0  # x=rd, y=ra, z=(rb, fn)
K_BINI = 1  # x=rd, y=ra, z=(imm, fn)
K_LI = 2  # x=rd, y=imm
K_UNARY = 3  # x=rd, y=rs, z=fn
K_BRANCH = 4  # x=ra, y=rb, z=(t, cond)
K_JMP = 5  # x=t
K_JZ = 6  # x=rs, y=t
K_JNZ = 7  # x=rs, y=t
K_LOAD = 8  # x=rd, y=base, z=(offset, adj)
K_STORE = 9  # x=base, y=rs, z=offset
K_PUSH = 10  # x=rs
K_POP = 11  # x=rd, y=adj
K_CALL = 12  # x=t
K_RET = 13
K_CUSTOM = 14  # x=id
K_HALT = 15  # x=rs
K_REVERT = 16  # x=rs
K_NOP = 17
K_INVALID = 18


class DecodeError(Exception):
    """A VM-4.1 decoder error; args[0] is its catalogue code."""


def _plus_one(fn):
    return lambda *args: s64(fn(*args) + 1)


def decode(code, bug=None, spans=None):
    """Decode bytecode strictly (VM-4.1) into a list of instruction tuples.

    Errors are checked in the order the bytes are read, front to back, so the
    first error met is the one reported. If `spans` is a list, the (start, end)
    byte range of each instruction is appended to it (the refute suite hashes
    each instruction's encoding, refutation.md RF-2.3).
    """
    n = len(code)
    # bad_magic covers inputs shorter than four bytes too.
    if n < 4 or code[:4] != b"ORVM":
        raise DecodeError("bad_magic")
    if n < 5:
        raise DecodeError("unexpected_end")
    if code[4] != 0x01:
        raise DecodeError("unsupported_version")
    if n < 9:
        raise DecodeError("unexpected_end")
    count = int.from_bytes(code[5:9], "little")
    if count > MAX_PROGRAM_LEN:  # before any instruction is read
        raise DecodeError("too_many_instructions")

    pos = 9

    def reg():
        nonlocal pos
        if pos >= n:
            raise DecodeError("unexpected_end")
        r = code[pos]
        if r >= REG_COUNT:
            raise DecodeError("invalid_register")
        pos += 1
        return r

    def u32():
        nonlocal pos
        if pos + 4 > n:
            raise DecodeError("unexpected_end")
        v = int.from_bytes(code[pos:pos + 4], "little")
        pos += 4
        return v

    def i64():
        nonlocal pos
        if pos + 8 > n:
            raise DecodeError("unexpected_end")
        v = int.from_bytes(code[pos:pos + 8], "little", signed=True)
        pos += 8
        return v

    adj = {name: (1 if name == bug else 0) for name in ("li", "pop", "load")}
    prog = []
    for _ in range(count):
        if pos >= n:
            raise DecodeError("unexpected_end")
        if spans is not None and prog:
            spans.append((start, pos))
        start = pos
        op = code[pos]
        pos += 1
        if 0x20 <= op <= 0x32 or 0x40 <= op <= 0x52:
            name, gas, fn = BINOPS[op & 0x1F]
            if op >= 0x40:
                name += "i"
            if name == bug:
                fn = _plus_one(fn)
            rd, ra = reg(), reg()
            if op < 0x40:
                prog.append((K_BINR, gas, rd, ra, (reg(), fn)))
            else:
                prog.append((K_BINI, gas, rd, ra, (i64(), fn)))
        elif 0x12 <= op <= 0x17:
            ra, rb = reg(), reg()
            prog.append((K_BRANCH, 1, ra, rb, (u32(), BRANCHES[op - 0x12][1])))
        elif op == 0x00:
            prog.append((K_INVALID, 1, 0, 0, None))
        elif op == 0x01:
            prog.append((K_NOP, 1, 0, 0, None))
        elif op == 0x02:
            prog.append((K_HALT, 1, reg(), 0, None))
        elif op == 0x03:
            prog.append((K_REVERT, 1, reg(), 0, None))
        elif op == 0x04:
            rd = reg()
            prog.append((K_LI, 1, rd, s64(i64() + adj["li"]), None))
        elif op in UNARY:
            name, fn = UNARY[op]
            if name == bug:
                fn = _plus_one(fn)
            rd = reg()
            prog.append((K_UNARY, 1, rd, reg(), fn))
        elif op == 0x08:
            prog.append((K_PUSH, 2, reg(), 0, None))
        elif op == 0x09:
            prog.append((K_POP, 2, reg(), adj["pop"], None))
        elif op == 0x0A:
            prog.append((K_JMP, 1, u32(), 0, None))
        elif op == 0x0B or op == 0x0C:
            rs = reg()
            prog.append((K_JZ if op == 0x0B else K_JNZ, 1, rs, u32(), None))
        elif op == 0x0D:
            prog.append((K_CALL, 4, u32(), 0, None))
        elif op == 0x0E:
            prog.append((K_RET, 4, 0, 0, None))
        elif op == 0x0F:  # load rd, [base + offset]: rd, base, offset
            rd, base = reg(), reg()
            prog.append((K_LOAD, 3, rd, base, (i64(), adj["load"])))
        elif op == 0x10:  # store [base + offset], rs: base, rs, offset
            base, rs = reg(), reg()
            prog.append((K_STORE, 3, base, rs, i64()))
        elif op == 0x11:
            prog.append((K_CUSTOM, 10, u32(), 0, None))
        else:
            raise DecodeError("invalid_opcode")
    if pos != n:
        raise DecodeError("trailing_bytes")
    if spans is not None and prog:
        spans.append((start, pos))
    return prog


# --- The interpreter (VM-6) ------------------------------------------------------


def run_vm(prog, memory, gas_limit, script, trace):
    """Run a decoded program to its end.

    memory: (size, cells), where cells maps address -> value and an absent
    address holds 0; cells is modified in place. script: host answers,
    each ("ok", value, gas) or ("error", code). trace: a list to append VM-6.4
    entries to, or None.

    Returns (outcome, regs, ip, stack, gas_remaining, steps, host_calls), where
    outcome is a dict in the vectors.md §5.3 shape.
    """
    mem_size, mem = memory
    regs = [0, 0, 0, 0]
    ip = 0
    stack = []
    gas = gas_limit
    steps = 0
    host_calls = []
    n = len(prog)
    outcome = None

    while outcome is None:
        if trace is not None:
            # VM-6.4: the machine before every step, including a terminal one.
            trace.append((steps, ip, tuple(regs), len(stack), gas))
        steps += 1  # VM-6.1 step 1: counted even when the step traps
        if ip >= n:
            outcome = {"status": "trapped", "trap": "ip_out_of_bounds"}  # no gas charged
            break
        kind, cost, x, y, z = prog[ip]
        if cost > gas:  # VM-6.1 step 2, VM-5.3: out of gas uses all the gas
            gas = 0
            outcome = {"status": "trapped", "trap": "out_of_gas"}
            break
        gas -= cost

        # VM-6.2: every trap below breaks out before any register, ip, stack or
        # memory write; operands are read before the destination is written (VM-3.3).
        if kind == K_BINR:
            rb, fn = z
            try:
                regs[x] = fn(regs[y], regs[rb])
            except DivisionByZero:
                outcome = {"status": "trapped", "trap": "division_by_zero"}
                break
            ip += 1
        elif kind == K_BINI:
            imm, fn = z
            try:
                regs[x] = fn(regs[y], imm)
            except DivisionByZero:
                outcome = {"status": "trapped", "trap": "division_by_zero"}
                break
            ip += 1
        elif kind == K_LI:
            regs[x] = y
            ip += 1
        elif kind == K_BRANCH:
            t, cond = z
            ip = t if cond(regs[x], regs[y]) else ip + 1
        elif kind == K_JZ:
            ip = y if regs[x] == 0 else ip + 1
        elif kind == K_JNZ:
            ip = y if regs[x] != 0 else ip + 1
        elif kind == K_JMP:
            ip = x  # a target outside the program traps on the next step (VM-3.2)
        elif kind == K_UNARY:
            regs[x] = z(regs[y])
            ip += 1
        elif kind == K_LOAD:
            offset, adj = z
            a = (regs[y] + offset) & MASK64  # wrapping, read as unsigned
            if a >= mem_size:
                outcome = {"status": "trapped", "trap": "memory_out_of_bounds"}
                break
            v = mem.get(a, 0)
            regs[x] = s64(v + adj) if adj else v
            ip += 1
        elif kind == K_STORE:
            a = (regs[x] + z) & MASK64
            if a >= mem_size:
                outcome = {"status": "trapped", "trap": "memory_out_of_bounds"}
                break
            mem[a] = regs[y]
            ip += 1
        elif kind == K_PUSH:
            if len(stack) >= STACK_LIMIT:
                outcome = {"status": "trapped", "trap": "stack_overflow"}
                break
            stack.append(regs[x])
            ip += 1
        elif kind == K_POP:
            if not stack:
                outcome = {"status": "trapped", "trap": "stack_underflow"}
                break
            v = stack.pop()
            regs[x] = s64(v + y) if y else v
            ip += 1
        elif kind == K_CALL:
            if len(stack) >= STACK_LIMIT:
                outcome = {"status": "trapped", "trap": "stack_overflow"}
                break
            stack.append(ip + 1)
            ip = x
        elif kind == K_RET:
            if not stack:
                outcome = {"status": "trapped", "trap": "stack_underflow"}
                break
            ip = stack.pop() & MASK64  # the popped integer read as unsigned
        elif kind == K_CUSTOM:
            # VM-7.1 / VM-7.2: the n-th call gets the n-th scripted answer,
            # whatever its id and registers; an exhausted script answers error(2^64-1).
            host_calls.append((x, tuple(regs)))
            k = len(host_calls) - 1
            answer = script[k] if k < len(script) else ("error", EXHAUSTED_HOST_CODE)
            if answer[0] == "error":
                outcome = {"status": "trapped", "trap": "host_error", "host_code": answer[1]}
                break
            _, value, host_gas = answer
            if host_gas > gas:  # VM-7.1 step 3: r0 is not written
                gas = 0
                outcome = {"status": "trapped", "trap": "out_of_gas"}
                break
            gas -= host_gas
            regs[0] = value
            ip += 1
        elif kind == K_HALT:
            outcome = {"status": "halted", "value": regs[x]}  # ip unchanged (VM-6.2)
        elif kind == K_REVERT:
            outcome = {"status": "reverted", "value": regs[x]}
        elif kind == K_NOP:
            ip += 1
        elif kind == K_INVALID:
            outcome = {"status": "trapped", "trap": "invalid_instruction"}
        else:  # pragma: no cover - the decoder produces no other kind
            raise AssertionError(f"unknown instruction kind {kind}")

    return outcome, regs, ip, stack, gas, steps, host_calls


# --- Canonical scalars (VEC-2.1) -------------------------------------------------

_INT_RE = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_BYTES_RE = re.compile(r"0x(?:[0-9a-f]{2})*\Z")


class InvalidParams(Exception):
    """The params do not have the shape the protocol gives (-32602)."""


def parse_int(value, what, lo, hi):
    """Read a canonical decimal string (VEC-2.1) and check its range."""
    if not isinstance(value, str) or not _INT_RE.match(value) or value == "-0":
        raise InvalidParams(f"{what}: not a canonical decimal string: {value!r}")
    v = int(value)
    if not lo <= v <= hi:
        raise InvalidParams(f"{what}: {value} is out of range")
    return v


def parse_i64(value, what):
    return parse_int(value, what, I64_MIN, I64_MAX)


def parse_u64(value, what):
    return parse_int(value, what, 0, U64_MAX)


def parse_bytes(value, what):
    if not isinstance(value, str) or not _BYTES_RE.match(value):
        raise InvalidParams(f"{what}: not canonical 0x-prefixed lowercase hex")
    return bytes.fromhex(value[2:])


def expect(obj, kind, what):
    if not isinstance(obj, kind) or (kind is int and isinstance(obj, bool)):
        raise InvalidParams(f"{what}: expected {kind.__name__}")
    return obj


def dec(v):
    return str(v)  # Python's str of an int is the canonical decimal form


# --- The VM suite's run request (vectors.md §5, CP-3.2) --------------------------


def parse_config(config):
    # Unknown keys are ignored rather than refused: CP-7 lets a later v1 harness
    # add optional fields, and the harness never sends a malformed case.
    config = expect(config, dict, "case.config")
    program = expect(config.get("program"), dict, "case.config.program")
    # VEC-5.1: only the bytecode is run; asm and hash are not read.
    bytecode = parse_bytes(program.get("bytecode"), "case.config.program.bytecode")

    memory = expect(config.get("memory"), dict, "case.config.memory")
    size = parse_u64(memory.get("size"), "case.config.memory.size")
    if size > MAX_MEMORY_CELLS:  # VM-2.1, VEC-5.2
        raise InvalidParams(f"memory size {size} exceeds MAX_MEMORY_CELLS")
    init = {}
    last = -1
    for i, cell in enumerate(expect(memory.get("init", []), list, "case.config.memory.init")):
        where = f"case.config.memory.init[{i}]"
        if not isinstance(cell, list) or len(cell) != 2:
            raise InvalidParams(f"{where}: expected [address, value]")
        addr = parse_u64(cell[0], where)
        value = parse_i64(cell[1], where)
        # VEC-5.2: nonzero cells below size, by strictly increasing address.
        if addr >= size or addr <= last or value == 0:
            raise InvalidParams(f"{where}: not a nonzero cell below size in increasing order")
        init[addr] = value
        last = addr

    gas_limit = parse_u64(config.get("gas_limit"), "case.config.gas_limit")

    script = []
    for i, answer in enumerate(expect(config.get("host", []), list, "case.config.host")):
        where = f"case.config.host[{i}]"
        if not isinstance(answer, dict) or len(answer) != 1:
            raise InvalidParams(f"{where}: expected {{ok: ...}} or {{error: ...}}")
        if "ok" in answer:
            ok = expect(answer["ok"], dict, where + ".ok")
            script.append(("ok", parse_i64(ok.get("value"), where + ".ok.value"),
                           parse_u64(ok.get("gas"), where + ".ok.gas")))
        elif "error" in answer:
            err = expect(answer["error"], dict, where + ".error")
            script.append(("error", parse_u64(err.get("code"), where + ".error.code")))
        else:
            raise InvalidParams(f"{where}: expected ok or error")
    return bytecode, size, init, gas_limit, script


def run_case(params, bug):
    """Handle `run` (CP-3.2); returns the result object."""
    params = expect(params, dict, "params")
    case = expect(params.get("case"), dict, "params.case")
    trace_wanted = params.get("trace", False)
    if not isinstance(trace_wanted, bool):
        raise InvalidParams("params.trace: expected a boolean")
    suite = case.get("suite")
    if suite == "refute":
        # vectors.md §6: no steps, `trace` is always false, the result is just `post`.
        return orsma_refute.run_case(sys.modules[__name__], case)
    if suite == "das":
        # vectors.md §7: no steps, `trace` is always false, the result is just `post`.
        import orsma_das  # noqa: PLC0415 - in the file next to this one
        return orsma_das.run_case(sys.modules[__name__], case)
    if suite == "consensus":
        # vectors.md §8: no steps, `trace` is always false, the result is just `post`.
        import orsma_consensus  # noqa: PLC0415 - in the file next to this one
        return orsma_consensus.run_case(sys.modules[__name__], case)
    if suite != "vm":
        raise Unsupported(f"suite `{suite}` is not supported")
    bytecode, size, init, gas_limit, script = parse_config(case.get("config"))
    steps_in = expect(case.get("steps"), list, "case.steps")
    # vectors.md §5.2: a VM case has exactly one step, `run`.
    if len(steps_in) != 1 or not isinstance(steps_in[0], dict) or steps_in[0].get("input") != "run":
        raise InvalidParams("case.steps: a VM case has exactly one step, {\"input\": \"run\"}")

    try:
        prog = decode(bytecode, bug)
    except DecodeError as e:
        # VEC-5.4: a rejected program has only an outcome; nothing ran, so no
        # host calls and (CP-3.4) an empty trace.
        result = {"steps": [{"host_calls": []}],
                  "post": {"outcome": {"status": "rejected", "error": e.args[0]}}}
        if trace_wanted:
            result["trace"] = []
        return result

    trace = [] if trace_wanted else None
    mem = dict(init)
    outcome, regs, ip, stack, gas, steps, host_calls = run_vm(
        prog, (size, mem), gas_limit, script, trace)

    out = {"status": outcome["status"]}
    if "value" in outcome:
        out["value"] = dec(outcome["value"])
    if "trap" in outcome:
        out["trap"] = outcome["trap"]
        if outcome["trap"] == "host_error":  # host_code exactly for host_error
            out["host_code"] = dec(outcome["host_code"])

    # VEC-5.5: cells whose final value differs from the initial one, by address;
    # storing the value a cell already held is not a change.
    changes = [[dec(a), dec(v)] for a, v in sorted(mem.items()) if v != init.get(a, 0)]

    result = {
        "steps": [{"host_calls": [{"id": dec(i), "regs": [dec(r) for r in rs]}
                                  for i, rs in host_calls]}],
        "post": {
            "outcome": out,
            "regs": [dec(r) for r in regs],
            "ip": dec(ip),
            "stack": [dec(v) for v in stack],
            "memory_changes": changes,
            "gas_used": dec(gas_limit - gas),  # VM-2.2
            "steps": dec(steps),
        },
    }
    if trace is not None:
        # CP-3.4: the VM-6.4 tuple without the instruction, as decimal strings.
        result["trace"] = [
            {"step": dec(s), "ip": dec(i), "regs": [dec(r) for r in rs],
             "stack_depth": dec(d), "gas_remaining": dec(g)}
            for s, i, rs, d, g in trace
        ]
    return result


# --- JSON-RPC (client-protocol.md §2, §3) ----------------------------------------

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
UNSUPPORTED = -32000
FAILED = -32001


class Unsupported(Exception):
    """The client does not support this suite (-32000, a skip)."""


def log(msg):
    print(f"orsma_vm_client: {msg}", file=sys.stderr, flush=True)


def error_response(rid, code, message):
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}


def handle_line(line, bug):
    """Answer one request line; returns (response, shutdown_requested)."""
    try:
        req = json.loads(line)
    except (ValueError, UnicodeDecodeError) as e:
        return error_response(None, PARSE_ERROR, f"parse error: {e}"), False

    # CP-2: ids are integers. A request with another id is invalid, but a
    # string id is still echoed so the error can be matched to its request.
    rid = req.get("id") if isinstance(req, dict) else None
    if isinstance(rid, bool) or not isinstance(rid, (int, str)):
        rid = None
    if (not isinstance(req, dict) or req.get("jsonrpc") != "2.0" or not isinstance(rid, int)
            or not isinstance(req.get("method"), str)):
        return error_response(rid, INVALID_REQUEST, "not a JSON-RPC 2.0 request"), False

    method = req["method"]
    params = req.get("params")
    try:
        if method == "hello":
            params = expect(params, dict, "params")
            if params.get("protocol") != PROTOCOL:  # CP-3.1
                raise InvalidParams(f"protocol {params.get('protocol')!r} is not {PROTOCOL}")
            result = {"protocol": PROTOCOL, "client": CLIENT_INFO,
                      "suites": {"vm": ["*"], "refute": ["*"], "das": ["*"], "consensus": ["*"]},
                      "capabilities": ["trace"]}
            return {"jsonrpc": "2.0", "id": rid, "result": result}, False
        if method == "run":
            return {"jsonrpc": "2.0", "id": rid, "result": run_case(params, bug)}, False
        if method == "shutdown":  # no params (or null); anything else is ignored
            return {"jsonrpc": "2.0", "id": rid, "result": None}, True
        return error_response(rid, METHOD_NOT_FOUND, f"method `{method}` not found"), False
    except InvalidParams as e:
        return error_response(rid, INVALID_PARAMS, f"invalid params: {e}"), False
    except Unsupported as e:
        return error_response(rid, UNSUPPORTED, str(e)), False
    except Exception as e:  # never crash on one bad request
        log(f"request {rid} failed: {e!r}")
        return error_response(rid, FAILED, f"failed: {type(e).__name__}: {e}"), False


def encode(response):
    return json.dumps(response, separators=(",", ":")) + "\n"


def serve(bug):
    """Long-lived mode: one request per stdin line, one response per stdout line."""
    out = sys.stdout
    for raw in sys.stdin.buffer:
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            response, stop = error_response(None, PARSE_ERROR, f"not UTF-8: {e}"), False
        else:
            response, stop = handle_line(line, bug)
        out.write(encode(response))
        out.flush()  # CP-1.1
        if stop:
            return 0
    return 0  # end of input: exit


def oneshot(request_file, response_file, bug):
    """One-shot mode (CP-5): read one request, write one response, exit 0."""
    try:
        with open(request_file, "rb") as f:
            raw = f.read()
        response, _ = handle_line(raw.decode("utf-8"), bug)
    except (OSError, UnicodeDecodeError) as e:
        response = error_response(None, PARSE_ERROR, f"cannot read the request: {e}")
    with open(response_file, "w", encoding="utf-8") as f:
        f.write(encode(response))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bug", metavar="MNEMONIC",
                        help="testing aid: this instruction writes its correct result plus one")
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="REQUEST_FILE RESPONSE_FILE for one-shot mode")
    args = parser.parse_args(argv)
    if args.bug is not None:
        args.bug = args.bug.lower()
        if args.bug not in BUGGABLE:
            parser.error(f"--bug: {args.bug!r} is not an instruction that writes a result "
                         f"(one of {', '.join(sorted(BUGGABLE))})")
        log(f"deliberately wrong: `{args.bug}` answers its result plus one")
    if len(args.files) == 2:
        return oneshot(args.files[0], args.files[1], args.bug)
    if args.files:
        parser.error("give no files (long-lived mode) or REQUEST_FILE RESPONSE_FILE (one-shot)")
    return serve(args.bug)


if __name__ == "__main__":
    sys.exit(main())
