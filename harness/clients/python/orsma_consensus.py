"""The consensus suite for the example client: one Tendermint node, CometBFT's proposer
rotation and equivocation evidence, written from the specs alone.

Sources (and nothing else):

- docs/spec/consensus.md       sign bytes (CON-2.3), signatures (CON-2.4), keys and addresses
                               (CON-2.5, CON-2.6), the validator set and the rotation (§3), the
                               state machine (§4), evidence (§6),
- docs/spec/encoding.md        Keccak-256, Borsh, little-endian integers,
- docs/spec/vectors.md §8      the consensus vectors (VEC-8.x),
- docs/spec/client-protocol.md the `run` request and result for the consensus suite (CP-3.2).

Standard library only. Ed25519 is orsma_ed25519.py (RFC 8032 §5.1, with CON-2.4's strict
verification); Keccak-256 is orsma_refute.py's.

Speed. A signature verification costs about 2 ms in CPython, so successful verifications are
remembered (CON-2.4.1: keyed by exactly the public key, the signature and the sign bytes;
failures are not cached), decoded public keys and expanded private keys are kept per process,
and the proposers of a height's rounds are computed once, incrementally (CON-3.8: the proposer
of round r is the r-th election after one rescale and centring of a copy of R(h)).
"""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (also when run directly)
import orsma_ed25519 as ed  # noqa: E402 - RFC 8032 Ed25519, next to this file
from orsma_refute import hexh, keccak256  # noqa: E402 - Keccak-256 (encoding.md §2)

# --- Constants (CON-1.5, VEC-8.2) -------------------------------------------------------------

SIGN_DOMAIN = b"orsma/consensus/v1"
KEY_DOMAIN = b"orsma/consensus/key"
MAX_TOTAL_VOTING_POWER = ((1 << 63) - 1) // 8
MAX_ROUNDS_AHEAD = 1000
NEXT_HEIGHT_BUFFER_PER_VALIDATOR = 8
MAX_VOTES_PER_SLOT = 4
MAX_PROPOSALS_PER_ROUND = 4

I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1
U32_MAX = (1 << 32) - 1
U64_MAX = (1 << 64) - 1

MAX_VALIDATORS = 256
MAX_VALUE_BYTES = 65536
MAX_APP_ENTRIES = 1024
MAX_INPUTS = 10000
MAX_PROPOSER_CALLS = 1000
MAX_ROUNDS_PER_CALL = 10**6
MAX_ROUNDS_IN_ALL = 10**7
MAX_TIMEOUT_MS = 1 << 31

PROPOSAL, PREVOTE, PRECOMMIT = 0, 1, 2  # the sign-bytes kinds (CON-2.3)
VOTE_TYPES = {"prevote": PREVOTE, "precommit": PRECOMMIT}
TYPE_NAMES = {PREVOTE: "prevote", PRECOMMIT: "precommit"}
STEP_PROPOSE, STEP_PREVOTE, STEP_PRECOMMIT = 0, 1, 2  # ordered: propose < prevote < precommit
STEP_NAMES = ["propose", "prevote", "precommit"]
TIMEOUT_KINDS = ["propose", "prevote", "precommit"]
PENDING = "pending"


class Reject(Exception):
    """A message rejected with a CON-4.3.3 code (args[0]); it changed nothing."""


# --- Sign bytes, keys, addresses (CON-2.3 to CON-2.6) -----------------------------------------


def le32(x):
    return x.to_bytes(4, "little")


def le64(x):
    return x.to_bytes(8, "little")


def sign_bytes(kind, height, rnd, valid_round, value_id):
    """CON-2.3: SIGN_DOMAIN ‖ borsh(SignPayload{kind, height, round, valid_round, value})."""
    vr = b"\x00" if valid_round < 0 else b"\x01" + le32(valid_round)
    val = b"\x00" if value_id is None else b"\x01" + value_id
    return SIGN_DOMAIN + bytes([kind]) + le64(height) + le32(rnd) + vr + val


_addresses = {}


def address(public):
    """CON-2.6: the last 20 bytes of keccak256(public key)."""
    a = _addresses.get(public)
    if a is None:
        if len(_addresses) > 100_000:
            _addresses.clear()
        a = _addresses[public] = keccak256(public)[12:]
    return a


def derive_secret(seed, i):
    """CON-2.5 (tests only): keccak256(KEY_DOMAIN ‖ LE64(seed) ‖ LE64(i))."""
    return keccak256(KEY_DOMAIN + le64(seed) + le64(i))


_verifying_keys = {}
_signing_keys = {}
_verified = set()  # CON-2.4.1: (public key, signature, sign bytes) that verified


def verifying_key(public):
    vk = _verifying_keys.get(public)
    if vk is None:
        if len(_verifying_keys) > 100_000:
            _verifying_keys.clear()
        vk = _verifying_keys[public] = ed.VerifyingKey(public)
    return vk


def signing_key(secret):
    sk = _signing_keys.get(secret)
    if sk is None:
        if len(_signing_keys) > 10_000:
            _signing_keys.clear()
        sk = _signing_keys[secret] = ed.SigningKey(secret)
    return sk


def verify(public, signature, msg):
    """CON-2.4 (strict), with the success cache of CON-2.4.1."""
    key = (public, signature, msg)
    if key in _verified:
        return True
    if not verifying_key(public).verify(signature, msg):
        return False
    if len(_verified) > 1_000_000:
        _verified.clear()
    _verified.add(key)
    return True


