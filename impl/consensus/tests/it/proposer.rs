//! CometBFT's published proposer-selection tests, ported to the public API of
//! `consensus::validators`.
//!
//! Sources, all at cometbft@5bba72c14f2be2b06ac4d89dbdf6712e2e5e095c: `types/validator_set_test.go`,
//! `consensus/state_test.go` and `spec/consensus/proposer-selection.md`. Expected values are
//! copied from those files, not produced by running this crate.

use consensus::validators::{Address, MAX_TOTAL_VOTING_POWER, ValidatorSet, ValidatorSetError, WeightedRoundRobin};
use ed25519_dalek::SigningKey;

/// Go's short test addresses (`[]byte("foo")`, `[]byte{0, ..., 1}`) zero-padded to 20 bytes.
fn addr(bytes: &[u8]) -> Address {
    let mut out = [0u8; 20];
    out[..bytes.len()].copy_from_slice(bytes);
    Address(out)
}

fn rotation(members: &[(Address, u64)]) -> WeightedRoundRobin {
    WeightedRoundRobin::new(members).expect("valid set")
}

fn proposer_address(rotation: &WeightedRoundRobin) -> Address {
    rotation.entries()[rotation.proposer()].address
}

/// The ed25519 public key of the seed `[i; 32]`.
fn public_key(i: u8) -> [u8; 32] {
    SigningKey::from_bytes(&[i; 32]).verifying_key().to_bytes()
}

/// A deterministic stand-in for Go's `cmtrand` (xorshift64*).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

// `types/validator_set_test.go::TestProposerSelection1`
// (cometbft@5bba72c14f2be2b06ac4d89dbdf6712e2e5e095c, file last changed in 1c55dd4f0f98).
// Expected string copied verbatim from the Go test.
#[test]
fn proposer_selection_1() {
    let names: [&str; 3] = ["foo", "bar", "baz"];
    // Go compares the 3-byte addresses with `bytes.Compare`; zero padding keeps that order
    // because none of them is a prefix of another.
    let mut by_go = names;
    by_go.sort_unstable();
    let mut by_padded = names;
    by_padded.sort_unstable_by_key(|n| addr(n.as_bytes()));
    assert_eq!(by_go, by_padded);

    let mut vset = rotation(&[(addr(b"foo"), 1000), (addr(b"bar"), 300), (addr(b"baz"), 330)]);
    let mut proposers = Vec::new();
    for _ in 0..99 {
        let proposer = proposer_address(&vset);
        let name = names.iter().find(|n| addr(n.as_bytes()) == proposer).expect("known address");
        proposers.push(*name);
        vset.increment(1);
    }
    let expected = concat!(
        "foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar",
        " foo foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar",
        " foo baz foo foo bar foo baz foo foo bar foo baz foo foo foo baz bar foo foo foo baz",
        " foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo",
        " foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo",
    );
    assert_eq!(proposers.join(" "), expected);
}

// `types/validator_set_test.go::TestProposerSelection2`, the deterministic parts (all of it).
#[test]
fn proposer_selection_2() {
    let mut a = [0u8; 20];
    let addr0 = Address(a);
    a[19] = 1;
    let addr1 = Address(a);
    a[19] = 2;
    let addr2 = Address(a);

    // When all voting power is the same, we go in order of addresses.
    let val_list = [addr0, addr1, addr2];
    let mut vals = rotation(&[(addr0, 100), (addr1, 100), (addr2, 100)]);
    for i in 0..val_list.len() * 5 {
        assert_eq!(proposer_address(&vals), val_list[i % val_list.len()], "({i})");
        vals.increment(1);
    }

    // One validator has more than the others, but not enough to propose twice in a row.
    let mut vals = rotation(&[(addr0, 100), (addr1, 100), (addr2, 400)]);
    assert_eq!(proposer_address(&vals), addr2);
    vals.increment(1);
    assert_eq!(proposer_address(&vals), addr0);

    // One validator has more than the others, and enough to be proposer twice in a row.
    let mut vals = rotation(&[(addr0, 100), (addr1, 100), (addr2, 401)]);
    assert_eq!(proposer_address(&vals), addr2);
    vals.increment(1);
    assert_eq!(proposer_address(&vals), addr2);
    vals.increment(1);
    assert_eq!(proposer_address(&vals), addr0);

    // Each validator should be the proposer a proportional number of times.
    let mut vals = rotation(&[(addr0, 4), (addr1, 5), (addr2, 3)]);
    let mut prop_count = [0usize; 3];
    for _ in 0..120 {
        prop_count[usize::from(proposer_address(&vals).0[19])] += 1;
        vals.increment(1);
    }
    assert_eq!(prop_count, [40, 50, 30]);
}

