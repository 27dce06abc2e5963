//! One line of the square: `k` original shards to `2k` by Leopard Reed–Solomon, exactly as
//! Celestia's rsmt2d gets it from `klauspost/reedsolomon` with `WithLeopardGF(true)`.
//!
//! - `2k ≤ 256` (`k ≤ 128`): Leopard GF(2^8), through `leopard-codec` (a port of klauspost's
//!   `leopard8.go`; bit-identical to a real Celestia square, ADR 0005).
//! - `2k > 256`: Leopard GF(2^16), through `reed-solomon-simd` (the same field, basis and byte
//!   layout as klauspost's `leopard.go`).
//!
//! A line is `2k` shards: positions `0..k` are the original (data) half, `k..2k` the parity
//! half. The normative definition of the code is `docs/spec/das.md` §3 (DAS-EC rules).

use reed_solomon_simd::{ReedSolomonDecoder, ReedSolomonEncoder};

/// Shard lengths must be a multiple of this many bytes (Leopard's work unit).
pub const SHARD_ALIGN: usize = 64;

/// The largest original-half width the GF(2^16) code takes (Leopard's limit, 2^15).
pub const MAX_K: usize = 32_768;

/// The finite field a line of width `2k` is coded over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Leopard GF(2^8), for `2k ≤ 256`.
    Gf8,
    /// Leopard GF(2^16), for `2k > 256`.
    Gf16,
}

impl Field {
    /// The field klauspost's `New(k, k, WithLeopardGF(true))` picks: GF(2^8) while the total
    /// shard count `2k` is at most 256, GF(2^16) above.
    pub fn for_k(k: usize) -> Field {
        if 2 * k <= 256 { Field::Gf8 } else { Field::Gf16 }
    }

    /// The name used in specs and reports (`gf8`, `gf16`).
    pub fn name(self) -> &'static str {
        match self {
            Field::Gf8 => "gf8",
            Field::Gf16 => "gf16",
        }
    }
}

/// Why a line cannot be coded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// `k` is 0 or above [`MAX_K`].
    #[error("a line's original half must hold 1..={MAX_K} shards, got {0}")]
    BadWidth(usize),
    /// The shard length is 0 or not a multiple of 64.
    #[error("shards must be a non-zero multiple of {SHARD_ALIGN} bytes, got {0}")]
    BadShardLength(usize),
    /// The caller passed a line of the wrong width or a shard of the wrong length.
    #[error("expected {expected} shards of {shard_len} bytes")]
    Shape {
        /// `2k`.
        expected: usize,
        /// The codec's shard length.
        shard_len: usize,
    },
    /// Fewer than `k` of the `2k` shards are present.
    #[error("{present} of {width} shards present; at least {needed} are needed")]
    TooFewShards {
        /// Present shards.
        present: usize,
        /// `2k`.
        width: usize,
        /// `k`.
        needed: usize,
    },
    /// The present shards are not all on one codeword: decoding from some of them
    /// contradicts another.
    #[error("the present shards are not a codeword: position {position} disagrees with the others")]
    NotACodeword {
        /// The first present position whose value differs from the decoded codeword.
        position: usize,
    },
    /// The underlying crate refused the input (should not happen for valid shapes).
    #[error("codec failure: {0}")]
    Backend(String),
}

/// An encoder/decoder for lines of `2k` shards of `shard_len` bytes. It keeps its work
/// buffers between calls, so reuse one per square.
pub struct Codec {
    k: usize,
    shard_len: usize,
    field: Field,
    gf16: Option<(ReedSolomonEncoder, ReedSolomonDecoder)>,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec")
            .field("k", &self.k)
            .field("shard_len", &self.shard_len)
            .field("field", &self.field)
            .finish()
    }
}

