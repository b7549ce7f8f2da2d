//! The command-line binary's tests, one test binary: each runs `jiceng` as a user would.

mod audit;
mod calendar;
mod cli;
mod demo;
mod demo_orders;
mod duties;
mod erasure;
mod grids;
mod model;
mod model_retrain;
mod serve;
mod shutdown;
