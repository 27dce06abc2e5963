"""The refute suite for the example client: state commitments, one-step proofs and the
dissection game, written from the specs alone.

Sources (and nothing else):

- docs/spec/encoding.md        Keccak-256, Borsh, the Merkle tree (ENC-5),
- docs/spec/refutation.md      the header (RF-2), the step (RF-3), proofs (RF-4), the game (DG-x, RF-5),
- docs/spec/vectors.md §6      the refute vectors and the players (VEC-6.x),
- docs/spec/client-protocol.md the `run` request and result for the refute suite (CP-3.2).

Standard library only. Python's hashlib has NIST SHA3-256, whose padding differs from the
Keccak-256 this spec uses, so Keccak-f[1600] is implemented here (it is the slow part: about
0.3 ms a permutation, so every root that can be cached is cached, see `Trace`).

The VM's instruction semantics (decoding, ALU) come from the client module, passed in as `vm`
(see `run_case`), so the two suites share one decoder and one ALU.
"""

import struct

# --- Keccak-256 (encoding.md §2) ---------------------------------------------------

_M = (1 << 64) - 1
_RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
# Rotation offsets r[x][y] of the rho step.
_ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61],
        [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]


def _gen_keccak_f():
    """Source of an unrolled Keccak-f[1600] over 25 local lanes (lane (x, y) is a{x+5y})."""
    a = lambda x, y: f"a{x + 5 * y}"  # noqa: E731
    lines = ["def keccak_f(s):",
             "    " + ", ".join(a(i % 5, i // 5) for i in range(25)) + " = s",
             "    for rc in RC:"]
    ind = "        "
    for x in range(5):  # theta
        lines.append(ind + f"c{x} = " + " ^ ".join(a(x, y) for y in range(5)))
    for x in range(5):
        r = f"c{(x + 1) % 5}"
        lines.append(ind + f"d{x} = c{(x - 1) % 5} ^ ((({r} << 1) | ({r} >> 63)) & M)")
    for x in range(5):  # rho and pi: B[y, 2x+3y] = rot(A[x, y], r[x][y])
        for y in range(5):
            nx, ny = y, (2 * x + 3 * y) % 5
            r = _ROT[x][y]
            if r == 0:
                lines.append(ind + f"b{nx + 5 * ny} = {a(x, y)} ^ d{x}")
            else:
                lines.append(ind + f"t = {a(x, y)} ^ d{x}")
                lines.append(ind + f"b{nx + 5 * ny} = ((t << {r}) | (t >> {64 - r})) & M")
    for y in range(5):  # chi, and iota on lane (0, 0)
        for x in range(5):
            e = f"b{x + 5 * y} ^ ((~b{(x + 1) % 5 + 5 * y}) & b{(x + 2) % 5 + 5 * y})"
            if x == 0 and y == 0:
                e = f"({e}) ^ rc"
            lines.append(ind + f"{a(x, y)} = {e}")
    lines.append("    return [" + ", ".join(a(i % 5, i // 5) for i in range(25)) + "]")
    return "\n".join(lines)


_ns = {"RC": _RC, "M": _M}
exec(_gen_keccak_f(), _ns)  # noqa: S102 - generated from the constants above
_keccak_f = _ns["keccak_f"]
_BLOCK = struct.Struct("<17Q")  # rate 1088 bits = 136 bytes = 17 lanes


def keccak256(data):
    """Keccak-256 as Ethereum uses it: rate 1088, pad10*1 with domain byte 0x01 (not SHA3's 0x06)."""
    data = bytes(data)
    pad = 136 - len(data) % 136
    data += b"\x81" if pad == 1 else b"\x01" + b"\x00" * (pad - 2) + b"\x80"
    s = [0] * 25
    for off in range(0, len(data), 136):
        block = _BLOCK.unpack_from(data, off)
        for i in range(17):
            s[i] ^= block[i]
        s = _keccak_f(s)
    return struct.pack("<4Q", s[0], s[1], s[2], s[3])


EMPTY_ROOT = keccak256(b"")

# --- Merkle trees (encoding.md §5) ---------------------------------------------------
# Leaf and node hashes are memoised: a tree is rebuilt from scratch whenever its root is
# needed, and only the nodes that changed since any earlier build cost a Keccak.

_leaf_memo = {}
_node_memo = {}


def leaf_hash(leaf):
    h = _leaf_memo.get(leaf)
    if h is None:
        h = _leaf_memo[leaf] = keccak256(b"\x00" + leaf)
    return h


def node_hash(left, right):
    key = left + right
    h = _node_memo.get(key)
    if h is None:
        h = _node_memo[key] = keccak256(b"\x01" + key)
    return h


def tree_levels(leaf_hashes):
    """All levels of MTH, leaves first: neighbours pair left to right, an unpaired last
    node moves up unchanged (ENC-5). The last level holds the root (none for no leaves)."""
    levels = [list(leaf_hashes)]
    while len(levels[-1]) > 1:
        cur = levels[-1]
        nxt = [node_hash(cur[i], cur[i + 1]) for i in range(0, len(cur) - 1, 2)]
        if len(cur) % 2:
            nxt.append(cur[-1])
        levels.append(nxt)
    return levels


def levels_root(levels):
    return levels[-1][0] if levels[0] else EMPTY_ROOT


def audit_path(levels, index):
    """PATH(index, D[0..n]) (ENC-5.1): siblings from the leaf up, skipping levels without one."""
    path = []
    for level in levels[:-1]:
        sib = index ^ 1
        if sib < len(level):
            path.append(level[sib])
        index >>= 1
    return path


def path_length(index, size):
    n, i, w = 0, index, size
    while w > 1:
        if i ^ 1 < w:
            n += 1
        i >>= 1
        w = (w + 1) // 2
    return n


def root_from_path(h, index, size, path):
    """ENC-5.2 without the final comparison: the root the path leads to, or None."""
    if index >= size or len(path) != path_length(index, size):
        return None
    fn, sn, r = index, size - 1, h
    for p in path:
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r


# The stack tree always has 1024 leaves, mostly zero: ZERO[l] is the root of an all-zero
# subtree of 2^l leaves, so only the occupied prefix of each level is hashed.
STACK_LEAVES = 1024
STACK_HEIGHT = 10


def le64(v):
    return (v & _M).to_bytes(8, "little")


ZERO = [leaf_hash(le64(0))]
for _ in range(STACK_HEIGHT):
    ZERO.append(node_hash(ZERO[-1], ZERO[-1]))
EMPTY_STACK_ROOT = ZERO[STACK_HEIGHT]


def stack_levels(stack):
    """The levels of the 1024-leaf stack tree, the zero suffix of each level filled with ZERO."""
    level = [leaf_hash(le64(v)) for v in stack]
    levels = []
    for height in range(STACK_HEIGHT + 1):
        width = STACK_LEAVES >> height
        levels.append(level + [ZERO[height]] * (width - len(level)))
        if height == STACK_HEIGHT:
            break
        if len(level) % 2:
            level = level + [ZERO[height]]
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return levels


def stack_root(stack):
    level = [leaf_hash(le64(v)) for v in stack]
    for height in range(STACK_HEIGHT):
        if not level:
            return ZERO[STACK_HEIGHT]
        if len(level) % 2:
            level.append(ZERO[height])
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def tape_leaf(entry):
    """RF-2.3: 0x00 ‖ LE64(value) ‖ LE64(gas) for ok, 0x01 ‖ LE64(code) for error."""
    if entry[0] == "ok":
        return b"\x00" + le64(entry[1]) + le64(entry[2])
    return b"\x01" + le64(entry[1])


# --- The state header (RF-2.1) ---------------------------------------------------------

STATE_DOMAIN = b"orsma/vm-state/v1"
HOST_DOMAIN = b"orsma/vm-host-call/v1"
LIE_DOMAIN = b"orsma/lie"
EXHAUSTED = _M
MAX_PROGRAM_LEN = 1 << 20
MAX_MEMORY_CELLS = 1 << 24
TRAPS = {"division_by_zero": 1, "stack_overflow": 2, "stack_underflow": 3, "ip_out_of_bounds": 4,
         "memory_out_of_bounds": 5, "out_of_gas": 6, "invalid_instruction": 7, "host_error": 8}
T_DIV0, T_OVERFLOW, T_UNDERFLOW, T_IP, T_MEM, T_GAS, T_INVALID, T_HOST = range(1, 9)

_HEADER = struct.Struct("<32sQ32sQQ32s4qQ32sQ32sQQQQBBQ")
HEADER_LEN = _HEADER.size
assert HEADER_LEN == 274

FIELDS = ("program_root", "program_len", "tape_root", "tape_len", "host_calls", "host_log",
          "regs", "ip", "stack_root", "stack_depth", "memory_root", "memory_len", "gas_limit",
          "gas_remaining", "steps", "status", "trap", "value")


class Header:
    """RF-2.1. Integers are Python ints: regs as i64, every other number as unsigned."""
    __slots__ = FIELDS

    def encode(self):
        return _HEADER.pack(self.program_root, self.program_len, self.tape_root, self.tape_len,
                            self.host_calls, self.host_log, *self.regs, self.ip, self.stack_root,
                            self.stack_depth, self.memory_root, self.memory_len, self.gas_limit,
                            self.gas_remaining, self.steps, self.status, self.trap, self.value)

    @classmethod
    def decode(cls, b):
        f = _HEADER.unpack(b)
        h = cls()
        (h.program_root, h.program_len, h.tape_root, h.tape_len, h.host_calls, h.host_log) = f[:6]
        h.regs = list(f[6:10])
        (h.ip, h.stack_root, h.stack_depth, h.memory_root, h.memory_len, h.gas_limit,
         h.gas_remaining, h.steps, h.status, h.trap, h.value) = f[10:]
        return h

    def valid(self):
        """RF-2.2."""
        if (self.program_len > MAX_PROGRAM_LEN or self.memory_len > MAX_MEMORY_CELLS
                or self.stack_depth > STACK_LEAVES or self.status > 3):
            return False
        if self.status == 0:
            return self.trap == 0 and self.value == 0
        if self.status in (1, 2):
            return self.trap == 0
        return 1 <= self.trap <= 8 and (self.trap == 8 or self.value == 0)


_commit_memo = {}


def commit_bytes(header_bytes):
    c = _commit_memo.get(header_bytes)
    if c is None:
        c = _commit_memo[header_bytes] = keccak256(STATE_DOMAIN + header_bytes)
    return c


def host_log_next(log, call_id, regs):
    """RF-2.4, with the registers as they were before the step."""
    return keccak256(HOST_DOMAIN + log + struct.pack("<I4q", call_id, *regs))


# --- Errors ------------------------------------------------------------------------------


class Reject(Exception):
    """A verify_step rejection; args[0] is its RF-4.4 code."""


# --- The program of a case: decoded once, its trees built once -------------------------


class Program:
    def __init__(self, vm, bytecode, script):
        self.vm = vm
        spans = []
        self.instrs = vm.decode(bytecode, None, spans)  # vectors.md §6: the bytecode decodes
        self.encodings = [bytecode[a:b] for a, b in spans]
        self.program_levels = tree_levels([leaf_hash(e) for e in self.encodings])
        self.program_root = levels_root(self.program_levels)
        self.tape = script
        self.tape_leaves = [tape_leaf(e) for e in script]
        self.tape_levels = tree_levels([leaf_hash(t) for t in self.tape_leaves])
        self.tape_root = levels_root(self.tape_levels)


# --- The full machine state, and a step over it (RF-3.1 with the arrays at hand) ---------


class State:
    __slots__ = ("regs", "ip", "stack", "mem", "gas_limit", "gas", "steps", "status", "trap",
                 "value", "host_calls", "host_log")

    def copy(self):
        s = State()
        s.regs = list(self.regs)
        s.ip, s.stack, s.mem = self.ip, list(self.stack), list(self.mem)
        s.gas_limit, s.gas, s.steps = self.gas_limit, self.gas, self.steps
        s.status, s.trap, s.value = self.status, self.trap, self.value
        s.host_calls, s.host_log = self.host_calls, self.host_log
        return s


def initial_state(mem, gas_limit):
    """RF-2.5."""
    s = State()
    s.regs, s.ip, s.stack, s.mem = [0, 0, 0, 0], 0, [], list(mem)
    s.gas_limit = s.gas = gas_limit
    s.steps, s.status, s.trap, s.value = 0, 0, 0, 0
    s.host_calls, s.host_log = 0, bytes(32)
    return s


def advance(prog, s, n):
    """Run up to n steps of RF-3.1 on the full state s, in place; stops early when the run
    ends (a step of an ended run changes nothing). Returns the number of steps taken."""
    vm = prog.vm
    instrs, tape = prog.instrs, prog.tape
    nprog = len(instrs)
    regs, stack, mem = s.regs, s.stack, s.mem
    mem_len = len(mem)
    ip, gas = s.ip, s.gas
    K_BINR, K_BINI, K_LI, K_UNARY, K_BRANCH = vm.K_BINR, vm.K_BINI, vm.K_LI, vm.K_UNARY, vm.K_BRANCH
    K_JMP, K_JZ, K_JNZ, K_LOAD, K_STORE = vm.K_JMP, vm.K_JZ, vm.K_JNZ, vm.K_LOAD, vm.K_STORE
    K_PUSH, K_POP, K_CALL, K_RET, K_CUSTOM = vm.K_PUSH, vm.K_POP, vm.K_CALL, vm.K_RET, vm.K_CUSTOM
    K_HALT, K_REVERT, K_NOP = vm.K_HALT, vm.K_REVERT, vm.K_NOP
    DivisionByZero = vm.DivisionByZero
    taken = 0
    status, trap, value = s.status, s.trap, s.value
    while taken < n and status == 0:
        taken += 1
        s.steps = (s.steps + 1) & _M
        if ip >= nprog:
            status, trap = 3, T_IP
            break
        kind, cost, x, y, z = instrs[ip]
        if cost > gas:
            gas, status, trap = 0, 3, T_GAS
            break
        gas -= cost
        if kind == K_BINR or kind == K_BINI:
            b, fn = z
            try:
                regs[x] = fn(regs[y], regs[b] if kind == K_BINR else b)
            except DivisionByZero:
                status, trap = 3, T_DIV0
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
            ip = x
        elif kind == K_UNARY:
            regs[x] = z(regs[y])
            ip += 1
        elif kind == K_LOAD:
            a = (regs[y] + z[0]) & _M
            if a >= mem_len:
                status, trap = 3, T_MEM
                break
            regs[x] = mem[a]
            ip += 1
        elif kind == K_STORE:
            a = (regs[x] + z) & _M
            if a >= mem_len:
                status, trap = 3, T_MEM
                break
            mem[a] = regs[y]
            ip += 1
        elif kind == K_PUSH or kind == K_CALL:
            if len(stack) >= STACK_LEAVES:
                status, trap = 3, T_OVERFLOW
                break
            if kind == K_PUSH:
                stack.append(regs[x])
                ip += 1
            else:
                stack.append(ip + 1)
                ip = x
        elif kind == K_POP or kind == K_RET:
            if not stack:
                status, trap = 3, T_UNDERFLOW
                break
            v = stack.pop()
            if kind == K_POP:
                regs[x] = v
                ip += 1
            else:
                ip = v & _M
        elif kind == K_CUSTOM:
            k = s.host_calls
            answer = tape[k] if k < len(tape) else ("error", EXHAUSTED)
            s.host_log = host_log_next(s.host_log, x, regs)
            s.host_calls = (k + 1) & _M
            if answer[0] == "error":
                status, trap, value = 3, T_HOST, answer[1]
                break
            if answer[2] > gas:
                gas, status, trap = 0, 3, T_GAS
                break
            gas -= answer[2]
            regs[0] = answer[1]
            ip += 1
        elif kind == K_HALT or kind == K_REVERT:
            status, value = (1 if kind == K_HALT else 2), regs[x] & _M
        elif kind == K_NOP:
            ip += 1
        else:  # invalid
            status, trap = 3, T_INVALID
    s.ip, s.gas, s.status, s.trap, s.value = ip, gas, status, trap, value
    return taken


def header_of(prog, s):
    h = Header()
    h.program_root, h.program_len = prog.program_root, len(prog.instrs)
    h.tape_root, h.tape_len = prog.tape_root, len(prog.tape)
    h.host_calls, h.host_log = s.host_calls, s.host_log
    h.regs, h.ip = list(s.regs), s.ip
    h.stack_root, h.stack_depth = stack_root(s.stack), len(s.stack)
    h.memory_root = levels_root(tree_levels([leaf_hash(le64(v)) for v in s.mem]))
    h.memory_len = len(s.mem)
    h.gas_limit, h.gas_remaining, h.steps = s.gas_limit, s.gas, s.steps
    h.status, h.trap, h.value = s.status, s.trap, s.value
    return h


# --- One step over a header, through witnesses (RF-3.1, RF-4.3) --------------------------


def step_header(vm, h, w):
    """RF-3.1 on header h (in place); every array access goes through the witness source w,
    so the same code proves (w = Prover) and verifies (w = Verifier)."""
    if h.status != 0:
        return
    h.steps = (h.steps + 1) & _M

    def trap(k, value=0):
        h.status, h.trap, h.value = 3, k, value

    if h.ip >= h.program_len:
        return trap(T_IP)
    ins = w.instr(h)
    kind, cost, x, y, z = ins
    if cost > h.gas_remaining:
        h.gas_remaining = 0
        return trap(T_GAS)
    h.gas_remaining -= cost
    regs = h.regs
    if kind == vm.K_BINR or kind == vm.K_BINI:
        b, fn = z
        try:
            r = fn(regs[y], regs[b] if kind == vm.K_BINR else b)
        except vm.DivisionByZero:
            return trap(T_DIV0)
        regs[x] = r
        h.ip += 1
    elif kind == vm.K_LI:
        regs[x] = y
        h.ip += 1
    elif kind == vm.K_UNARY:
        regs[x] = z(regs[y])
        h.ip += 1
    elif kind == vm.K_BRANCH:
        t, cond = z
        h.ip = t if cond(regs[x], regs[y]) else h.ip + 1
    elif kind == vm.K_JZ:
        h.ip = y if regs[x] == 0 else h.ip + 1
    elif kind == vm.K_JNZ:
        h.ip = y if regs[x] != 0 else h.ip + 1
    elif kind == vm.K_JMP:
        h.ip = x
    elif kind == vm.K_PUSH or kind == vm.K_CALL:
        if h.stack_depth == STACK_LEAVES:
            return trap(T_OVERFLOW)
        v = regs[x] if kind == vm.K_PUSH else h.ip + 1
        old = w.cell(h, "stack", h.stack_depth, v)
        if old != 0:
            raise Reject("dirty_stack_slot")
        h.stack_depth += 1
        h.ip = h.ip + 1 if kind == vm.K_PUSH else x
    elif kind == vm.K_POP or kind == vm.K_RET:
        if h.stack_depth == 0:
            return trap(T_UNDERFLOW)
        v = w.cell(h, "stack", h.stack_depth - 1, 0)
        h.stack_depth -= 1
        if kind == vm.K_POP:
            regs[x] = v
            h.ip += 1
        else:
            h.ip = v & _M
    elif kind == vm.K_LOAD:
        a = (regs[y] + z[0]) & _M
        if a >= h.memory_len:
            return trap(T_MEM)
        regs[x] = w.cell(h, "memory", a, None)
        h.ip += 1
    elif kind == vm.K_STORE:
        a = (regs[x] + z) & _M
        if a >= h.memory_len:
            return trap(T_MEM)
        w.cell(h, "memory", a, regs[y])
        h.ip += 1
    elif kind == vm.K_CUSTOM:
        if h.host_calls < h.tape_len:
            answer = w.answer(h)
        else:
            answer = ("error", EXHAUSTED)
        h.host_log = host_log_next(h.host_log, x, regs)
        h.host_calls = (h.host_calls + 1) & _M
        if answer[0] == "error":
            return trap(T_HOST, answer[1])
        if answer[2] > h.gas_remaining:
            h.gas_remaining = 0
            return trap(T_GAS)
        h.gas_remaining -= answer[2]
        regs[0] = answer[1]
        h.ip += 1
    elif kind == vm.K_HALT or kind == vm.K_REVERT:
        h.status, h.value = (1 if kind == vm.K_HALT else 2), regs[x] & _M
    elif kind == vm.K_NOP:
        h.ip += 1
    else:
        return trap(T_INVALID)


class Verifier:
    """Witnesses taken from a decoded proof and checked against the header (RF-4.3 step 3)."""

    def __init__(self, vm, proof):
        self.vm = vm
        self.instr_w, self.cell_w, self.answer_w = proof[1], proof[2], proof[3]
        self.used = [False, False, False]

    def instr(self, h):
        if self.instr_w is None:
            raise Reject("missing_witness")
        self.used[0] = True
        enc, path = self.instr_w
        if root_from_path(leaf_hash(enc), h.ip, h.program_len, path) != h.program_root:
            raise Reject("bad_path")
        try:  # the bytes alone as a one-instruction program: exactly one instruction, no trailing bytes
            prog = self.vm.decode(b"ORVM\x01\x01\x00\x00\x00" + enc, None)
        except self.vm.DecodeError:
            raise Reject("bad_instruction") from None
        return prog[0]

    def cell(self, h, tree, index, new):
        if self.cell_w is None:
            raise Reject("missing_witness")
        self.used[1] = True
        value, path = self.cell_w
        if tree == "stack":
            root, size = h.stack_root, STACK_LEAVES
        else:
            root, size = h.memory_root, h.memory_len
        if root_from_path(leaf_hash(le64(value)), index, size, path) != root:
            raise Reject("bad_path")
        if new is not None:  # a write: the same path with the new leaf (RF-3.1)
            new_root = root_from_path(leaf_hash(le64(new)), index, size, path)
            if tree == "stack":
                h.stack_root = new_root
            else:
                h.memory_root = new_root
        return value

    def answer(self, h):
        if self.answer_w is None:
            raise Reject("missing_witness")
        self.used[2] = True
        entry, path = self.answer_w
        if root_from_path(leaf_hash(tape_leaf(entry)), h.host_calls, h.tape_len, path) != h.tape_root:
            raise Reject("bad_path")
        return entry


class Prover:
    """Witnesses taken from the full state; records what the step reads (RF-4.1)."""

    def __init__(self, prog, s):
        self.prog, self.s = prog, s
        self.instr_w = self.cell_w = self.answer_w = None

    def instr(self, h):
        p = self.prog
        self.instr_w = (p.encodings[h.ip], audit_path(p.program_levels, h.ip))
        return p.instrs[h.ip]

    def cell(self, h, tree, index, new):
        s = self.s
        if tree == "stack":
            levels = stack_levels(s.stack)
            value = s.stack[index] if index < len(s.stack) else 0
        else:
            levels = tree_levels([leaf_hash(le64(v)) for v in s.mem])
            value = s.mem[index]
        path = audit_path(levels, index)
        self.cell_w = (value, path)
        if new is not None:
            size = STACK_LEAVES if tree == "stack" else len(s.mem)
            new_root = root_from_path(leaf_hash(le64(new)), index, size, path)
            if tree == "stack":
                h.stack_root = new_root
            else:
                h.memory_root = new_root
        return value

    def answer(self, h):
        p = self.prog
        k = h.host_calls
        self.answer_w = (p.tape[k], audit_path(p.tape_levels, k))
        return p.tape[k]


# --- Proof encoding (RF-4.2) ----------------------------------------------------------------


def encode_proof(header_bytes, instr_w, cell_w, answer_w):
    out = [header_bytes]

    def path_bytes(path):
        return struct.pack("<I", len(path)) + b"".join(path)

    if instr_w is None:
        out.append(b"\x00")
    else:
        enc, path = instr_w
        out += [b"\x01", struct.pack("<I", len(enc)), enc, path_bytes(path)]
    if cell_w is None:
        out.append(b"\x00")
    else:
        out += [b"\x01", struct.pack("<q", cell_w[0]), path_bytes(cell_w[1])]
    if answer_w is None:
        out.append(b"\x00")
    else:
        out += [b"\x01", tape_leaf(answer_w[0]), path_bytes(answer_w[1])]
    return b"".join(out)


def decode_proof(b):
    """RF-4.2; raises Reject('decode') on truncation, bad tags or trailing bytes."""
    pos = 0
    n = len(b)

    def take(k):
        nonlocal pos
        if pos + k > n:
            raise Reject("decode")
        chunk = b[pos:pos + k]
        pos += k
        return chunk

    def u32():
        return struct.unpack("<I", take(4))[0]

    def u64():
        return struct.unpack("<Q", take(8))[0]

    def i64():
        return struct.unpack("<q", take(8))[0]

    def option():
        tag = take(1)[0]
        if tag > 1:
            raise Reject("decode")
        return tag == 1

    def path():
        count = u32()
        if count * 32 > n - pos:
            raise Reject("decode")
        return [take(32) for _ in range(count)]

    header = take(HEADER_LEN)
    instr_w = cell_w = answer_w = None
    if option():
        instr_w = (take(u32()), path())
    if option():
        cell_w = (i64(), path())
    if option():
        tag = take(1)[0]
        if tag == 0:
            entry = ("ok", i64(), u64())
        elif tag == 1:
            entry = ("error", u64())
        else:
            raise Reject("decode")
        answer_w = (entry, path())
    if pos != n:
        raise Reject("decode")
    return header, instr_w, cell_w, answer_w


def verify_step(vm, pre, proof_bytes):
    """RF-4.3: the post-state commitment, or raises Reject(code)."""
    proof = decode_proof(proof_bytes)
    header_bytes = proof[0]
    if commit_bytes(header_bytes) != pre:
        raise Reject("pre_state_mismatch")
    h = Header.decode(header_bytes)
    if not h.valid():
        raise Reject("invalid_state")
    w = Verifier(vm, proof)
    step_header(vm, h, w)
    for present, used in zip((w.instr_w, w.cell_w, w.answer_w), w.used):
        if present is not None and not used:
            raise Reject("unused_witness")
    return commit_bytes(h.encode())


# --- A trace: C_n for any n, replayed from snapshots (RF-5.2) ------------------------------

INTERVAL = 256


class Trace:
    def __init__(self, prog, mem, gas_limit):
        self.prog = prog
        self.snapshots = {0: initial_state(mem, gas_limit)}
        self.frontier = self.snapshots[0].copy()  # the state after frontier_n steps
        self.frontier_n = 0
        self.end = None  # the run's length once it has ended
        self.commitments = {}

    def state_at(self, n):
        """A fresh copy of the state after min(n, run length) steps."""
        if self.end is not None and n > self.end:
            n = self.end
        while self.frontier_n < n and self.end is None:
            target = min(n, (self.frontier_n // INTERVAL + 1) * INTERVAL)
            taken = advance(self.prog, self.frontier, target - self.frontier_n)
            self.frontier_n += taken
            if self.frontier.status != 0:
                self.end = self.frontier_n
            if self.frontier_n % INTERVAL == 0 and self.frontier_n not in self.snapshots:
                self.snapshots[self.frontier_n] = self.frontier.copy()
        if n >= self.frontier_n:
            return self.frontier.copy()
        base = (n // INTERVAL) * INTERVAL
        s = self.snapshots[base].copy()
        advance(self.prog, s, n - base)
        return s

    def header(self, n):
        return header_of(self.prog, self.state_at(n))

    def commitment(self, n):
        if self.end is not None and n > self.end:
            n = self.end
        c = self.commitments.get(n)
        if c is None:
            c = self.commitments[n] = commit_bytes(self.header(n).encode())
        return c

    def prove(self, n):
        """The canonical proof of step n (from the state after n steps), RF-4.1/4.2."""
        s = self.state_at(n)
        h = header_of(self.prog, s)
        header_bytes = h.encode()
        p = Prover(self.prog, s)
        step_header(self.prog.vm, h, p)
        return encode_proof(header_bytes, p.instr_w, p.cell_w, p.answer_w)


# --- The dissection game (DG-1 .. DG-11) and the test players (RF-5.3, VEC-6.2) ------------


def splitmix64(state):
    """One draw: returns (new_state, output)."""
    state = (state + 0x9E3779B97F4A7C15) & _M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M
    return state, z ^ (z >> 31)


class Defender:
    def __init__(self, trace, lies_from):
        self.trace = trace
        self.lies_from = None if lies_from is None else max(lies_from, 1)  # j = 0 acts as 1

    def at(self, n):
        c = self.trace.commitment(n)
        if self.lies_from is not None and n >= self.lies_from:
            return keccak256(LIE_DOMAIN + c)
        return c


class Challenger:
    def __init__(self, trace, pick):
        self.trace = trace
        self.pick = pick  # "honest", "first", "last" or ("seed", state)

    def choose(self, bounds, points, post):
        """A segment index, or None to stay silent."""
        m = len(bounds) - 1
        if self.pick == "honest":
            for j in range(m):
                theirs = points[j] if j + 1 < m else post
                if theirs != self.trace.commitment(bounds[j + 1]):
                    return j
            return None
        if self.pick == "first":
            return 0
        if self.pick == "last":
            return m - 1
        state, z = splitmix64(self.pick[1])
        self.pick = ("seed", state)
        return z % m


def play(trace, k, n_steps, defender, challenger, vm):
    """DG-1..DG-11 with both players, each move one tick after the previous (VEC-6.3); only
    a silent party times out. Returns the vectors.md §6.3 post."""
    prestate = trace.commitment(0)
    claim = defender.at(n_steps)
    lo, hi, pre, post = 0, n_steps, prestate, claim
    transcript, rounds, nbytes = [], 0, 0
    while True:
        d = hi - lo
        if d >= 2:
            m = min(k, d)
            bounds = [lo + (j * d) // m for j in range(m + 1)]
            points = [defender.at(b) for b in bounds[1:m]]
            transcript.append({"dissect": {"lo": str(lo), "hi": str(hi),
                                           "at": [str(b) for b in bounds[1:m]],
                                           "points": [hexh(p) for p in points]}})
            nbytes += 32 * (m - 1)
            j = challenger.choose(bounds, points, post)
            if j is None:
                winner, reason = "defender", "timeout"
                break
            transcript.append({"choose": {"segment": str(j)}})
            nbytes += 4
            rounds += 1
            new_pre = pre if j == 0 else points[j - 1]
            new_post = post if j + 1 == m else points[j]
            lo, hi, pre, post = bounds[j], bounds[j + 1], new_pre, new_post
            continue
        proof = trace.prove(lo)
        try:
            computed = verify_step(vm, pre, proof)
        except Reject:
            winner, reason = "defender", "timeout"  # its only proof is rejected: silent
            break
        nbytes += len(proof)
        transcript.append({"step": {"step": str(lo), "pre": hexh(pre), "post": hexh(post),
                                    "computed": hexh(computed)}})
        winner, reason = ("challenger" if computed != post else "defender"), "proven"
        break
    out = {"prestate": hexh(prestate), "claim": hexh(claim), "winner": winner, "reason": reason}
    if hi - lo == 1:
        out["disputed_step"] = str(lo)
    out.update({"rounds": str(rounds), "bytes": str(nbytes), "transcript": transcript})
    return out


# --- The `run` request for the refute suite (vectors.md §6, CP-3.2) ------------------------


def hexh(b):
    return "0x" + b.hex()


def parse_hash(vm, value, what):
    b = vm.parse_bytes(value, what)
    if len(b) != 32:
        raise vm.InvalidParams(f"{what}: not a 32-byte hash")
    return b


def make_trace(vm, config):
    bytecode, size, init, gas_limit, script = vm.parse_config(config)
    try:
        prog = Program(vm, bytecode, script)
    except vm.DecodeError as e:
        raise vm.InvalidParams(f"the bytecode does not decode ({e.args[0]})") from None
    mem = [0] * size
    for a, v in init.items():
        mem[a] = v
    return Trace(prog, mem, gas_limit)


MAX_AT = 1_000_000  # VEC-6.1


def state_json(h, c):
    return {
        "commitment": hexh(c), "program_root": hexh(h.program_root),
        "program_len": str(h.program_len), "tape_root": hexh(h.tape_root),
        "tape_len": str(h.tape_len), "host_calls": str(h.host_calls), "host_log": hexh(h.host_log),
        "regs": [str(r) for r in h.regs], "ip": str(h.ip), "stack_root": hexh(h.stack_root),
        "stack_depth": str(h.stack_depth), "memory_root": hexh(h.memory_root),
        "memory_len": str(h.memory_len), "gas_limit": str(h.gas_limit),
        "gas_remaining": str(h.gas_remaining), "steps": str(h.steps), "status": str(h.status),
        "trap": str(h.trap), "value": str(h.value),
    }


def run_commitment(vm, config):
    trace = make_trace(vm, vm.expect(config.get("vm"), dict, "case.config.vm"))
    ats = [vm.parse_int(a, "case.config.at", 0, MAX_AT)
           for a in vm.expect(config.get("at"), list, "case.config.at")]
    states = []
    for at in ats:
        h = trace.header(at)
        c = commit_bytes(h.encode())
        states.append({"at": str(at), **state_json(h, c)})
    return {"states": states}


def run_step_proof(vm, config):
    if "vm" in config:  # prove
        trace = make_trace(vm, vm.expect(config.get("vm"), dict, "case.config.vm"))
        at = vm.parse_int(config.get("at"), "case.config.at", 0, MAX_AT)
        return {"pre": hexh(trace.commitment(at)), "post": hexh(trace.commitment(at + 1)),
                "proof": hexh(trace.prove(at))}
    pre = parse_hash(vm, config.get("pre"), "case.config.pre")
    proof = vm.parse_bytes(config.get("proof"), "case.config.proof")
    try:
        return {"ok": {"post": hexh(verify_step(vm, pre, proof))}}
    except Reject as e:
        return {"error": {"code": e.args[0]}}


def run_bisection(vm, config):
    trace = make_trace(vm, vm.expect(config.get("vm"), dict, "case.config.vm"))
    game = vm.expect(config.get("game"), dict, "case.config.game")
    k = vm.parse_int(game.get("degree"), "case.config.game.degree", 2, 256)
    n = vm.parse_int(game.get("steps"), "case.config.game.steps", 1, MAX_AT)
    d = game.get("defender")
    if d == "honest":
        lies_from = None
    elif isinstance(d, dict) and set(d) == {"lies_from"}:
        lies_from = vm.parse_u64(d["lies_from"], "case.config.game.defender.lies_from")
    else:
        raise vm.InvalidParams("case.config.game.defender: 'honest' or {lies_from}")
    c = game.get("challenger")
    if c == "honest":
        pick = "honest"
    elif isinstance(c, dict) and set(c) == {"blind"}:
        b = c["blind"]
        pick = b if b in ("first", "last") else ("seed", vm.parse_u64(b, "case.config.game.challenger.blind"))
    else:
        raise vm.InvalidParams("case.config.game.challenger: 'honest' or {blind}")
    return play(trace, k, n, Defender(trace, lies_from), Challenger(trace, pick), vm)


HANDLERS = {"commitment": run_commitment, "step_proof": run_step_proof, "bisection": run_bisection}


def run_case(vm, case):
    """The `post` of a refute case; vm is the client module (decoder, ALU, parsers)."""
    handler = case.get("handler")
    fn = HANDLERS.get(handler)
    if fn is None:
        raise vm.Unsupported(f"handler `refute/{handler}` is not supported")
    return {"post": fn(vm, vm.expect(case.get("config"), dict, "case.config"))}
