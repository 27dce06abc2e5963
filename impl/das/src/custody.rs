//! Custody (DAS-9): which rows and columns of the extended square each full node keeps.
//!
//! Node `n` of a network seeded with `seed` keeps `rows` distinct rows and `cols` distinct
//! columns drawn with splitmix64 from the state `splitmix64(seed ⊕ splitmix64(n))` (each
//! inner call one draw from that state), each draw `x mod 2k`, skipping repeats. A node keeps
//! every share of its lines.

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
    // Hash the node number, then the seed with it, so that neighbouring nodes' draws are
    // unrelated (a plain `seed ⊕ n·γ` would make node n's draws node 0's shifted by n).
    let mut node_state = node;
    let mut seeded = seed ^ splitmix64(&mut node_state);
    let mut state = splitmix64(&mut seeded);
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
