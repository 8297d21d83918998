//! uo-aws-tui: a terminal UI for AWS IAM Identity Center (SSO).

pub mod aws;
pub mod sim;