class Msg:
    """A signed proposal or vote (CON-2.2). For a proposal `value` is the value's bytes and
    `vid` its id; for a vote `vid` is the id voted for, or None for nil (and `value` is None)."""

    __slots__ = ("kind", "height", "round", "value", "vid", "valid_round", "signer", "signature",
                 "_sb", "ident")

    def __init__(self, kind, height, rnd, value, vid, valid_round, signer, signature):
        self.kind = kind
        self.height = height
        self.round = rnd
        self.value = value
        self.vid = vid
        self.valid_round = valid_round  # -1 for none; always -1 for a vote
        self.signer = signer
        self.signature = signature
        self._sb = None
        # message, signer and signature: what "the same message" means (CON-4.2.3, CON-4.9)
        self.ident = (kind, height, rnd, vid, valid_round, signer, signature)

    def sign_bytes(self):
        if self._sb is None:
            self._sb = sign_bytes(self.kind, self.height, self.round, self.valid_round, self.vid)
        return self._sb

    def to_json(self):
        if self.kind == PROPOSAL:
            return {"height": str(self.height), "round": str(self.round), "value": hexh(self.value),
                    "valid_round": str(self.valid_round), "signer": hexh(self.signer),
                    "signature": hexh(self.signature)}
        return {"type": TYPE_NAMES[self.kind], "height": str(self.height), "round": str(self.round),
                "value": "nil" if self.vid is None else hexh(self.vid), "signer": hexh(self.signer),
                "signature": hexh(self.signature)}

    def output(self):
        return {"proposal" if self.kind == PROPOSAL else "vote": self.to_json()}


def sign_message(sk, kind, height, rnd, value, vid, valid_round):
    sb = sign_bytes(kind, height, rnd, valid_round, vid)
    m = Msg(kind, height, rnd, value, vid, valid_round, address(sk.public), sk.sign(sb))
    m._sb = sb
    return m


def canonical_pair(a, b):
    """CON-6.1: votes by value (nil first, then the id's bytes), proposals by sign bytes.
    (Both are the order of the sign bytes.) A stable sort keeps (a, b) when they are equal."""
    return (a, b) if a.sign_bytes() <= b.sign_bytes() else (b, a)


def evidence_json(a, b):
    a, b = canonical_pair(a, b)
    kind = "duplicate_proposal" if a.kind == PROPOSAL else "duplicate_vote"
    return {"evidence": {"kind": kind, "a": a.to_json(), "b": b.to_json()}}


# --- Quorums (CON-3.3) ---------------------------------------------------------------------------


def quorum(w, n):
    return 3 * w > 2 * n


def one_third(w, n):
    return 3 * w > n


# --- Proposer rotation (CON-3.4 to CON-3.8) --------------------------------------------------------


def clip(x):
    return I64_MIN if x < I64_MIN else I64_MAX if x > I64_MAX else x


def _go_div(a, b):
    """Go's int64 `/`: truncates toward zero."""
    q = abs(a) // abs(b)
    return -q if (a < 0) != (b < 0) else q


def rescale_and_centre(prios, total):
    """CON-3.5 steps 1 and 2 (RescalePriorities, shiftByAvgProposerPriority)."""
    diff_max = 2 * total
    diff = max(prios) - min(prios)
    if diff > diff_max:
        ratio = (diff + diff_max - 1) // diff_max
        prios = [_go_div(a, ratio) for a in prios]
    avg = sum(prios) // len(prios)  # floor, toward -inf (big.Int Div)
    return [clip(a - avg) for a in prios]


def elect(prios, powers, addrs, total):
    """CON-3.5 step 3, once: returns the proposer's index; updates prios in place."""
    best = None
    for i in range(len(prios)):
        a = clip(prios[i] + powers[i])
        prios[i] = a
        if best is None or a > prios[best] or (a == prios[best] and addrs[i] < addrs[best]):
            best = i
    prios[best] = clip(prios[best] - total)
    return best


def increment(prios, powers, addrs, total, times):
    """CON-3.5 `increment(times)` for times >= 1: (new priorities, proposer index)."""
    prios = rescale_and_centre(prios, total)
    prop = None
    for _ in range(times):
        prop = elect(prios, powers, addrs, total)
    return prios, prop