// `types/validator_set_test.go::TestProposerSelection3`: four validators of power 1 keep
// their first-four order forever, even when `IncrementProposerPriority` is called with
// `times > 1`. Go draws keys and `times` from `cmtrand`; here the keys come from fixed seeds
// and `times` from a fixed xorshift with Go's distribution (1 usually, else 1..=4).
#[test]
fn proposer_selection_3() {
    let members: Vec<([u8; 32], u64)> = (1..=4).map(|i| (public_key(i), 1)).collect();
    let vset = ValidatorSet::new(&members).expect("valid set");
    let mut rr = vset.rotation().clone();
    let mut proposer_order = Vec::new();
    for _ in 0..4 {
        proposer_order.push(proposer_address(&rr));
        rr.increment(1);
    }

    let mut rng = XorShift(0x5EED_0000_0000_0003);
    let mut j: u64 = 0;
    for i in 0..10_000 {
        assert_eq!(proposer_address(&rr), proposer_order[(j % 4) as usize], "({i}, {j})");
        let mut times = 1u32;
        let modulus = rng.next() % 5 + 1;
        if !rng.next().is_multiple_of(modulus) {
            times = (rng.next() % 4) as u32 + 1;
        }
        rr.increment(times);
        j += u64::from(times);
    }
}

// `types/validator_set_test.go::TestValidatorSetTotalVotingPowerPanicsOnOverflow`: Go panics,
// we return an error.
#[test]
fn total_voting_power_overflow_is_rejected() {
    let members = [(addr(b"a"), i64::MAX as u64), (addr(b"b"), i64::MAX as u64), (addr(b"c"), i64::MAX as u64)];
    assert_eq!(WeightedRoundRobin::new(&members), Err(ValidatorSetError::TotalPowerTooLarge));
}

// `spec/consensus/proposer-selection.md` (cometbft@5bba72c1, file last changed in 709fd12b),
// section "Stable Set" and claim R2: VP(p1) = 1, VP(p2) = 3, priorities start at 0; the table
// gives the priorities after each run and the proposer sequence is [p2, p1, p2, p2]*. In run 2
// both priorities are 2 and p1 wins, so p1's address sorts first.
#[test]
fn spec_stable_set() {
    let (p1, p2) = (addr(b"p1"), addr(b"p2"));
    let mut vset = rotation(&[(p1, 1), (p2, 3)]);
    // (proposer of the run, A(p1), A(p2)) at the end of runs 1..4, then repeating.
    let runs = [(p2, 1, -1), (p1, -2, 2), (p2, -1, 1), (p2, 0, 0)];
    for cycle in 0..5 {
        for (run, &(proposer, a1, a2)) in runs.iter().enumerate() {
            let priorities: Vec<(Address, i64)> = vset.entries().iter().map(|e| (e.address, e.priority)).collect();
            assert_eq!(proposer_address(&vset), proposer, "cycle {cycle} run {}", run + 1);
            assert_eq!(priorities, vec![(p2, a2), (p1, a1)], "cycle {cycle} run {}", run + 1);
            vset.increment(1);
        }
    }
}

// `consensus/state_test.go::TestStateProposerSelection0` and `TestStateProposerSelection2`:
// with four equal-power validators, round `r` of a height is proposed by validator `r mod 4`
// (in set order, i.e. address order), whether the node enters round `r` directly from round 0
// or one round at a time, and the next height's round 0 is proposed by validator 1.
#[test]
fn equal_power_rounds_and_heights_rotate() {
    let members: Vec<([u8; 32], u64)> = (1..=4).map(|i| (public_key(i), 10)).collect();
    let vset = ValidatorSet::new(&members).expect("valid set");
    assert_eq!(vset.proposer(), 0);
    assert_eq!(vset.proposer_at(0), 0);
    for r in 0..40u32 {
        assert_eq!(vset.proposer_at(r), (r % 4) as usize, "round {r}");
    }
    // Entering round 2 directly, then one round at a time (CometBFT's call pattern).
    let mut rr = vset.rotation().clone();
    let mut proposers = vec![rr.increment(2)];
    for _ in 0..4 {
        proposers.push(rr.increment(1));
    }
    assert_eq!(proposers, vec![2, 3, 0, 1, 2]);

    let next = vset.next_height();
    assert_eq!(next.proposer(), 1);
    assert_eq!(next.validators(), vset.validators());
}

#[test]
fn proposer_at_is_one_increment_call_on_a_copy() {
    let members: Vec<([u8; 32], u64)> =
        [1000u64, 300, 330, 1, 77, 5000].iter().enumerate().map(|(i, &p)| (public_key(i as u8 + 1), p)).collect();
    let vset = ValidatorSet::new(&members).expect("valid set");
    for round in 0..50u32 {
        let mut copy = vset.rotation().clone();
        let want = if round == 0 { vset.proposer() } else { copy.increment(round) };
        assert_eq!(vset.proposer_at(round), want, "round {round}");
    }
    let mut copy = vset.rotation().clone();
    copy.increment(1);
    assert_eq!(vset.next_height().rotation(), &copy);
    // The set itself is not advanced by either call.
    assert_eq!(vset.rotation(), ValidatorSet::new(&members).expect("valid set").rotation());
}

