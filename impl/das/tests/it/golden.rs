//! Bit-identity with Celestia: the extended square must be rsmt2d's.

use das::{Codec, DataSquare, ExtendedSquare, Field};
use sha2::{Digest, Sha256};

use crate::adr_square;

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

#[test]
fn a_real_celestia_square_is_reproduced_share_for_share() {
    let eds = include_bytes!("../data/celestia_eds_k4.bin");
    assert_eq!(sha256_hex(eds), "075c0950d4f7ce29191617bae71bd5cf3b41f1f7128bf510519d1a7d527f0098");
    let published = ExtendedSquare::from_bytes(4, 512, eds.to_vec()).unwrap();
    let ours = published.original().extend().unwrap();
    for r in 0..8 {
        for c in 0..8 {
            assert_eq!(ours.share(r, c), published.share(r, c), "share ({r}, {c})");
        }
    }
    assert_eq!(ours, published);
}

#[test]
fn rsmt2d_test_squares() {
    // rsmt2d extendeddatasquare_test.go, TestComputeExtendedDataSquare (LeoRSCodec): squares of
    // constant shares, given here by their constant byte.
    for size in [64, 512] {
        let constant = |b: u8| vec![b; size];
        let one = DataSquare::new(1, size, constant(1)).unwrap().extend().unwrap();
        assert_eq!(one.as_bytes(), vec![1u8; 4 * size].as_slice());

        let ods = [1u8, 2, 3, 4].iter().flat_map(|&b| constant(b)).collect();
        let two = DataSquare::new(2, size, ods).unwrap().extend().unwrap();
        let want = [[1u8, 2, 0, 3], [3, 4, 8, 15], [2, 11, 13, 4], [0, 13, 5, 8]];
        for (r, row) in want.iter().enumerate() {
            for (c, &b) in row.iter().enumerate() {
                assert_eq!(two.share(r, c).unwrap(), constant(b).as_slice(), "2×2 share ({r}, {c}), {size} bytes");
            }
        }
    }
}

#[test]
fn single_line_parity_matches_the_cross_implementation_hashes() {
    // ADR 0005: SHA-256 over the k parity shards of one encode of the deterministic data,
    // agreed by two independent crates per field (and by Go klauspost v1.12.0 per the
    // protocol digest). k = 129 is not a square width here, but it is a valid line.
    let cases = [
        (4, Field::Gf8, "048c89523b1790c1af413ca3a2ebef7ca88c0b2ffb94efcd35f0e22819fd48f7"),
        (64, Field::Gf8, "c32e0e7024c3ecdea3c6c48e0a089c420e2d31d29c16fe577cb65a4694f9019e"),
        (128, Field::Gf8, "b2ee996f1fc4c39656c48681a404eab0c28364a054791e6b0fa7cf9e18d6bd67"),
        (129, Field::Gf16, "4b98ef8dacda87ef01f16e4d5516dd21564478ac06dda89c941bbdb5bb94c9dc"),
        (256, Field::Gf16, "7c4aaac30b8b96e58a10a9b4d7e26b7e0e29191a98829da7d5c5ed20746a9620"),
        (512, Field::Gf16, "b15fcb5be0488277cf31b2b079b95c0b72f366558d6a116f7a1d0fbcc5763745"),
    ];
    for (k, field, want) in cases {
        let mut codec = Codec::new(k, 512).unwrap();
        assert_eq!(codec.field(), field);
        let mut line: Vec<Vec<u8>> =
            (0..k).map(|i| (0..512).map(|j| ((i * 31 + j * 7 + 1) % 256) as u8).collect()).collect();
        line.extend((0..k).map(|_| vec![0; 512]));
        let mut refs: Vec<&mut [u8]> = line.iter_mut().map(Vec::as_mut_slice).collect();
        codec.encode(&mut refs).unwrap();
        assert_eq!(sha256_hex(&line[k..].concat()), want, "k = {k}");
    }
}

#[test]
fn whole_squares_match_the_cross_implementation_hashes() {
    // ADR 0005: SHA-256 of the whole EDS, row-major, of the deterministic ODS.
    let gf8 = adr_square(128, 512).extend().unwrap();
    assert_eq!(sha256_hex(gf8.as_bytes()), "f9c8b2f2d985f0ad43f3cdf39eb3c7c01094a2627daf16f33a5760a02b6c7080");
    let gf16 = adr_square(256, 512).extend().unwrap();
    assert_eq!(sha256_hex(gf16.as_bytes()), "e138730f22fbd388e6f09c9730e87690419af98cdfa986ecfbb986d4969df7d4");
}

#[test]
fn q3_is_the_same_from_rows_and_from_columns() {
    // rsmt2d builds Q3 from the bottom rows; extending Q1's columns must give the same shares
    // (the code is linear and both are the tensor product of the row and column codes).
    for k in [1, 2, 4, 8, 16, 256] {
        let eds = adr_square(k, 64).extend().unwrap();
        let mut codec = Codec::new(k, 64).unwrap();
        for c in k..2 * k {
            let mut column: Vec<Vec<u8>> = (0..k).map(|r| eds.share(r, c).unwrap().to_vec()).collect();
            column.extend((0..k).map(|_| vec![0; 64]));
            let mut refs: Vec<&mut [u8]> = column.iter_mut().map(Vec::as_mut_slice).collect();
            codec.encode(&mut refs).unwrap();
            for (r, share) in column.iter().enumerate().skip(k) {
                assert_eq!(share, eds.share(r, c).unwrap(), "k={k} ({r}, {c})");
            }
        }
    }
}

#[test]
fn blobs_round_trip_through_the_smallest_square() {
    for (len, k) in [(0, 1), (504, 1), (505, 2), (4 * 512 - 8, 2), (4 * 512 - 7, 4), (100_000, 16)] {
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let ods = DataSquare::from_blob(&data, 512).unwrap();
        assert_eq!(ods.width(), k, "{len} bytes");
        assert_eq!(ods.blob(), Some(data.as_slice()));
        assert_eq!(ods.extend().unwrap().original(), ods);
    }
    assert!(DataSquare::from_blob(&vec![0; 512 * 512 * 512], 512).is_err());
}
