//! Subcommands other than the picker: each turns its arguments into calls
//! of the library and a [`crate::exit::Exit`].

pub mod chain;
pub mod console;
pub mod credentials;
pub mod doctor;
pub mod exec;
pub mod init;
pub mod list;
pub mod login;
pub mod logout;
pub mod populate;
pub mod prompt;
pub mod sign_in;
pub mod status;
pub mod use_profile;
