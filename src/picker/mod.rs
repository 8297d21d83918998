//! The interactive picker: its services.

pub mod services;

pub use services::PickServices;
