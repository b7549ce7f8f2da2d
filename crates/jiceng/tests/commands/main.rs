//! The command-line binary's tests, one test binary: each runs `jiceng` as a user would.

mod audit;
mod backup;
mod backup_postgres;
mod calendar;
mod cli;
mod crash;
mod demo;
mod demo_orders;
mod duties;
mod erasure;
mod grids;
mod model;
mod model_retrain;
mod serve;
mod shutdown;
