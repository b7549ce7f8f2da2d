//! The geo crate's integration tests, one binary: bad input and real boundaries.

mod bad_input;
mod real_boundaries;
