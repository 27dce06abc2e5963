//! Repair of a data availability square: any erasure pattern, any corruption of the committed
//! square (the producer commits to a square that is not a codeword) or of the shares handed to
//! the repairer, gets a correct verdict and never a panic; and no bytes decoded as a
//! bad-encoding fraud proof make its verifier panic.
//!
//! The verdict oracle is `impl/das/tests/it/verdict.rs` (included by path; the property tests
//! in `impl/das/tests/it/props.rs` drive the same oracle): `Ok` only with a completed peeling,
//! a codeword committed square and uncorrupted shares, and then it is the committed square;
//! `Unrecoverable` exactly where boolean peeling of the mask stops, with the same counts;
//! `BadEncoding` only for a committed line that is not a codeword or a line a corrupted share
//! was given on, and its fraud proof, if any, verifies against the header exactly when the
//! committed line is bad.
//!
//! The input's first byte picks the mode:
//!
//! - not `3 mod 4`: **repair**. Then, each read from the front, missing bytes being zero:
//!   `log_k: u8` (`k = 2^(log_k mod 4)`, so 1, 2, 4 or 8; shares are 64 bytes), `seed: u64`
//!   (the original square's bytes, splitmix64), `flags: u8` (bit 0: give each share with its
//!   proof, against its row or its column; bit 1: an all-zero original square; bit 2 or 3:
//!   after tampering, the producer re-encodes every row, or every column, from its original
//!   half), the [`Mask`] (`kind: u8`, `a: u8`, `b: u8`, `c: u8`, `mask_seed: u64`), then
//!   `n: u8` and `n mod 5` committed flips, `m: u8` and `m mod 5` given flips (each
//!   `cell: u16` (mod (2k)²), `byte: u8` (mod 64), `bits: u8` (XORed in; 0 changes nothing)),
//!   and finally toggle bits: bit `i` of the rest flips whether cell `i` (row-major) is given.
//! - `3 mod 4`: **proof bytes**. `len: u16`, `len` bytes read as a Borsh [`Dah`] (if they are
//!   not one, the header of an honest seeded `k = 4` square is used), a share size selector
//!   `u8` (0: 64 bytes, otherwise `8·n`, so mostly invalid sizes), then bytes handed to
//!   [`BadEncodingProof::from_bytes`]. A proof that decodes re-encodes to the same bytes and is
//!   verified against the header with 64-byte shares and with the selected size: `Ok` or a
//!   typed error, never a panic.

#![no_main]

#[path = "../../impl/das/tests/it/verdict.rs"]
mod verdict;

use arbitrary::{Arbitrary, Unstructured};
use das::{Axis, BadEncodingProof, Dah, DataSquare, ExtendedSquare};
use libfuzzer_sys::fuzz_target;

/// The share size of the repair mode (the smallest the codec takes).
const SHARE: usize = 64;
/// The most flips of each kind.
const FLIPS: u8 = 5;

fuzz_target!(|input: Input| check(&input));

#[derive(Debug)]
enum Input {
    Repair(Repair),
    Proof { header: Vec<u8>, share_size: u8, bytes: Vec<u8> },
}

#[derive(Debug)]
struct Repair {
    log_k: u8,
    seed: u64,
    flags: u8,
    mask: Mask,
    committed: Vec<Flip>,
    given: Vec<Flip>,
    toggles: Vec<u8>,
}

/// Which cells are given, before the toggles.
#[derive(Debug)]
struct Mask {
    /// `kind mod 6`: 0 every cell; 1 each cell with probability `a/256` (from `mask_seed`);
    /// 2 quadrant `a mod 4` only (0: Q0, 3: Q3); 3 all but a `(c mod (2k+1))`-square block at
    /// row `a`, column `b` (wrapping; `c = k + 1` is the minimal unrecoverable pattern);
    /// 4 the rows whose bit in `mask_seed` is set; 5 the same for columns.
    kind: u8,
    a: u8,
    b: u8,
    c: u8,
    mask_seed: u64,
}

#[derive(Arbitrary, Debug)]
struct Flip {
    cell: u16,
    byte: u8,
    bits: u8,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Input> {
        // Only reached when an `Input` is nested in something else; keep it simple.
        Ok(Input::Proof { header: Vec::new(), share_size: 0, bytes: u.arbitrary()? })
    }

