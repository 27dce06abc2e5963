//! Simulator integration tests.

mod runs;
