//! The ownership marker: the key uo-aws-tui writes into the profile
//! sections it creates, so `populate --prune`, `doctor` and the companion
//! profiles can tell its sections from the user's. The AWS CLI, the SDKs
//! and terraform ignore keys they do not know.

use crate::aws::config::Section;

/// The key that marks a profile section as written by uo-aws-tui: `populate
/// --prune` removes only sections that carry it.
pub const OWNER_KEY: &str = "uo_aws_tui_managed";

/// The value of [`OWNER_KEY`].
pub const OWNER_VALUE: &str = "true";

/// Whether a profile section carries the ownership marker.
pub fn is_ours(section: &Section) -> bool {
    section.get(OWNER_KEY) == Some(OWNER_VALUE)
}
