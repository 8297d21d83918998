//! A home for the role-credential and console tests: a simulator serving
//! the reference's worked example (account 111122223333, role ReadOnly,
//! sso-session my-sso), its config and token, and the binary pointed at
//! both.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use uo_aws_tui::aws::paths::AwsPaths;
use uo_aws_tui::aws::token_cache::{token_path, write_token, CachedToken};
use uo_aws_tui::sim::{Org, SimAccount, SimOptions, Simulator};

pub const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

/// The cache file of the reference's worked example: account
/// 111122223333, role ReadOnly, sso-session my-sso.
pub const EXAMPLE_FILE: &str = "0521d1f6a6c4e68f9e18540309367cc3cccb6305.json";

pub struct Home {
    pub sim: Simulator,
    pub home: tempfile::TempDir,
    pub paths: AwsPaths,
}

/// A simulator serving account 111122223333 (ReadOnly, Admin) and
/// 444455556666 (Admin), and a home with `[sso-session my-sso]`, a valid
/// token for it and `[profile ro]` for 111122223333 ReadOnly.
pub async fn home() -> Home {
    let account = |id: &str, name: &str, roles: &[&str]| SimAccount {
        account_id: id.into(),
        account_name: name.into(),
        email_address: format!("{name}@example.com"),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    };
    let org = Org {
        accounts: vec![
            account("111122223333", "Example", &["ReadOnly", "Admin"]),
            account("444455556666", "Other", &["Admin"]),
        ],
    };
    let sim = Simulator::start_with_org(
        SimOptions::default(),
        org,
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(home.path());
    std::fs::create_dir_all(paths.config.parent().unwrap()).unwrap();
    std::fs::write(
        &paths.config,
        "[sso-session my-sso]\n\
         sso_start_url = https://d-1234567890.awsapps.com/start\n\
         sso_region = us-east-1\n\
         sso_registration_scopes = sso:account:access\n\
         \n\
         [profile ro]\n\
         sso_session = my-sso\n\
         sso_account_id = 111122223333\n\
         sso_role_name = ReadOnly\n\
         region = eu-west-1\n",
    )
    .unwrap();
    let token = CachedToken {
        start_url: Some("https://d-1234567890.awsapps.com/start".into()),
        region: Some("us-east-1".into()),
        access_token: sim.issue_access_token(Duration::from_secs(3600)),
        expires_at: time::OffsetDateTime::now_utc() + Duration::from_secs(3600),
        client_id: None,
        client_secret: None,
        registration_expires_at: None,
        refresh_token: None,
        extra: Default::default(),
    };
    write_token(&token_path(&paths.sso_cache, "my-sso"), &token).unwrap();
    Home { sim, home, paths }
}

impl Home {
    /// The binary with only what this home needs in its environment.
    pub fn bin(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_SSO", self.sim.endpoint())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.sim.endpoint())
            .env("UO_AWS_TUI_ENDPOINT_URL_SIGNIN", self.sim.endpoint())
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.bin(args).output().unwrap()
    }

    pub fn example_file(&self) -> PathBuf {
        self.paths.cli_cache.join(EXAMPLE_FILE)
    }

    /// How many GetRoleCredentials calls the simulator answered.
    pub fn role_credential_calls(&self) -> usize {
        self.sim
            .requests()
            .iter()
            .filter(|r| r.path == "/federation/credentials")
            .count()
    }
}
