//! Exact-bytes tests of the AWS config editor and atomic writer, cross-checked
//! with our reader and with rust-ini.

use std::path::Path;

use uo_aws_tui::atomic_file::{write_atomic, PRIVATE};
use uo_aws_tui::aws::config::{AwsFile, ConfigError, FileKind, SectionName};
use uo_aws_tui::aws::config_edit::upsert_section;

const PATH: &str = "/home/user/.aws/config";

fn profile(name: &str) -> SectionName {
    SectionName::Profile(name.to_string())
}

fn upsert(text: &str, section: &SectionName, keys: &[(&str, &str)]) -> String {
    upsert_section(Path::new(PATH), FileKind::Config, text, section, keys)
        .unwrap_or_else(|e| panic!("upsert failed: {e}"))
}

/// Checks that `text` reads with both our reader and rust-ini, and that in
/// the section whose header inner text is `header` every `(key, value)` of
/// `expected` is present. `name` is the parsed name of that section.
fn check_reads(text: &str, header: &str, name: &SectionName, expected: &[(&str, &str)]) {
    let ours = AwsFile::parse(Path::new(PATH), FileKind::Config, text)
        .unwrap_or_else(|e| panic!("our reader rejects the text: {e}\n{text}"));
    let section = ours
        .section(name)
        .unwrap_or_else(|| panic!("no {name:?} in our reading of\n{text}"));
    let ini = ini::Ini::load_from_str(text)
        .unwrap_or_else(|e| panic!("rust-ini rejects the text: {e}\n{text}"));
    let ini_section = ini
        .section(Some(header))
        .unwrap_or_else(|| panic!("no [{header}] in rust-ini's reading of\n{text}"));
    for (key, value) in expected {
        assert_eq!(section.get(key), Some(*value), "reader: {header} {key}");
        assert_eq!(
            ini_section.get(*key),
            Some(*value),
            "rust-ini: {header} {key}"
        );
    }
}

const ADMIN_KEYS: &[(&str, &str)] = &[
    ("sso_session", "uoregon"),
    ("sso_account_id", "123456789012"),
    ("sso_role_name", "Admin"),
    ("region", "us-west-2"),
];

#[test]
fn new_profile_appended_to_file_without_final_newline() {
    let input = "[default]\nregion=eu-west-1\n[profile other]\nregion=eu-west-1";
    let admin = profile("123456789012_Admin");
    let out = upsert(input, &admin, ADMIN_KEYS);
    let expected = format!(
        "{input}\n\n[profile 123456789012_Admin]\nsso_session = uoregon\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-west-2\n"
    );
    assert_eq!(out, expected);
    check_reads(
        &out,
        "profile other",
        &profile("other"),
        &[("region", "eu-west-1")],
    );
    check_reads(
        &out,
        "default",
        &SectionName::Default,
        &[("region", "eu-west-1")],
    );
    check_reads(&out, "profile 123456789012_Admin", &admin, ADMIN_KEYS);
}

const REALISTIC: &str = "\
# vim: set ft=dosini :
# AWS CLI configuration, edited by hand and by tools.

[default]
region = us-east-1
cli_pager =

[plugins]
cli_legacy_plugin_path = /opt/aws/plugins

; single sign-on
[sso-session uoregon]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-west-2
sso_registration_scopes = sso:account:access

[profile 111111111111_ReadOnly]
sso_session = uoregon
# pinned by hand
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = us-east-1
output = json

# end of file
";

const REALISTIC_EDITED: &str = "\
# vim: set ft=dosini :
# AWS CLI configuration, edited by hand and by tools.

[default]
region = us-east-1
cli_pager =

[plugins]
cli_legacy_plugin_path = /opt/aws/plugins

; single sign-on
[sso-session uoregon]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-west-2
sso_registration_scopes = sso:account:access

[profile 111111111111_ReadOnly]
sso_session = uoregon
# pinned by hand
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = us-west-2
output = json

# end of file

[profile 222222222222_Admin]
sso_session = uoregon
sso_account_id = 222222222222
sso_role_name = Admin
region = us-west-2
";

const READ_ONLY_KEYS: &[(&str, &str)] = &[
    ("sso_session", "uoregon"),
    ("sso_account_id", "111111111111"),
    ("sso_role_name", "ReadOnly"),
    ("region", "us-west-2"),
];

const ADMIN_222_KEYS: &[(&str, &str)] = &[
    ("sso_session", "uoregon"),
    ("sso_account_id", "222222222222"),
    ("sso_role_name", "Admin"),
    ("region", "us-west-2"),
];

/// Applies the two edits of the realistic scenario.
fn edit_realistic(text: &str) -> String {
    let once = upsert(text, &profile("111111111111_ReadOnly"), READ_ONLY_KEYS);
    upsert(&once, &profile("222222222222_Admin"), ADMIN_222_KEYS)
}

