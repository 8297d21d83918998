//! Everything that reads, writes or talks to AWS.

pub mod config;
pub mod config_edit;
pub mod paths;
