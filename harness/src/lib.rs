//! The orsma harness: the library behind the `orsma` command.
//!
//! The command-line front end lives in `cli`; everything it does is reachable from here so
//! that tests and other tools can drive it in process.

pub mod cli;