fn check_realistic_reads(text: &str) {
    check_reads(
        text,
        "profile 111111111111_ReadOnly",
        &profile("111111111111_ReadOnly"),
        &[
            ("sso_session", "uoregon"),
            ("sso_account_id", "111111111111"),
            ("sso_role_name", "ReadOnly"),
            ("region", "us-west-2"),
            ("output", "json"),
        ],
    );
    check_reads(
        text,
        "profile 222222222222_Admin",
        &profile("222222222222_Admin"),
        ADMIN_222_KEYS,
    );
    check_reads(
        text,
        "default",
        &SectionName::Default,
        &[("region", "us-east-1"), ("cli_pager", "")],
    );
    check_reads(
        text,
        "plugins",
        &SectionName::Other("plugins".into()),
        &[("cli_legacy_plugin_path", "/opt/aws/plugins")],
    );
    check_reads(
        text,
        "sso-session uoregon",
        &SectionName::SsoSession("uoregon".into()),
        &[
            ("sso_start_url", "https://d-1234567890.awsapps.com/start"),
            ("sso_region", "us-west-2"),
            ("sso_registration_scopes", "sso:account:access"),
        ],
    );
}

#[test]
fn realistic_file_changes_only_the_edited_lines() {
    let out = edit_realistic(REALISTIC);
    assert_eq!(out, REALISTIC_EDITED);
    check_realistic_reads(&out);
}

#[test]
fn realistic_crlf_file_stays_crlf() {
    let input = REALISTIC.replace('\n', "\r\n");
    let out = edit_realistic(&input);
    assert_eq!(out, REALISTIC_EDITED.replace('\n', "\r\n"));
    let lone_lf = out
        .match_indices('\n')
        .filter(|(i, _)| *i == 0 || out.as_bytes()[i - 1] != b'\r')
        .count();
    assert_eq!(lone_lf, 0, "every line ends in CRLF:\n{out:?}");
    assert!(out.ends_with("\r\n"));
    check_realistic_reads(&out);
}

#[test]
fn editing_twice_is_byte_identical() {
    for input in [REALISTIC.to_string(), REALISTIC.replace('\n', "\r\n")] {
        let once = edit_realistic(&input);
        let twice = edit_realistic(&once);
        assert_eq!(once, twice);
        check_realistic_reads(&twice);
    }
    let first = "[default]\nregion=eu-west-1\n[profile other]\nregion=eu-west-1";
    let admin = profile("123456789012_Admin");
    let once = upsert(first, &admin, ADMIN_KEYS);
    let twice = upsert(&once, &admin, ADMIN_KEYS);
    assert_eq!(once, twice);
    check_reads(&twice, "profile 123456789012_Admin", &admin, ADMIN_KEYS);
}

#[test]
fn keys_in_another_order_are_updated_in_place() {
    let input = "\
[profile 123456789012_Admin]
region = us-east-1
sso_role_name = Admin
sso_account_id = 123456789012
sso_session = uoregon

[sso-session uoregon]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-west-2
";
    let admin = profile("123456789012_Admin");
    let out = upsert(input, &admin, ADMIN_KEYS);
    assert_eq!(out, input.replace("us-east-1", "us-west-2"));
    assert_eq!(out.matches("[profile 123456789012_Admin]").count(), 1);
    let parsed = AwsFile::parse(Path::new(PATH), FileKind::Config, &out).unwrap();
    let keys: Vec<&str> = parsed
        .profile("123456789012_Admin")
        .unwrap()
        .entries
        .iter()
        .map(|e| e.key.as_str())
        .collect();
    assert_eq!(
        keys,
        ["region", "sso_role_name", "sso_account_id", "sso_session"]
    );
    check_reads(&out, "profile 123456789012_Admin", &admin, ADMIN_KEYS);

    // A missing key goes after the last entry, before the trailing blank line.
    let with_output = upsert(&out, &admin, &[("output", "json")]);
    assert_eq!(
        with_output,
        out.replace(
            "sso_session = uoregon\n\n",
            "sso_session = uoregon\noutput = json\n\n"
        )
    );
    check_reads(
        &with_output,
        "profile 123456789012_Admin",
        &admin,
        &[("output", "json")],
    );
}

#[test]
fn profile_header_with_two_spaces_is_found() {
    let input = "[profile  spaced]\nregion=eu-west-1\n\n[default]\nregion = us-east-1\n";
    let spaced = profile("spaced");
    let out = upsert(
        input,
        &spaced,
        &[("region", "us-west-2"), ("output", "json")],
    );
    assert_eq!(
        out,
        "[profile  spaced]\nregion=us-west-2\noutput = json\n\n[default]\nregion = us-east-1\n"
    );
    check_reads(
        &out,
        "profile  spaced",
        &spaced,
        &[("region", "us-west-2"), ("output", "json")],
    );
    assert_eq!(
        upsert(
            &out,
            &spaced,
            &[("region", "us-west-2"), ("output", "json")]
        ),
        out
    );
}

