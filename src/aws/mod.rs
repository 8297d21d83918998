//! Everything that reads, writes or talks to AWS: the shared config and
//! credentials files, the SSO token cache and the portal.

pub mod cli_cache;
pub mod config;
pub mod config_edit;
pub mod config_write;
pub mod federation;
pub mod limiter;
pub mod login;
pub mod login_cache;
pub mod login_refresh;
pub(crate) mod logout;
pub mod network;
pub mod paths;
pub mod portal;
pub mod registration;
pub mod role_credentials;
pub mod sdk_error;
pub mod sso_session;
pub mod sts;
pub mod token_cache;
