//! Criterion benchmark of `uo-aws-tui prompt` (see docs/performance.md):
//! a config with 500 profiles over 10 sso-sessions and a token file per
//! session; the segment of one profile as the library computes it, and the
//! whole process as a shell prompt runs it.
//!
//! ```sh
//! cargo bench --bench prompt
//! ```

use std::process::{Command, Stdio};

use criterion::{criterion_group, criterion_main, Criterion};
use time::{Duration, OffsetDateTime};
use uo_aws_tui::aws::paths::AwsPaths;
use uo_aws_tui::aws::token_cache::{cache_file_name, write_token, CachedToken};

const SESSIONS: usize = 10;
const PROFILES: usize = 500;

/// A home with `PROFILES` profiles spread over `SESSIONS` sessions, each
/// session logged in (odd ones expired but refreshable).
fn home() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(dir.path());
    std::fs::create_dir_all(paths.config.parent().unwrap()).unwrap();
    let mut config = String::new();
    for s in 0..SESSIONS {
        config.push_str(&format!(
            "[sso-session s{s}]\nsso_start_url = https://d-{s:010}.awsapps.com/start\n\
             sso_region = us-west-2\nsso_registration_scopes = sso:account:access\n\n"
        ));
    }
    for p in 0..PROFILES {
        config.push_str(&format!(
            "[profile {:012}_Role{p}]\nsso_session = s{}\nsso_account_id = {:012}\n\
             sso_role_name = Role{p}\nregion = us-west-2\noutput = json\n\n",
            100_000_000_000u64 + p as u64,
            p % SESSIONS,
            100_000_000_000u64 + p as u64,
        ));
    }
    std::fs::write(&paths.config, config).unwrap();
    let now = OffsetDateTime::now_utc();
    for s in 0..SESSIONS {
        let expires_at = if s % 2 == 0 {
            now + Duration::hours(8)
        } else {
            now - Duration::hours(1)
        };
        let token = CachedToken {
            start_url: Some(format!("https://d-{s:010}.awsapps.com/start")),
            region: Some("us-west-2".into()),
            access_token: "a".repeat(300),
            expires_at,
            client_id: Some("c".repeat(40)),
            client_secret: Some("s".repeat(800)),
            registration_expires_at: Some(now + Duration::days(90)),
            refresh_token: Some("r".repeat(300)),
            extra: Default::default(),
        };
        write_token(
            &paths.sso_cache.join(cache_file_name(&format!("s{s}"))),
            &token,
        )
        .unwrap();
    }
    dir
}

fn prompt(c: &mut Criterion) {
    let dir = home();
    let paths = AwsPaths::under_home(dir.path());
    let profile = format!("{:012}_Role{}", 100_000_000_250u64, 250);
    let mut group = c.benchmark_group("prompt, 500 profiles, 10 sessions");
    group.bench_function("segment (library)", |b| {
        b.iter(|| {
            let now = OffsetDateTime::now_utc();
            let segment = uo_aws_tui::prompt::segment(&paths, &profile, now).unwrap();
            uo_aws_tui::prompt::render(&segment, uo_aws_tui::prompt::Format::Starship, now)
        })
    });
    group.bench_function("uo-aws-tui prompt (process)", |b| {
        b.iter(|| {
            let out = Command::new(env!("CARGO_BIN_EXE_uo-aws-tui"))
                .arg("prompt")
                .env_clear()
                .env("HOME", dir.path())
                .env("AWS_PROFILE", &profile)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert!(out.status.success());
            out.stdout
        })
    });
    group.finish();
}

criterion_group!(benches, prompt);
criterion_main!(benches);