impl Codec {
    /// A codec for `k` original shards of `shard_len` bytes each.
    pub fn new(k: usize, shard_len: usize) -> Result<Codec, CodecError> {
        if k == 0 || k > MAX_K {
            return Err(CodecError::BadWidth(k));
        }
        if shard_len == 0 || !shard_len.is_multiple_of(SHARD_ALIGN) {
            return Err(CodecError::BadShardLength(shard_len));
        }
        let field = Field::for_k(k);
        let gf16 = match field {
            Field::Gf8 => None,
            Field::Gf16 => Some((
                ReedSolomonEncoder::new(k, k, shard_len).map_err(backend)?,
                ReedSolomonDecoder::new(k, k, shard_len).map_err(backend)?,
            )),
        };
        Ok(Codec { k, shard_len, field, gf16 })
    }

    /// `k`: the original half's width.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The field this codec works in.
    pub fn field(&self) -> Field {
        self.field
    }

    /// The shard length in bytes.
    pub fn shard_len(&self) -> usize {
        self.shard_len
    }

    /// Fills the parity half `line[k..2k]` from the original half `line[0..k]`.
    pub fn encode(&mut self, line: &mut [&mut [u8]]) -> Result<(), CodecError> {
        let shape = CodecError::Shape { expected: 2 * self.k, shard_len: self.shard_len };
        if line.len() != 2 * self.k || line.iter().any(|s| s.len() != self.shard_len) {
            return Err(shape);
        }
        match &mut self.gf16 {
            None => leopard_codec::encode(line, self.k).map_err(backend),
            Some((encoder, _)) => {
                encoder.reset(self.k, self.k, self.shard_len).map_err(backend)?;
                let (original, parity) = line.split_at_mut(self.k);
                for shard in original.iter() {
                    encoder.add_original_shard(&**shard).map_err(backend)?;
                }
                let result = encoder.encode().map_err(backend)?;
                for (out, recovery) in parity.iter_mut().zip(result.recovery_iter()) {
                    out.copy_from_slice(recovery);
                }
                Ok(())
            }
        }
    }

    /// Recovers a whole line from any `k` of its `2k` shards (`None` = missing) and checks
    /// that every present shard lies on the recovered codeword.
    pub fn decode(&mut self, line: &[Option<&[u8]>]) -> Result<Vec<Vec<u8>>, CodecError> {
        let width = 2 * self.k;
        if line.len() != width || line.iter().flatten().any(|s| s.len() != self.shard_len) {
            return Err(CodecError::Shape { expected: width, shard_len: self.shard_len });
        }
        let present = line.iter().flatten().count();
        if present < self.k {
            return Err(CodecError::TooFewShards { present, width, needed: self.k });
        }
        let mut full: Vec<Vec<u8>> = line.iter().map(|s| s.map(<[u8]>::to_vec).unwrap_or_default()).collect();
        let originals_present = line.iter().take(self.k).all(Option::is_some);
        if !originals_present {
            self.recover_originals(line, &mut full)?;
            // Leopard GF(2^8)'s reconstruction restores every missing shard, parity too. From
            // exactly `k` shards it is the one codeword through them (any `k` positions
            // determine a Reed–Solomon codeword), so re-encoding could change nothing and
            // there is nothing left to compare.
            if present == self.k && self.gf16.is_none() {
                debug_assert!(self.is_codeword(&full), "reconstruction from k shards gives a codeword");
                return Ok(full);
            }
        }
        // The parity half always comes from the (given or recovered) original half, so the
        // result is a codeword; then every present shard must agree with it.
        for shard in &mut full[self.k..] {
            shard.clear();
            shard.resize(self.shard_len, 0);
        }
        let mut refs: Vec<&mut [u8]> = full.iter_mut().map(Vec::as_mut_slice).collect();
        self.encode(&mut refs)?;
        if let Some(position) = line.iter().zip(&full).position(|(given, decoded)| given.is_some_and(|g| g != decoded))
        {
            return Err(CodecError::NotACodeword { position });
        }
        Ok(full)
    }

    /// Whether `full` (all `2k` shards) is a codeword: its parity half is its original
    /// half's encoding.
    fn is_codeword(&mut self, full: &[Vec<u8>]) -> bool {
        let mut line = full.to_vec();
        let mut refs: Vec<&mut [u8]> = line.iter_mut().map(Vec::as_mut_slice).collect();
        self.encode(&mut refs).is_ok() && line == full
    }