#[test]
fn parse_error_names_file_and_line() {
    let input = "[default]\nregion = us-east-1\n\nnonsense\n";
    let err = upsert_section(
        Path::new(PATH),
        FileKind::Config,
        input,
        &SectionName::Default,
        &[("region", "us-west-2")],
    )
    .unwrap_err();
    assert!(matches!(err, ConfigError::Parse { line: 4, .. }), "{err:?}");
    let shown = err.to_string();
    assert!(shown.contains(PATH), "{shown}");
    assert!(shown.contains(":4:"), "{shown}");
    assert!(shown.contains("expected"), "{shown}");
}

#[test]
fn duplicated_section_is_refused() {
    let input = "\
[profile dup]
region = us-east-1

[default]
region = us-east-1

[profile dup]
output = json
";
    let result = upsert_section(
        Path::new(PATH),
        FileKind::Config,
        input,
        &profile("dup"),
        &[("region", "us-west-2")],
    );
    match result {
        Err(
            ref e @ ConfigError::Duplicate {
                first_line: 1,
                second_line: 7,
                ..
            },
        ) => {
            let shown = e.to_string();
            assert!(shown.contains("[profile dup]"), "{shown}");
            assert!(shown.contains("lines 1 and 7"), "{shown}");
            assert!(shown.contains(PATH), "{shown}");
        }
        other => panic!("expected Duplicate at lines 1 and 7, got {other:?}"),
    }
    // Other sections of the same file can still be edited.
    let out = upsert(input, &SectionName::Default, &[("region", "us-west-2")]);
    assert_eq!(
        out,
        input.replacen(
            "[default]\nregion = us-east-1",
            "[default]\nregion = us-west-2",
            1
        )
    );
}

#[test]
fn credentials_file_uses_bare_headers() {
    let input = "[default]\naws_access_key_id = AKIAEXAMPLE\n";
    let out = upsert_section(
        Path::new("/home/user/.aws/credentials"),
        FileKind::Credentials,
        input,
        &profile("p"),
        &[("aws_access_key_id", "AKIAOTHER")],
    )
    .unwrap();
    assert_eq!(
        out,
        "[default]\naws_access_key_id = AKIAEXAMPLE\n\n[p]\naws_access_key_id = AKIAOTHER\n"
    );
    let parsed = AwsFile::parse(Path::new("c"), FileKind::Credentials, &out).unwrap();
    assert_eq!(
        parsed.profile("p").unwrap().get("aws_access_key_id"),
        Some("AKIAOTHER")
    );
    let ini = ini::Ini::load_from_str(&out).unwrap();
    assert_eq!(
        ini.get_from(Some("p"), "aws_access_key_id"),
        Some("AKIAOTHER")
    );
}

#[cfg(unix)]
mod atomic {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn new_file_is_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        write_atomic(&path, b"[default]\n", PRIVATE).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"[default]\n");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(names(dir.path()), ["config"]);
    }

    #[test]
    fn existing_file_keeps_its_mode_and_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, b"old contents\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"[default]\nregion = us-west-2\n", PRIVATE).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"[default]\nregion = us-west-2\n");
        assert_eq!(mode(&path), 0o640);
        assert_eq!(names(dir.path()), ["config"]);
    }

    #[test]
    fn missing_parent_is_created_0700() {
        let dir = tempfile::tempdir().unwrap();
        let parent = dir.path().join(".aws");
        let path = parent.join("config");
        write_atomic(&path, b"x", PRIVATE).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"x");
        assert_eq!(mode(&parent), 0o700);
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn symlink_target_is_replaced_and_link_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real-config");
        fs::write(&target, b"old\n").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("config");
        std::os::unix::fs::symlink("real-config", &link).unwrap();
        write_atomic(&link, b"new\n", PRIVATE).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"new\n");
        assert_eq!(mode(&target), 0o644);
        assert_eq!(names(dir.path()), ["config", "real-config"]);
    }

    #[test]
    fn edit_then_write_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, REALISTIC).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let out = edit_realistic(&text);
        write_atomic(&path, out.as_bytes(), PRIVATE).unwrap();
        let loaded = AwsFile::load(&path, FileKind::Config).unwrap();
        assert_eq!(
            loaded
                .profile("111111111111_ReadOnly")
                .unwrap()
                .get("region"),
            Some("us-west-2")
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), REALISTIC_EDITED);
        assert_eq!(names(dir.path()), ["config"]);
    }
}
