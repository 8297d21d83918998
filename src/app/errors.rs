//! Typed failures between the picker and the work it asks for: what a
//! service reports back, and how a listing ended the picker. `Display` is
//! the text the user sees.

use std::path::PathBuf;

/// Why work the picker asked of its services failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// The config file cannot be read, or names no such sso-session.
    #[error("{0}")]
    Config(String),
    /// The session's token file cannot be read.
    #[error("{0}")]
    Token(String),
    /// A file of ours (e.g. the favourites) could not be written.
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
    /// A login failed: OIDC refused, the browser flow timed out, …
    #[error("{0}")]
    Login(String),
    /// A call to AWS for `session` failed (token refresh, logout).
    #[error("{session}: {message}")]
    Aws { session: String, message: String },
}

/// A listing that ended the picker before any row arrived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ListingFailed {
    /// What failed, e.g. `ListAccounts: InternalServerException …`.
    pub message: String,
    /// Whether the portal rejected the access token (a login helps).
    pub unauthorized: bool,
}
