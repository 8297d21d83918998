//! The AWS CLI v2's role-credential cache (`~/.aws/cli/cache`): which files
//! belong to an sso-session, so logging out removes them.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::registration::ensure_ascii;
use super::token_cache::cache_file_name;

/// The file the AWS CLI v2 caches role credentials of `account_id` × `role`
/// of sso-session `session` in: SHA-1 of the compact, key-sorted JSON
/// `{"accountId":…,"roleName":…,"sessionName":…}`.
pub fn role_credentials_path(
    cli_cache: &Path,
    account_id: &str,
    role: &str,
    session: &str,
) -> PathBuf {
    let mut key = Map::new();
    key.insert("accountId".into(), json!(account_id));
    key.insert("roleName".into(), json!(role));
    key.insert("sessionName".into(), json!(session));
    let text = ensure_ascii(&Value::Object(key).to_string());
    cli_cache.join(cache_file_name(&text))
}

/// Every file in `cli_cache` whose `ProviderType` is `sso` (what
/// `aws sso logout` removes). A missing directory has none.
pub fn sso_files(cli_cache: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(cli_cache) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| {
            crate::file_kind::read_to_string(p)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .is_some_and(|v| v.get("ProviderType").and_then(Value::as_str) == Some("sso"))
        })
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_cli() {
        assert_eq!(
            role_credentials_path(Path::new("/c"), "111122223333", "ReadOnly", "my-sso"),
            Path::new("/c/0521d1f6a6c4e68f9e18540309367cc3cccb6305.json")
        );
    }

    #[test]
    fn finds_only_sso_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.json"),
            r#"{"ProviderType": "sso", "Credentials": {}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("b.json"),
            r#"{"ProviderType": "assume-role"}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("c.json"), "not json").unwrap();
        assert_eq!(sso_files(dir.path()), vec![dir.path().join("a.json")]);
        assert!(sso_files(&dir.path().join("missing")).is_empty());
    }
}
