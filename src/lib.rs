//! uo-aws-tui: a terminal UI for AWS IAM Identity Center (SSO).
//!
//! The library holds everything the binary does, so tests drive the same code:
//! reading and editing the AWS shared files ([`aws`]), listing the portal
//! ([`aws::portal`]), the [`catalog`] and [`search`], the picker model
//! ([`app`]) and drawing ([`ui`]), and the built-in simulator ([`sim`]) used by
//! `uo-aws-tui demo` and the tests.

pub mod app;
pub mod atomic_file;
pub mod aws;
pub mod cache;
pub mod catalog;
pub mod chain;
pub mod chain_credentials;
pub mod cli;
pub mod commands;
pub mod companion;
pub mod completion;
pub mod console;
pub mod demo;
pub mod details;
pub mod dirs;
pub mod doctor;
pub mod duration;
pub mod env;
pub mod event_loop;
pub mod exit;
pub mod favourites;
pub mod file_kind;
pub mod handover;
pub mod keymap;
pub mod listing;
pub mod output;
pub mod ownership;
pub mod picker;
pub mod profile;
pub mod progress;
pub mod prompt;
pub mod region;
pub mod repair;
pub mod row;
pub mod scripting;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod shell;
pub mod sim;
pub mod terminal;
pub mod token;
pub mod typo;
pub mod ui;