    fn recover_originals(&mut self, line: &[Option<&[u8]>], full: &mut [Vec<u8>]) -> Result<(), CodecError> {
        match &mut self.gf16 {
            None => leopard_codec::reconstruct(full, self.k).map_err(backend),
            Some((_, decoder)) => {
                decoder.reset(self.k, self.k, self.shard_len).map_err(backend)?;
                for (i, shard) in line.iter().enumerate() {
                    match (shard, i.checked_sub(self.k)) {
                        (Some(s), None) => decoder.add_original_shard(i, s).map_err(backend)?,
                        (Some(s), Some(parity)) => decoder.add_recovery_shard(parity, s).map_err(backend)?,
                        (None, _) => {}
                    }
                }
                let result = decoder.decode().map_err(backend)?;
                for (i, restored) in result.restored_original_iter() {
                    if let Some(slot) = full.get_mut(i) {
                        *slot = restored.to_vec();
                    }
                }
                Ok(())
            }
        }
    }
}

fn backend(e: impl std::fmt::Display) -> CodecError {
    CodecError::Backend(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(k: usize, len: usize) -> Vec<Vec<u8>> {
        let mut line: Vec<Vec<u8>> =
            (0..k).map(|i| (0..len).map(|j| ((i * 31 + j * 7 + 1) % 256) as u8).collect()).collect();
        line.extend((0..k).map(|_| vec![0; len]));
        line
    }

    fn encoded(k: usize, len: usize) -> Vec<Vec<u8>> {
        let mut l = line(k, len);
        let mut codec = Codec::new(k, len).unwrap();
        let mut refs: Vec<&mut [u8]> = l.iter_mut().map(Vec::as_mut_slice).collect();
        codec.encode(&mut refs).unwrap();
        l
    }

    #[test]
    fn field_follows_klauspost() {
        assert_eq!(Field::for_k(1), Field::Gf8);
        assert_eq!(Field::for_k(128), Field::Gf8);
        assert_eq!(Field::for_k(129), Field::Gf16);
        assert_eq!(Field::for_k(512), Field::Gf16);
    }

    #[test]
    fn decodes_from_any_half_in_both_fields() {
        for k in [1, 2, 4, 8, 256] {
            let full = encoded(k, 64);
            let mut codec = Codec::new(k, 64).unwrap();
            // The parity half alone, the original half alone, and every other shard.
            for keep in [|i: usize, k: usize| i >= k, |i, k| i < k, |i, _| i % 2 == 1] {
                let partial: Vec<Option<&[u8]>> =
                    full.iter().enumerate().map(|(i, s)| keep(i, k).then_some(s.as_slice())).collect();
                assert_eq!(codec.decode(&partial).unwrap(), full, "k={k}");
            }
        }
    }

    #[test]
    fn too_few_and_inconsistent_shards_are_typed_errors() {
        let mut full = encoded(4, 64);
        let mut codec = Codec::new(4, 64).unwrap();
        let partial: Vec<Option<&[u8]>> =
            full.iter().enumerate().map(|(i, s)| (i < 3).then_some(s.as_slice())).collect();
        assert_eq!(codec.decode(&partial), Err(CodecError::TooFewShards { present: 3, width: 8, needed: 4 }));
        full[6][10] ^= 1;
        let all: Vec<Option<&[u8]>> = full.iter().map(|s| Some(s.as_slice())).collect();
        assert_eq!(codec.decode(&all), Err(CodecError::NotACodeword { position: 6 }));
    }

    #[test]
    fn bad_shapes_are_refused() {
        assert_eq!(Codec::new(0, 64).unwrap_err(), CodecError::BadWidth(0));
        assert_eq!(Codec::new(4, 100).unwrap_err(), CodecError::BadShardLength(100));
        let mut codec = Codec::new(2, 64).unwrap();
        let short = [0u8; 64];
        assert!(matches!(codec.decode(&[Some(&short[..]), None, None]), Err(CodecError::Shape { .. })));
    }
}
