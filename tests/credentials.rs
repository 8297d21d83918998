//! `uo-aws-tui credentials` through the real binary against the simulator:
//! the AWS CLI's role-credential cache (the reference's worked example),
//! reuse and the refresh margin, one GetRoleCredentials for ten concurrent
//! calls, companion profiles resolved by botocore, and `logout`.

mod common;
mod role_home;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use role_home::{home, BIN};
use uo_aws_tui::aws::token_cache::token_path;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn cache_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_format_and_the_clis_cache_file() {
    let h = home().await;
    let out = h.run(&["credentials", "ro", "--format", "process"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(h.role_credential_calls(), 1);

    // The file the reference names for this account, role and session.
    let file = h.example_file();
    let raw = std::fs::read_to_string(&file).unwrap();
    let cached = cache_json(&file);
    let c = &cached["Credentials"];
    // The CLI's shape: ProviderType then Credentials, Python separators.
    assert!(
        raw.starts_with(r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": ""#),
        "{raw}"
    );
    let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "AccessKeyId",
            "SecretAccessKey",
            "SessionToken",
            "Expiration",
            "AccountId"
        ]
    );
    assert_eq!(c["AccountId"], "111122223333");
    let expiration = c["Expiration"].as_str().unwrap();
    assert!(
        expiration.len() == 20 && expiration.ends_with('Z'),
        "{expiration}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // stdout is the credential_process JSON of the same credentials.
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["Version"], 1);
    for key in [
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    ] {
        assert_eq!(printed[key], c[key], "{key}");
    }
    assert_eq!(printed.as_object().unwrap().len(), 5);
    // Nothing secret on stderr.
    let stderr = text(&out.stderr);
    for secret in ["SecretAccessKey", "SessionToken"] {
        assert!(!stderr.contains(c[secret].as_str().unwrap()), "{stderr}");
    }

    // Reused while fresh: no second call, the same keys.
    let again = h.run(&["credentials", "ro"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(again.stdout, out.stdout);
    assert_eq!(h.role_credential_calls(), 1);

    // Within the CLI's 15-minute margin: fetched again and rewritten.
    let soon = time::OffsetDateTime::now_utc() + Duration::from_secs(10 * 60);
    let mut stale = cached.clone();
    stale["Credentials"]["Expiration"] =
        uo_aws_tui::aws::token_cache::format_timestamp(soon).into();
    std::fs::write(&file, stale.to_string()).unwrap();
    let fresh = h.run(&["credentials", "ro", "--format", "json"]);
    assert_eq!(fresh.status.code(), Some(0), "{}", text(&fresh.stderr));
    assert_eq!(h.role_credential_calls(), 2);
    let json: serde_json::Value = serde_json::from_slice(&fresh.stdout).unwrap();
    assert_ne!(json["AccessKeyId"], c["AccessKeyId"]);
    assert_eq!(
        json["AccessKeyId"],
        cache_json(&file)["Credentials"]["AccessKeyId"]
    );
    assert_eq!(json["Profile"], "ro");
    assert_eq!(json["RoleName"], "ReadOnly");

    // logout removes the cache file (and the token).
    let out = h.run(&["logout", "--sso-session", "my-sso"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!file.exists(), "logout left {}", file.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_and_fish_formats_set_the_variables() {
    let h = home().await;
    let out = h.run(&["credentials", "ro", "--format", "env"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let c = cache_json(&h.example_file())["Credentials"].clone();
    let script = format!(
        "{}\nprintf '%s\\n' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\"",
        text(&out.stdout)
    );
    let bash = Command::new("bash").args(["-c", &script]).output().unwrap();
    let want = format!(
        "{}\n{}\n{}\n",
        c["AccessKeyId"].as_str().unwrap(),
        c["SecretAccessKey"].as_str().unwrap(),
        c["SessionToken"].as_str().unwrap()
    );
    assert_eq!(text(&bash.stdout), want);

    let out = h.run(&["credentials", "ro", "--format", "fish"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let script = format!(
        "{}\nprintf '%s\\n' $AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY $AWS_SESSION_TOKEN",
        text(&out.stdout)
    );
    let fish = Command::new("fish")
        .args(["--no-config", "-c", &script])
        .output()
        .unwrap();
    assert_eq!(text(&fish.stdout), want, "{}", text(&fish.stderr));
    assert_eq!(h.role_credential_calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_concurrent_calls_make_one_get_role_credentials_call() {
    let h = home().await;
    let children: Vec<_> = (0..10)
        .map(|_| {
            h.bin(&["credentials", "ro", "--format", "process"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outputs {
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            text(&outputs[0].stdout),
            "every caller got the same keys"
        );
    }
    assert_eq!(h.role_credential_calls(), 1, "{:?}", h.sim.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_login_without_a_terminal_is_exit_2_with_the_hint() {
    let h = home().await;
    std::fs::remove_file(token_path(&h.paths.sso_cache, "my-sso")).unwrap();
    let out = h.run(&["credentials", "ro"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("run: uo-aws-tui login --sso-session my-sso"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(h.role_credential_calls(), 0);

    // A profile that is not an sso-session profile says so.
    let out = h.run(&["credentials", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no profile nope"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn botocore_resolves_a_companion_profile_to_the_simulators_keys() {
    let h = home().await;
    let out = h.run(&["populate", "--companion", "111122223333"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let config = std::fs::read_to_string(&h.paths.config).unwrap();
    let exe = std::fs::canonicalize(BIN).unwrap();
    let section = format!(
        "[profile 111122223333_ReadOnly-process]\n\
         credential_process = \"{}\" credentials 111122223333_ReadOnly --format process\n\
         region = us-east-1\n\
         uo_aws_tui_managed = true\n",
        exe.display()
    );
    assert!(config.contains(&section), "{config}");
    assert!(
        config.contains("[profile 111122223333_Admin-process]"),
        "{config}"
    );
    assert!(!config.contains("444455556666_Admin-process"), "{config}");
    // A second run adds nothing.
    let again = h.run(&["populate", "--companion", "111122223333"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(std::fs::read_to_string(&h.paths.config).unwrap(), config);
    // doctor explains the companion.
    let doctor = h.run(&["doctor"]);
    assert!(
        text(&doctor.stdout).contains("companion"),
        "{}",
        text(&doctor.stdout)
    );

    let script = "import json, sys, botocore.session\n\
s = botocore.session.Session(profile=sys.argv[1])\n\
c = s.get_credentials().get_frozen_credentials()\n\
print(json.dumps({'key': c.access_key, 'secret': c.secret_key, 'token': c.token}))\n";
    let mut python = Command::new(common::python());
    python
        .args(["-c", script, "111122223333_ReadOnly-process"])
        .env_clear();
    for (k, v) in common::aws_child_env(h.home.path(), &h.sim.endpoint()) {
        python.env(k, v);
    }
    let out = python.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let resolved: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The native profile populate wrote shares the example's cache key.
    let file = h.example_file();
    let c = cache_json(&file)["Credentials"].clone();
    assert_eq!(resolved["key"], c["AccessKeyId"]);
    assert_eq!(resolved["secret"], c["SecretAccessKey"]);
    assert_eq!(resolved["token"], c["SessionToken"]);
    assert!(c["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert_eq!(h.role_credential_calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn companion_names_follow_the_settings_template() {
    let h = home().await;
    let settings = h.home.path().join(".config/uo-aws-tui/settings.ini");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(&settings, "companion_name = tf-{profile}\n").unwrap();
    let out = h.run(&["populate", "--companion", "444455556666"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let config = std::fs::read_to_string(&h.paths.config).unwrap();
    assert!(
        config.contains("[profile tf-444455556666_Admin]\ncredential_process = "),
        "{config}"
    );
    // A template without {profile} is refused, naming the line.
    std::fs::write(&settings, "\ncompanion_name = fixed\n").unwrap();
    let out = h.run(&["populate", "--companion"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("settings.ini:2"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_explains_companions_and_warns_about_a_stale_one() {
    let h = home().await;
    let mut config = std::fs::read_to_string(&h.paths.config).unwrap();
    config.push_str(
        "\n[profile ro-process]\n\
         credential_process = \"/bin/uo-aws-tui\" credentials ro --format process\n\
         uo_aws_tui_managed = true\n\
         \n[profile gone-process]\n\
         credential_process = \"/bin/uo-aws-tui\" credentials gone --format process\n\
         uo_aws_tui_managed = true\n",
    );
    std::fs::write(&h.paths.config, config).unwrap();
    let out = h.run(&["doctor"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("info companion")
            && stdout.contains("profile ro-process is the companion of ro")
            && stdout.contains("older Go SDKs"),
        "{stdout}"
    );
    assert!(
        stdout.contains("warning companion")
            && stdout.contains("gone is not an sso-session profile"),
        "{stdout}"
    );
}

/// `use --companion` and `pick --select-1 --companion` (the picker's
/// option) write the chosen profile's companion beside it, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_and_pick_write_the_chosen_profiles_companion() {
    let h = home().await;
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_uo-aws-tui")).unwrap();
    let out = h.run(&["use", "--companion", "444455556666"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let config = std::fs::read_to_string(&h.paths.config).unwrap();
    let expected = format!(
        "[profile 444455556666_Admin-process]\ncredential_process = \"{}\" credentials 444455556666_Admin --format process\nregion = ",
        exe.display()
    );
    assert!(config.contains(&expected), "{config}");
    assert!(
        text(&out.stderr).contains("wrote the companion profile 444455556666_Admin-process"),
        "{}",
        text(&out.stderr)
    );
    // Again: nothing changes, and it says the companion is there.
    let out = h.run(&["use", "--companion", "444455556666"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&h.paths.config).unwrap(), config);
    assert!(text(&out.stderr).contains("exists already"));

    // The picker's option, on the path that chooses without drawing.
    let out = h.run(&["pick", "--select-1", "--companion", "111122223333", "Admin"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let config = std::fs::read_to_string(&h.paths.config).unwrap();
    assert!(
        config.contains("[profile 111122223333_Admin-process]\ncredential_process = "),
        "{config}"
    );
    // Without the flag, no companion.
    let out = h.run(&["use", "111122223333", "ReadOnly"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let config = std::fs::read_to_string(&h.paths.config).unwrap();
    assert!(
        !config.contains("111122223333_ReadOnly-process"),
        "{config}"
    );
}
