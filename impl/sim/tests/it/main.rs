//! Simulator integration tests.

mod props;
mod runs;
