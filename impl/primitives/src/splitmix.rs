//! splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
//! OOPSLA 2014): the one seeded generator the stack's specs use wherever a reference and a
//! client must draw the same "random" choices from a seed. Written out here so that the specs
//! can state it in five lines and no crate needs a random-number dependency.

/// One step of splitmix64: advances `state` by the golden-ratio increment and returns the
/// next output (`docs/spec/encoding.md` ENC-6).
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `len` bytes drawn from `seed`: splitmix64 outputs, each written as 8 bytes little-endian,
/// the last cut short if `len` is not a multiple of 8 (`vectors.md` VEC-7.2's seeded square).
pub fn splitmix64_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        bytes.extend(splitmix64(&mut state).to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

#[cfg(test)]
mod tests {
    use super::{splitmix64, splitmix64_bytes};

    #[test]
    fn bytes_are_the_outputs_little_endian() {
        assert_eq!(splitmix64_bytes(0, 10), [0xaf, 0xcd, 0x1d, 0x7b, 0x39, 0xa8, 0x20, 0xe2, 0xf4, 0x65]);
        assert!(splitmix64_bytes(5, 0).is_empty());
    }

    #[test]
    fn matches_the_published_reference_outputs() {
        // The first outputs for seed 0 of the reference C code (Vigna, prng.di.unimi.it/splitmix64.c).
        let mut state = 0;
        assert_eq!(splitmix64(&mut state), 0xe220_a839_7b1d_cdaf);
        assert_eq!(splitmix64(&mut state), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(splitmix64(&mut state), 0x06c4_5d18_8009_454f);
    }
}
