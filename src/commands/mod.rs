//! Subcommands other than the picker: each turns its arguments into calls
//! of the library and a [`crate::pick::Exit`].

pub mod doctor;
pub mod login;
pub mod logout;
pub mod status;