#[test]
fn set_order_keys_and_index_of() {
    let members: Vec<([u8; 32], u64)> = (0..128u8).map(|i| (public_key(i), u64::from(i % 7) + 1)).collect();
    let vset = ValidatorSet::new(&members).expect("valid set");
    assert_eq!(vset.len(), 128);
    assert!(!vset.is_empty());
    assert_eq!(vset.total_power(), members.iter().map(|m| m.1).sum::<u64>());
    assert_eq!(vset.rotation().total() as u64, vset.total_power());

    let validators = vset.validators();
    for pair in validators.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(a.power > b.power || (a.power == b.power && a.address < b.address), "{a:?} before {b:?}");
    }
    for (i, v) in validators.iter().enumerate() {
        assert_eq!(v.address, Address::from_public_key(&v.public_key));
        assert_eq!(vset.key(i).map(|k| k.to_bytes()), Some(v.public_key));
        assert_eq!(vset.index_of(&v.address), Some(i));
        let entry = vset.rotation().entries()[i];
        assert_eq!((entry.address, entry.power as u64), (v.address, v.power));
    }
    assert_eq!(vset.key(128), None);
    assert_eq!(vset.index_of(&Address([0xAB; 20])), None);
}

#[test]
fn invalid_sets_are_rejected() {
    assert_eq!(ValidatorSet::new(&[]).err(), Some(ValidatorSetError::Empty));
    assert_eq!(WeightedRoundRobin::new(&[]), Err(ValidatorSetError::Empty));

    // Not a point on the curve: y = 2 has no x (RFC 8032 test for decompression failure).
    let mut bad = [0u8; 32];
    bad[0] = 2;
    assert!(ed25519_dalek::VerifyingKey::from_bytes(&bad).is_err());
    let err = ValidatorSet::new(&[(public_key(1), 1), (bad, 1), (bad, 1)]).err();
    assert_eq!(err, Some(ValidatorSetError::BadPublicKey { index: 1 }));

    let zero = ValidatorSet::new(&[(public_key(1), 1), (public_key(2), 0)]).err();
    assert_eq!(zero, Some(ValidatorSetError::ZeroPower { address: Address::from_public_key(&public_key(2)) }));

    let dup = ValidatorSet::new(&[(public_key(1), 1), (public_key(2), 2), (public_key(1), 3)]).err();
    assert_eq!(dup, Some(ValidatorSetError::Duplicate { address: Address::from_public_key(&public_key(1)) }));

    let max = MAX_TOTAL_VOTING_POWER as u64;
    assert!(ValidatorSet::new(&[(public_key(1), max)]).is_ok());
    assert_eq!(ValidatorSet::new(&[(public_key(1), max + 1)]).err(), Some(ValidatorSetError::TotalPowerTooLarge));
    assert_eq!(
        ValidatorSet::new(&[(public_key(1), max), (public_key(2), 1)]).err(),
        Some(ValidatorSetError::TotalPowerTooLarge)
    );
    assert_eq!(ValidatorSet::new(&[(public_key(1), u64::MAX)]).err(), Some(ValidatorSetError::TotalPowerTooLarge));
}

// `is_quorum(w)` is `w >= floor(2N/3) + 1` and `is_one_third(w)` is `w >= floor(N/3) + 1`.
#[test]
fn quorum_thresholds_match_floor_formulas() {
    let key = public_key(1);
    for n in 1..=300u64 {
        let vset = ValidatorSet::new(&[(key, n)]).expect("valid set");
        assert_eq!(vset.total_power(), n);
        let (quorum_min, one_third_min) = (2 * n / 3 + 1, n / 3 + 1);
        for w in 0..=n + 1 {
            assert_eq!(vset.is_quorum(w), w >= quorum_min, "N = {n}, w = {w}");
            assert_eq!(vset.is_one_third(w), w >= one_third_min, "N = {n}, w = {w}");
        }
    }
    let vset = ValidatorSet::new(&[(key, MAX_TOTAL_VOTING_POWER as u64)]).expect("valid set");
    let n = vset.total_power();
    let (quorum_min, one_third_min) = (2 * n / 3 + 1, n / 3 + 1);
    for w in [0, one_third_min - 1, one_third_min, quorum_min - 1, quorum_min, n, u64::MAX] {
        assert_eq!(vset.is_quorum(w), w >= quorum_min, "w = {w}");
        assert_eq!(vset.is_one_third(w), w >= one_third_min, "w = {w}");
    }
}