    fn arbitrary_take_rest(mut u: Unstructured<'a>) -> arbitrary::Result<Input> {
        let mode = u8::arbitrary(&mut u)?;
        if mode % 4 == 3 {
            let len = usize::from(u16::arbitrary(&mut u)?);
            let header = u.bytes(len.min(u.len()))?.to_vec();
            let share_size = u8::arbitrary(&mut u)?;
            return Ok(Input::Proof { header, share_size, bytes: u.take_rest().to_vec() });
        }
        let log_k = u.arbitrary()?;
        let seed = u.arbitrary()?;
        let flags = u.arbitrary()?;
        let mask = Mask {
            kind: u.arbitrary()?,
            a: u.arbitrary()?,
            b: u.arbitrary()?,
            c: u.arbitrary()?,
            mask_seed: u.arbitrary()?,
        };
        let flips = |u: &mut Unstructured<'a>| -> arbitrary::Result<Vec<Flip>> {
            let n = u8::arbitrary(u)? % FLIPS;
            (0..n).map(|_| Flip::arbitrary(u)).collect()
        };
        let committed = flips(&mut u)?;
        let given = flips(&mut u)?;
        Ok(Input::Repair(Repair { log_k, seed, flags, mask, committed, given, toggles: u.take_rest().to_vec() }))
    }
}

fn check(input: &Input) {
    match input {
        Input::Repair(repair) => check_repair(repair),
        Input::Proof { header, share_size, bytes } => check_proof(header, *share_size, bytes),
    }
}

/// The original square of `k×k` 64-byte shares: splitmix64 bytes from `seed`, or zeros.
fn original(k: usize, seed: u64, zero: bool) -> ExtendedSquare {
    let mut bytes = Vec::with_capacity(k * k * SHARE);
    let mut state = seed;
    while bytes.len() < k * k * SHARE {
        let word = if zero { 0 } else { primitives::splitmix64(&mut state) };
        bytes.extend(word.to_le_bytes());
    }
    DataSquare::new(k, SHARE, bytes).expect("a valid square").extend().expect("extends")
}

impl Mask {
    fn cells(&self, k: usize) -> Vec<bool> {
        let w = 2 * k;
        let (a, b, c) = (usize::from(self.a), usize::from(self.b), usize::from(self.c));
        let mut state = self.mask_seed;
        (0..w * w)
            .map(|i| {
                let (r, col) = (i / w, i % w);
                match self.kind % 6 {
                    0 => true,
                    1 => (primitives::splitmix64(&mut state) >> 56) < a as u64,
                    2 => r / k == (a % 4) / 2 && col / k == (a % 4) % 2,
                    3 => {
                        let size = c % (w + 1);
                        !((r + w - a % w) % w < size && (col + w - b % w) % w < size)
                    }
                    4 => self.mask_seed >> (r % 64) & 1 == 1,
                    _ => self.mask_seed >> (col % 64) & 1 == 1,
                }
            })
            .collect()
    }
}

fn check_repair(input: &Repair) {
    let k = 1usize << (input.log_k % 4);
    let mut committed = original(k, input.seed, input.flags & 2 != 0);
    for f in &input.committed {
        verdict::flip(&mut committed, usize::from(f.cell), usize::from(f.byte), f.bits);
    }
    if input.flags & 4 != 0 {
        verdict::reencode(&mut committed, Axis::Row);
    } else if input.flags & 8 != 0 {
        verdict::reencode(&mut committed, Axis::Col);
    }
    let mut given = committed.clone();
    for f in &input.given {
        verdict::flip(&mut given, usize::from(f.cell), usize::from(f.byte), f.bits);
    }
    let mut known = input.mask.cells(k);
    for (i, cell) in known.iter_mut().enumerate() {
        if input.toggles.get(i / 8).is_some_and(|byte| byte >> (i % 8) & 1 == 1) {
            *cell = !*cell;
        }
    }
    verdict::check_repair(&committed, &given, &known, input.flags & 1 != 0);
}

fn check_proof(header: &[u8], share_size: u8, bytes: &[u8]) {
    let Ok(proof) = BadEncodingProof::from_bytes(bytes) else { return };
    assert_eq!(proof.to_bytes(), bytes, "a decoded fraud proof has exactly one encoding");
    let dah = primitives::encoding::decode::<Dah>(header).unwrap_or_else(|_| original(4, 0, false).dah());
    let _ = proof.verify(&dah, SHARE);
    let size = if share_size == 0 { SHARE } else { 8 * usize::from(share_size) };
    let _ = proof.verify(&dah, size);
}
