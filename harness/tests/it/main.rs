//! End-to-end tests of the `orsma` binary.

mod vm_cli;
