//! Custody (DAS-9): which rows and columns of the extended square each full node keeps.
//!
//! Node `n` of a network seeded with `seed` keeps `rows` distinct rows and `cols` distinct
//! columns drawn with splitmix64 from the state `seed ⊕ (n · 0x9e3779b97f4a7c15)`, each draw
//! `x mod 2k`, skipping repeats. A node keeps every share of its lines.

use primitives::splitmix64;

/// The lines one node keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Custody {
    /// Row indices, in draw order.
    pub rows: Vec<usize>,
    /// Column indices, in draw order.
    pub cols: Vec<usize>,
}

impl Custody {
    /// Whether the node keeps share `(row, col)`.
    pub fn keeps(&self, row: usize, col: usize) -> bool {
        self.rows.contains(&row) || self.cols.contains(&col)
    }
}

/// The custody of node `node` in a square of width `width`.
pub fn assign(seed: u64, node: u64, width: usize, rows: usize, cols: usize) -> Custody {
    let mut state = seed ^ node.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut draw = |count: usize| {
        let count = count.min(width);
        let mut out: Vec<usize> = Vec::with_capacity(count);
        while out.len() < count {
            let line = (splitmix64(&mut state) % width as u64) as usize;
            if !out.contains(&line) {
                out.push(line);
            }
        }
        out
    };
    let rows = draw(rows);
    let cols = draw(cols);
    Custody { rows, cols }
}