def new_rotation(powers, addrs):
    """CON-3.6 (NewValidatorSet), the members already in set order: (priorities, proposer)."""
    total = sum(powers)
    prios = [-(total + total // 8)] * len(powers)
    return increment(prios, powers, addrs, total, 1)


def set_order(members):
    """CON-3.2: by power descending, then address ascending. members: (address, power, ...)"""
    return sorted(members, key=lambda m: (-m[1], m[0]))


# --- The validator set (CON-3.1, CON-3.2) -----------------------------------------------------------


class ValidatorSet:
    """The set of a height: addresses, powers and keys in set order, and its rotation R(h)."""

    def __init__(self, entries):
        """entries: (public key, power) pairs, in any order."""
        members = []
        for pk, power in entries:
            members.append((address(pk), power, pk))
        members = set_order(members)
        self.addrs = [m[0] for m in members]
        self.powers = [m[1] for m in members]
        self.keys = [m[2] for m in members]
        self.index = {a: i for i, a in enumerate(self.addrs)}
        self.total = sum(self.powers)
        self.prios, self.proposer = new_rotation(self.powers, self.addrs)
        self._seq = None  # proposer(h, r) for r = 0, 1, ... at the current height
        self._state = None

    def advance(self):
        """CON-3.7: R(h + 1) = R(h) followed by increment(1)."""
        self.prios, self.proposer = increment(self.prios, self.powers, self.addrs, self.total, 1)
        self._seq = None

    def proposer_of(self, r):
        """CON-3.8: round 0's is R(h)'s; round r's is the proposer after one increment(r) on a
        copy of R(h), i.e. the r-th election after one rescale and centring."""
        if self._seq is None:
            self._seq = [self.proposer]
            self._state = rescale_and_centre(list(self.prios), self.total)
        seq = self._seq
        while len(seq) <= r:
            seq.append(elect(self._state, self.powers, self.addrs, self.total))
        return seq[r]


# --- The state machine (consensus.md §4) -----------------------------------------------------------


class Round:
    """The keeper's record of one round (CON-4.2)."""

    __slots__ = ("votes", "conflicted", "power", "any", "senders", "sender_power", "proposals",
                 "proposal_conflict")

    def __init__(self):
        self.votes = {}  # (type, validator) -> (values counted, in order; the first vote)
        self.conflicted = set()  # (type, validator) whose first conflict was reported
        self.power = {}  # (type, id or None) -> power
        self.any = [0, 0, 0]  # by type
        self.senders = set()
        self.sender_power = 0
        self.proposals = []  # kept, in arrival order
        self.proposal_conflict = False


class Machine:
    def __init__(self, vset, sk, height, timeouts, pipelined, app_values, app_invalid):
        self.vs = vset
        self.sk = sk
        self.me = vset.index.get(address(sk.public))  # None: an observer (CON-4.11.2)
        self.h = height
        self.round = 0
        self.step = STEP_PROPOSE
        self.locked = None  # (value, round)
        self.valid = None  # (value, round)
        self.started = False
        self.timeouts = timeouts  # [(base, delta)] by kind
        self.pipelined = pipelined
        self.app_values = app_values  # (h, r) -> value
        self.app_invalid = app_invalid  # set of ids
        self.out = []
        self._reset_height()
        self.buffer = []  # messages for h + 1 (CON-4.9)
        self.buffer_idents = set()
        self.buffer_count = {}

    def _reset_height(self):
        self.rounds = {}
        self.validity = {}  # id -> True / False / PENDING
        self.own = {}  # (round, kind) -> Msg
        self.proposed = None
        self.fired34 = set()
        self.fired36 = set()
        self.fired47 = set()

    def snapshot(self):
        def vid(x):
            return "nil" if x is None else hexh(keccak256(x[0]))

        return {"height": str(self.h), "round": str(self.round), "step": STEP_NAMES[self.step],
                "locked_value": vid(self.locked),
                "locked_round": "-1" if self.locked is None else str(self.locked[1]),
                "valid_value": vid(self.valid),
                "valid_round": "-1" if self.valid is None else str(self.valid[1])}

    def rnd(self, r):
        rd = self.rounds.get(r)
        if rd is None:
            rd = self.rounds[r] = Round()
        return rd

    # --- Counting (CON-4.2) ---

    def count(self, m, i):
        if m.kind == PROPOSAL:
            self._count_proposal(m, i)
        else:
            self._count_vote(m, i)

    def _add_sender(self, rd, i):
        if i not in rd.senders:
            rd.senders.add(i)
            rd.sender_power += self.vs.powers[i]

    def _count_vote(self, m, i):
        rd = self.rnd(m.round)
        t, x = m.kind, m.vid
        vp = self.vs.powers[i]
        slot = rd.votes.get((t, i))
        if slot is None:  # CON-4.2.1: the vote of i for (r, t)
            rd.votes[(t, i)] = ([x], m)
            rd.power[(t, x)] = rd.power.get((t, x), 0) + vp
            rd.any[t] += vp
            self._add_sender(rd, i)
            return
        values, first = slot
        if x in values:  # a duplicate, whatever its signature
            return
        # CON-4.2.2: a conflict
        if (t, i) not in rd.conflicted:
            rd.conflicted.add((t, i))
            self.out.append(evidence_json(first, m))
        if len(values) < MAX_VOTES_PER_SLOT:
            values.append(x)
            rd.power[(t, x)] = rd.power.get((t, x), 0) + vp

    def _count_proposal(self, m, i):
        rd = self.rnd(m.round)
        for k in rd.proposals:
            if k.ident == m.ident:  # CON-4.2.3: a duplicate
                return
        evidence = None
        if not rd.proposals:
            rd.proposals.append(m)
            self._add_sender(rd, i)
        else:
            if not rd.proposal_conflict:
                rd.proposal_conflict = True
                evidence = evidence_json(rd.proposals[0], m)
            n = self.vs.total
            justified = (quorum(rd.power.get((PREVOTE, m.vid), 0), n)
                         or quorum(rd.power.get((PRECOMMIT, m.vid), 0), n))
            if len(rd.proposals) < MAX_PROPOSALS_PER_ROUND or justified:
                rd.proposals.append(m)
            else:  # not kept, not remembered
                if evidence is not None:
                    self.out.append(evidence)
                return
        # consensus.md does not order these two outputs (CON-4.2.3 names the evidence first);
        # the vectors (tendermint/random_027, _049, _079, _116, _124, _152) put a kept
        # conflicting proposal's `validate` before its `evidence`.
        self._request_validation(m)
        if evidence is not None:
            self.out.append(evidence)

    def _request_validation(self, m):
        if m.vid not in self.validity:  # CON-4.8
            if self.pipelined:
                self.validity[m.vid] = PENDING
                self.out.append({"validate": {"height": str(self.h), "round": str(m.round),
                                              "value": hexh(m.value)}})
            else:
                self.validity[m.vid] = m.vid not in self.app_invalid

    # --- Accepting a message (CON-4.3.2, CON-4.9) ---

    def receive(self, m):
        if m.height < self.h:
            raise Reject("past_height")
        i = self.vs.index.get(m.signer)
        if i is None:
            raise Reject("unknown_validator")
        if m.kind == PROPOSAL and m.valid_round >= m.round:  # vr != -1 and vr >= r
            raise Reject("bad_valid_round")
        if m.height > self.h:  # CON-4.9
            if m.height != self.h + 1 or self.buffer_count.get(i, 0) >= NEXT_HEIGHT_BUFFER_PER_VALIDATOR:
                raise Reject("future_height")
            if not verify(self.vs.keys[i], m.signature, m.sign_bytes()):
                raise Reject("bad_signature")
            if m.ident not in self.buffer_idents:
                self.buffer_idents.add(m.ident)
                self.buffer.append(m)
                self.buffer_count[i] = self.buffer_count.get(i, 0) + 1
            return
        if m.round > self.round + MAX_ROUNDS_AHEAD:
            raise Reject("round_too_far_ahead")
        if m.kind == PROPOSAL and self.vs.proposer_of(m.round) != i:
            raise Reject("not_proposer")
        if not verify(self.vs.keys[i], m.signature, m.sign_bytes()):
            raise Reject("bad_signature")
        self.count(m, i)
        if self.started:
            self.run_rules()

    # --- Procedures (CON-4.6) ---

    def schedule(self, kind):
        base, delta = self.timeouts[kind]
        ms = min(base + self.round * delta, U64_MAX)
        self.out.append({"schedule_timeout": {"kind": TIMEOUT_KINDS[kind], "height": str(self.h),
                                              "round": str(self.round), "duration_ms": str(ms)}})

    def app_value(self, h, r):
        v = self.app_values.get((h, r))
        return v if v is not None else le64(h) + le64(r)

    def start_round(self, r):
        self.round = r
        self.step = STEP_PROPOSE
        if self.me is None:
            self.schedule(0)
            return
        if self.vs.proposer_of(r) == self.me:
            if self.valid is not None:
                self.propose(self.valid[0], self.valid[1])
            elif (r, PROPOSAL) in self.own:
                m = self.own[(r, PROPOSAL)]
                self.count(m, self.me)
                self.out.append(m.output())
                self.proposed = r
            elif self.pipelined:
                self.out.append({"get_value": {"height": str(self.h), "round": str(r)}})
            else:
                self.propose(self.app_value(self.h, r), -1)
        else:
            self.schedule(0)

    def propose(self, v, vr):
        vid = keccak256(v)
        self.validity[vid] = True
        m = sign_message(self.sk, PROPOSAL, self.h, self.round, v, vid, vr)
        self.proposed = self.round
        self.own[(self.round, PROPOSAL)] = m
        self.count(m, self.me)
        self.out.append(m.output())

    def vote(self, t, x):
        if self.me is None:
            return
        m = self.own.get((self.round, t))
        if m is None:
            m = sign_message(self.sk, t, self.h, self.round, None, x, -1)
            self.own[(self.round, t)] = m
        self.count(m, self.me)
        self.out.append(m.output())

    def next_height(self):
        """CON-4.6.3."""
        self.h += 1
        self.vs.advance()
        self.locked = None
        self.valid = None
        self._reset_height()
        buffered = self.buffer
        self.buffer = []
        self.buffer_idents = set()
        self.buffer_count = {}
        self.start_round(0)
        for m in buffered:  # CON-4.9: counted without checking the signature again
            i = self.vs.index[m.signer]
            if m.round > self.round + MAX_ROUNDS_AHEAD:
                continue
            if m.kind == PROPOSAL and self.vs.proposer_of(m.round) != i:
                continue
            self.count(m, i)

    # --- The upon-rules (CON-4.7) ---

    def lock_allows(self, v, vr):
        return self.locked is None or self.locked[0] == v or (vr != -1 and self.locked[1] <= vr)

    def run_rules(self):
        """Apply the first enabled rule in RULE_ORDER until none is (CON-4.7.1), except that a
        decision ends the input (vectors.md VEC-8.5; CON-4.7.1 says the search goes on at the
        next height, but the vectors, e.g. tendermint/single_validator_decides_one_height_per_input,
        follow VEC-8.5). Rules run after Start, an accepted message of the current height, every
        Timeout of a started node, and a ProposeValue or Validated that is used; not after a
        rejected message or one buffered for the next height (tendermint/random_023, _065, _146)."""
        while True:
            if self._rule49():
                return
            if not (self._rule55() or self._rule22() or self._rule28() or self._rule34()
                    or self._rule36() or self._rule44() or self._rule47()):
                return

    def _rule49(self):
        n = self.vs.total
        for r in sorted(self.rounds):
            rd = self.rounds[r]
            for p in rd.proposals:
                if self.validity.get(p.vid) is True and quorum(rd.power.get((PRECOMMIT, p.vid), 0), n):
                    signers = sorted(self.vs.addrs[i] for (t, i), (values, _) in rd.votes.items()
                                     if t == PRECOMMIT and p.vid in values)
                    self.out.append({"decide": {"height": str(self.h), "round": str(r),
                                                "value_id": hexh(p.vid),
                                                "signers": [hexh(a) for a in signers]}})
                    self.next_height()
                    return True
        return False

    def _rule55(self):
        n = self.vs.total
        target = None
        for r, rd in self.rounds.items():
            if r > self.round and one_third(rd.sender_power, n) and (target is None or r > target):
                target = r
        if target is None:
            return False
        self.start_round(target)
        return True

    def _prevote_proposal(self, p, vr):
        """Prevotes `p` if it is valid and the lock allows it with valid round `vr`, else nil,
        and moves to step prevote (rules 22 and 28)."""
        good = self.validity.get(p.vid) is True and self.lock_allows(p.value, vr)
        self.vote(PREVOTE, p.vid if good else None)
        self.step = STEP_PREVOTE
        return True

    def _rule22(self):
        rd = self.rounds.get(self.round) if self.step == STEP_PROPOSE else None
        if rd is None:
            return False
        for p in rd.proposals:
            if p.valid_round == -1 and self.validity.get(p.vid) in (True, False):
                return self._prevote_proposal(p, -1)
        return False

    def _rule28(self):
        rd = self.rounds.get(self.round) if self.step == STEP_PROPOSE else None
        if rd is None:
            return False
        n = self.vs.total
        for p in rd.proposals:
            vr = p.valid_round
            if not 0 <= vr < self.round:
                continue
            ok = self.validity.get(p.vid)
            if ok not in (True, False):
                continue
            rv = self.rounds.get(vr)
            if rv is None or not quorum(rv.power.get((PREVOTE, p.vid), 0), n):
                continue
            return self._prevote_proposal(p, vr)
        return False

    def _schedule_on_any_quorum(self, fired, vote_type, kind):
        """Schedules timeout `kind` once per round, on 2f+1 of any `vote_type` (rules 34, 47)."""
        if self.round in fired:
            return False
        rd = self.rounds.get(self.round)
        if rd is None or not quorum(rd.any[vote_type], self.vs.total):
            return False
        fired.add(self.round)
        self.schedule(kind)
        return True

    def _rule34(self):
        return self.step == STEP_PREVOTE and self._schedule_on_any_quorum(self.fired34, PREVOTE, 1)

    def _rule36(self):
        if self.step < STEP_PREVOTE or self.round in self.fired36:
            return False
        rd = self.rounds.get(self.round)
        if rd is None:
            return False
        n = self.vs.total
        for p in rd.proposals:
            if self.validity.get(p.vid) is True and quorum(rd.power.get((PREVOTE, p.vid), 0), n):
                self.fired36.add(self.round)
                if self.step == STEP_PREVOTE:
                    self.locked = (p.value, self.round)
                    self.vote(PRECOMMIT, p.vid)
                    self.step = STEP_PRECOMMIT
                self.valid = (p.value, self.round)
                return True
        return False

    def _rule44(self):
        if self.step != STEP_PREVOTE:
            return False
        rd = self.rounds.get(self.round)
        if rd is None or not quorum(rd.power.get((PREVOTE, None), 0), self.vs.total):
            return False
        self.vote(PRECOMMIT, None)
        self.step = STEP_PRECOMMIT
        return True

    def _rule47(self):
        return self._schedule_on_any_quorum(self.fired47, PRECOMMIT, 2)

    # --- Inputs (CON-4.3.1) ---

    def on_start(self):
        if self.started:
            return
        self.started = True
        for (_, _), m in sorted(self.own.items()):  # empty unless restarted (CON-4.10)
            self.count(m, self.me)
        self.start_round(self.round)
        self.run_rules()

    def on_timeout(self, kind, h, r):
        if not self.started:
            return
        if h == self.h and r == self.round:
            if kind == 0:
                if self.step == STEP_PROPOSE:
                    self.vote(PREVOTE, None)
                    self.step = STEP_PREVOTE
            elif kind == 1:
                if self.step == STEP_PREVOTE:
                    self.vote(PRECOMMIT, None)
                    self.step = STEP_PRECOMMIT
            else:
                self.start_round(self.round + 1)
        self.run_rules()

    def on_propose_value(self, h, r, v):
        if (self.started and h == self.h and r == self.round and self.step == STEP_PROPOSE
                and self.proposed != r and self.me is not None and self.vs.proposer_of(r) == self.me):
            self.propose(v, -1)
            self.run_rules()

    def on_validated(self, h, vid, ok):
        if h == self.h and self.validity.get(vid) == PENDING:
            self.validity[vid] = ok
            if self.started:
                self.run_rules()


# --- The `run` request for the consensus suite (vectors.md §8, CP-3.2) -------------------------------


def _keys(vm, obj, keys, what):
    obj = vm.expect(obj, dict, what)
    missing = [k for k in keys if k not in obj]
    extra = [k for k in obj if k not in keys]
    if missing or extra:
        raise vm.InvalidParams(f"{what}: expected the keys {keys} (missing {missing}, unknown {extra})")
    return obj


def _fixed(vm, value, n, what):
    b = vm.parse_bytes(value, what)
    if len(b) != n:
        raise vm.InvalidParams(f"{what}: expected {n} bytes")
    return b


def _round(vm, value, what):
    return vm.parse_int(value, what, 0, U32_MAX)


def _opt_round(vm, value, what):
    return vm.parse_int(value, what, -1, U32_MAX)


def _height(vm, value, what):
    return vm.parse_int(value, what, 0, U64_MAX)


def _flag(vm, value, what):
    if value not in ("true", "false"):
        raise vm.InvalidParams(f"{what}: 'true' or 'false'")
    return value == "true"


def _value_id(vm, value, what):
    return None if value == "nil" else _fixed(vm, value, 32, what)


def _value(vm, value, what):
    v = vm.parse_bytes(value, what)
    if len(v) > MAX_VALUE_BYTES:
        raise vm.InvalidParams(f"{what}: longer than {MAX_VALUE_BYTES} bytes")
    return v


def parse_proposal(vm, obj, what):
    obj = _keys(vm, obj, ["height", "round", "value", "valid_round", "signer", "signature"], what)
    v = _value(vm, obj["value"], what + ".value")
    return Msg(PROPOSAL, _height(vm, obj["height"], what + ".height"),
               _round(vm, obj["round"], what + ".round"), v, keccak256(v),
               _opt_round(vm, obj["valid_round"], what + ".valid_round"),
               _fixed(vm, obj["signer"], 20, what + ".signer"),
               _fixed(vm, obj["signature"], 64, what + ".signature"))


def parse_vote(vm, obj, what):
    obj = _keys(vm, obj, ["type", "height", "round", "value", "signer", "signature"], what)
    t = VOTE_TYPES.get(obj["type"])
    if t is None:
        raise vm.InvalidParams(f"{what}.type: 'prevote' or 'precommit'")
    return Msg(t, _height(vm, obj["height"], what + ".height"),
               _round(vm, obj["round"], what + ".round"), None,
               _value_id(vm, obj["value"], what + ".value"), -1,
               _fixed(vm, obj["signer"], 20, what + ".signer"),
               _fixed(vm, obj["signature"], 64, what + ".signature"))


def parse_validators(vm, config):
    """VEC-8.2: 1 to 256 (public key, power), distinct addresses, powers >= 1, a bounded total."""
    vals = vm.expect(config.get("validators"), list, "case.config.validators")
    if not 1 <= len(vals) <= MAX_VALIDATORS:
        raise vm.InvalidParams("case.config.validators: 1 to 256 validators")
    entries = []
    for k, v in enumerate(vals):
        what = f"case.config.validators[{k}]"
        v = _keys(vm, v, ["public_key", "power"], what)
        pk = _fixed(vm, v["public_key"], 32, what + ".public_key")
        power = vm.parse_int(v["power"], what + ".power", 1, MAX_TOTAL_VOTING_POWER)
        if not verifying_key(pk).valid():  # CON-3.1 check 2
            raise vm.InvalidParams(f"{what}.public_key: not a point")
        entries.append((pk, power))
    if sum(p for _, p in entries) > MAX_TOTAL_VOTING_POWER:
        raise vm.InvalidParams("case.config.validators: the total power is too large")
    if len({address(pk) for pk, _ in entries}) != len(entries):
        raise vm.InvalidParams("case.config.validators: duplicate addresses")
    return entries


def run_tendermint(vm, config):
    config = _keys(vm, config, ["validators", "node", "height", "timeouts", "validation", "inputs"]
                   + (["app"] if "app" in config else []), "case.config")
    vset = ValidatorSet(parse_validators(vm, config))
    node = _keys(vm, config["node"], ["secret_key"], "case.config.node")
    sk = signing_key(_fixed(vm, node["secret_key"], 32, "case.config.node.secret_key"))
    height = vm.parse_int(config["height"], "case.config.height", 1, I64_MAX)
    t = _keys(vm, config["timeouts"], ["propose_ms", "propose_delta_ms", "prevote_ms",
                                       "prevote_delta_ms", "precommit_ms", "precommit_delta_ms"],
              "case.config.timeouts")
    timeouts = [(vm.parse_int(t[f"{k}_ms"], f"case.config.timeouts.{k}_ms", 0, MAX_TIMEOUT_MS),
                 vm.parse_int(t[f"{k}_delta_ms"], f"case.config.timeouts.{k}_delta_ms", 0, MAX_TIMEOUT_MS))
                for k in TIMEOUT_KINDS]
    mode = config["validation"]
    if mode not in ("callback", "pipelined"):
        raise vm.InvalidParams("case.config.validation: 'callback' or 'pipelined'")
    pipelined = mode == "pipelined"
    values, invalid = {}, set()
    if pipelined == ("app" in config):  # VEC-8.1: `app` is present exactly in callback mode
        raise vm.InvalidParams("case.config.app: present exactly in callback mode")
    if not pipelined:
        app = _keys(vm, config["app"], ["values", "invalid"], "case.config.app")
        vals = vm.expect(app["values"], list, "case.config.app.values")
        inv = vm.expect(app["invalid"], list, "case.config.app.invalid")
        if len(vals) > MAX_APP_ENTRIES or len(inv) > MAX_APP_ENTRIES:
            raise vm.InvalidParams("case.config.app: at most 1024 values and 1024 invalid ids")
        for k, e in enumerate(vals):
            what = f"case.config.app.values[{k}]"
            e = _keys(vm, e, ["height", "round", "value"], what)
            values[(_height(vm, e["height"], what + ".height"), _round(vm, e["round"], what + ".round"))] = \
                _value(vm, e["value"], what + ".value")
        for k, e in enumerate(inv):
            invalid.add(_fixed(vm, e, 32, f"case.config.app.invalid[{k}]"))
    inputs = vm.expect(config["inputs"], list, "case.config.inputs")
    if len(inputs) > MAX_INPUTS:
        raise vm.InvalidParams("case.config.inputs: at most 10000 inputs")

    node = Machine(vset, sk, height, timeouts, pipelined, values, invalid)
    steps = []
    for k, inp in enumerate(inputs):
        what = f"case.config.inputs[{k}]"
        if not isinstance(inp, dict) or len(inp) != 1:
            raise vm.InvalidParams(f"{what}: a map with one key")
        (key, body), = inp.items()
        what += "." + key
        node.out = []
        try:
            if key == "start":
                _keys(vm, body, [], what)
                node.on_start()
            elif key == "proposal":
                node.receive(parse_proposal(vm, body, what))
            elif key == "vote":
                node.receive(parse_vote(vm, body, what))
            elif key == "timeout":
                body = _keys(vm, body, ["kind", "height", "round"], what)
                if body["kind"] not in TIMEOUT_KINDS:
                    raise vm.InvalidParams(f"{what}.kind: propose, prevote or precommit")
                node.on_timeout(TIMEOUT_KINDS.index(body["kind"]), _height(vm, body["height"], what),
                                _round(vm, body["round"], what))
            elif key == "propose_value":
                body = _keys(vm, body, ["height", "round", "value"], what)
                node.on_propose_value(_height(vm, body["height"], what), _round(vm, body["round"], what),
                                      _value(vm, body["value"], what))
            elif key == "validated":
                body = _keys(vm, body, ["height", "value_id", "valid"], what)
                node.on_validated(_height(vm, body["height"], what),
                                  _fixed(vm, body["value_id"], 32, what + ".value_id"),
                                  _flag(vm, body["valid"], what + ".valid"))
            else:
                raise vm.InvalidParams(f"{what}: not an input")
        except Reject as e:
            steps.append({"error": e.args[0]})
            continue
        steps.append({"outputs": node.out})
    return {"steps": steps, "state": node.snapshot()}


def run_proposer(vm, config):
    config = _keys(vm, config, ["validators", "calls"], "case.config")
    vals = vm.expect(config["validators"], list, "case.config.validators")
    if not 1 <= len(vals) <= MAX_VALIDATORS:
        raise vm.InvalidParams("case.config.validators: 1 to 256 validators")
    members = []
    for k, v in enumerate(vals):
        what = f"case.config.validators[{k}]"
        v = _keys(vm, v, ["address", "power"], what)
        members.append((_fixed(vm, v["address"], 20, what + ".address"),
                        vm.parse_int(v["power"], what + ".power", 1, MAX_TOTAL_VOTING_POWER), k))
    if len({m[0] for m in members}) != len(members) or sum(m[1] for m in members) > MAX_TOTAL_VOTING_POWER:
        raise vm.InvalidParams("case.config.validators: duplicate addresses or too much power")
    calls = [vm.parse_int(c, "case.config.calls", 1, MAX_ROUNDS_PER_CALL)
             for c in vm.expect(config["calls"], list, "case.config.calls")]
    if len(calls) > MAX_PROPOSER_CALLS or sum(calls) > MAX_ROUNDS_IN_ALL:
        raise vm.InvalidParams("case.config.calls: at most 1000 calls and 10^7 rounds")
    ordered = set_order(members)
    addrs = [m[0] for m in ordered]
    powers = [m[1] for m in ordered]
    total = sum(powers)
    # position in config order of each set-order member
    back = [m[2] for m in ordered]

    def report(prios, prop):
        in_config = [0] * len(prios)
        for i, a in enumerate(prios):
            in_config[back[i]] = str(a)
        return {"proposer": hexh(addrs[prop]), "priorities": in_config}

    prios, prop = new_rotation(powers, addrs)
    initial = report(prios, prop)
    out = []
    for times in calls:
        prios, prop = increment(prios, powers, addrs, total, times)
        out.append(report(prios, prop))
    return {"initial": initial, "calls": out}


def verify_evidence(vs, kind, a, b):
    """CON-6.2: None if valid, else the first failing check's code."""
    if kind == "duplicate_vote":
        if (a.kind, a.height, a.round) != (b.kind, b.height, b.round):
            return "different_slot"
    elif (a.height, a.round) != (b.height, b.round):
        return "different_slot"
    if a.signer != b.signer:
        return "different_signers"
    if kind == "duplicate_vote":
        if a.vid == b.vid:
            return "no_conflict"
    elif a.sign_bytes() == b.sign_bytes():
        return "no_conflict"
    if not a.sign_bytes() < b.sign_bytes():  # CON-6.1: strictly before
        return "not_canonical"
    i = vs.index.get(a.signer)
    if i is None:
        return "unknown_validator"
    if not verify(vs.keys[i], a.signature, a.sign_bytes()):
        return "bad_signature"
    if not verify(vs.keys[i], b.signature, b.sign_bytes()):
        return "bad_signature"
    return None


def run_evidence(vm, config):
    config = _keys(vm, config, ["validators", "evidence"], "case.config")
    entries = parse_validators(vm, config)
    ev = _keys(vm, config["evidence"], ["kind", "a", "b"], "case.config.evidence")
    kind = ev["kind"]
    if kind == "duplicate_vote":
        parse = parse_vote
    elif kind == "duplicate_proposal":
        parse = parse_proposal
    else:
        raise vm.InvalidParams("case.config.evidence.kind: duplicate_vote or duplicate_proposal")
    a = parse(vm, ev["a"], "case.config.evidence.a")
    b = parse(vm, ev["b"], "case.config.evidence.b")
    # Only membership and keys matter here: no rotation is needed.
    vs = _KeysOnly(entries)
    code = verify_evidence(vs, kind, a, b)
    return {"ok": {}} if code is None else {"error": {"code": code}}


class _KeysOnly:
    def __init__(self, entries):
        self.keys = [pk for pk, _ in entries]
        self.index = {address(pk): i for i, (pk, _) in enumerate(entries)}


HANDLERS = {"tendermint": run_tendermint, "proposer": run_proposer, "evidence": run_evidence}


def run_case(vm, case):
    """The `post` of a consensus case; vm is the client module (parsers, error types)."""
    handler = case.get("handler")
    fn = HANDLERS.get(handler)
    if fn is None:
        raise vm.Unsupported(f"handler `consensus/{handler}` is not supported")
    return {"post": fn(vm, vm.expect(case.get("config"), dict, "case.config"))}


# --- Self-test: `python3 orsma_consensus.py` (consensus.md §2.8 and §3.10) ----------------------------


def _self_test():
    assert hexh(keccak256(b"orsma")) == "0x4aba4a30f4d60661f2a5305c1d03ac3e3e98bdf71ea443d7655dce9b8513935b"
    vid = keccak256(b"orsma")
    prop = sign_bytes(PROPOSAL, 1, 1, 0, vid)
    assert prop.hex() == ("6f72736d612f636f6e73656e7375732f7631" "00" "0100000000000000" "01000000"
                          "0100000000" "01" + vid.hex()) and len(prop) == 69
    prevote = sign_bytes(PREVOTE, 1, 0, -1, vid)
    assert len(prevote) == 65
    pc = sign_bytes(PRECOMMIT, 258, 3, -1, None)
    assert pc.hex() == "6f72736d612f636f6e73656e7375732f7631" "02" "0201000000000000" "03000000" "00" "00"
    keys = [
        ("8e07a5b41efb35b4fe4e7f08c705033c502ada9f4b2caef3a95322a73c8ce40b",
         "e19548350bf8aea16b80fa2fc397a2e2d09c487c8d7320462bce5f5e8fdfbf7e",
         "582a368da4b60d0c257995f878d674170cd5f355"),
        ("ee73090458b5ab9fa4e193401e8511b8a448c77e1d9c34f5a1146f2cd0a8b178",
         "2b015d422b348c61a99df386d6c9b47e2bc6d9a4e38eb34dcf1f92d6b9276696",
         "2f0a8d1db1142044cf3fe56fb01cedda94b80784"),
        ("e1b5bef2e6d206aa64430e7238a0114312157111841a7e115cde3e9a2a6b909d",
         "8b20b19b600d8d75d305671174dfafc1d69e24caed44aaa480a76e2556b1565e",
         "79e11a889f7252c0e2b02794d8515e4c8600b2c9"),
        ("5408cafaef705e20efa9c91bb5f2b42cab4fda9d54906aaaae26f01032db7e0a",
         "219a7e9fd5c43289d75e8e752eccac3507932732f9b78bd84e79bb38d7bf2c4b",
         "40b4010459ee4604cccf257beba9f432b0daf377"),
    ]
    for i, (sec, pub, addr) in enumerate(keys):
        s = derive_secret(1, i)
        assert s.hex() == sec, i
        assert ed.public_key(s).hex() == pub, i
        assert address(bytes.fromhex(pub)).hex() == addr, i
    sk = ed.SigningKey(derive_secret(1, 0))
    assert sk.sign(prevote).hex() == (
        "4b0d25018c5dcfa541b9e23c3a6e09bc0bcf4cb58dd8b7e6aa69a6fc96f0129f"
        "8873b7ee8f96da93f4ac0a5fe639d3f759ff8e3701b4911076b925daa8f4e50a")
    assert sk.sign(prop).hex() == (
        "6f5fac7938f9748ded4f9bed7e223cdbbd8e7a3dd6120021580d52c1999e05e2"
        "38416aaafc6aca7864ec4e1a5a382c8d08ca1d365b9dc0c2c98e379bca6dd10d")
    print("consensus.md §2.8: sign bytes, keys, addresses and signatures")

    # §3.10: TestProposerSelection1
    names = [b"foo", b"bar", b"baz"]
    addrs = {n: n + bytes(17) for n in names}
    members = set_order([(addrs[b"foo"], 1000), (addrs[b"bar"], 300), (addrs[b"baz"], 330)])
    a = [m[0] for m in members]
    pw = [m[1] for m in members]
    prios, prop = new_rotation(pw, a)
    assert prios == [-630, 330, 300]
    want = ("foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar "
            "foo foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar "
            "foo baz foo foo bar foo baz foo foo bar foo baz foo foo foo baz bar foo foo foo baz "
            "foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo "
            "foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo").split()
    got = []
    for h in range(99):
        if h:
            prios, prop = increment(prios, pw, a, 1630, 1)
        got.append(a[prop].rstrip(b"\x00").decode())
    assert got == want
    # proposer(1, r), r = 0..7: one increment(r) on a copy of R(1) (CON-3.8)
    prios1, prop1 = new_rotation(pw, a)
    rounds = [a[prop1]] + [a[increment(prios1, pw, a, 1630, r)[1]] for r in range(1, 8)]
    assert [x.rstrip(b"\x00").decode() for x in rounds] == "foo baz foo bar foo foo baz foo".split()
    print("consensus.md §3.10: TestProposerSelection1, 99 heights and 8 rounds")
    print("all checks passed")


if __name__ == "__main__":
    _self_test()
