//! The README's screenshots: every `screenshots/*.svg` the README embeds is
//! drawn here by the real drawing code, from the organisation `uo-aws-tui
//! demo` lists (the simulator's built-in one) in a home written as the demo
//! writes it. The test fails when the README names a picture this file
//! does not draw, when a picture is stale, when `screenshots/` holds one
//! nobody draws, and when the README's size of the demo organisation is not
//! the simulator's. Regenerate with
//! `UO_AWS_TUI_UPDATE_SCREENSHOTS=1 cargo test --test screenshots`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use time::macros::datetime;
use time::OffsetDateTime;
use uo_aws_tui::app::{App, LoginUpdate, Msg};
use uo_aws_tui::aws::login::{Flow, LoginStep};
use uo_aws_tui::sim::{SimOptions, Simulator};
use uo_aws_tui::ui;

const UPDATE: &str = "UO_AWS_TUI_UPDATE_SCREENSHOTS";

/// The clock every picture is drawn at.
const NOW: OffsetDateTime = datetime!(2026-11-30 12:00:00 UTC);

fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    app.handle_key(KeyEvent::new(code, modifiers));
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `app` drawn at 100×28 as an SVG titled `title`.
fn picture(app: &App, title: &str) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 28)).unwrap();
    terminal.draw(|f| ui::draw(f, app)).unwrap();
    ui::svg::to_svg(terminal.backend().buffer(), title)
}

/// Every `screenshots/NAME.svg` the README embeds, by NAME.
fn embedded(readme: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = readme;
    while let Some(at) = rest.find("screenshots/") {
        rest = &rest[at + "screenshots/".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if rest[name.len()..].starts_with(".svg") && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The demo organisation's size as the README states it: "(N accounts, M roles".
fn readme_org_size(readme: &str) -> Option<(usize, usize)> {
    readme.split('(').find_map(|part| {
        let mut words = part.split_whitespace();
        let accounts = words.next()?.parse().ok()?;
        (words.next()? == "accounts,").then_some(())?;
        let roles = words.next()?.parse().ok()?;
        words
            .next()?
            .starts_with("roles")
            .then_some((accounts, roles))
    })
}

#[test]
fn the_readme_embeds_only_pictures_it_can_have() {
    let names = embedded(
        "![a](screenshots/picker.svg) | ![b](screenshots/help.svg) \
         screenshots/picker.svg screenshots/notes.txt",
    );
    assert_eq!(names, ["picker", "help"]);
    assert_eq!(
        readme_org_size("drawn from the demo organisation (85 accounts, 167 roles: what"),
        Some((85, 167))
    );
}

/// The pictures, by name: the picker with a query and a favourite, the
/// key help, the Sessions view and the login panel.
async fn draw_all(sim: &Simulator) -> BTreeMap<String, String> {
    let home = tempfile::tempdir().unwrap();
    let paths = uo_aws_tui::aws::paths::AwsPaths::under_home(home.path());
    uo_aws_tui::demo::write_demo_files(
        &paths,
        &sim.issue_access_token(uo_aws_tui::demo::TOKEN_TTL),
    )
    .unwrap();
    let env = uo_aws_tui::env::Environment {
        paths: paths.clone(),
        dirs: uo_aws_tui::dirs::AppDirs::under(&home.path().join("app")),
        aws_profile: None,
        portal_endpoint: Some(sim.endpoint()),
        oidc_endpoint: Some(sim.endpoint()),
        federation_endpoint: Some(sim.endpoint()),
    };
    let (_, session) = env.session(None).unwrap();
    let token = uo_aws_tui::token::stored(&env, &session, OffsetDateTime::now_utc()).unwrap();
    let request = uo_aws_tui::picker::PickRequest::default();
    let mut app = uo_aws_tui::picker::new_app(&env, &session, &request).unwrap();
    let mut rx = uo_aws_tui::listing::start_listing(&env, &session, &token, 8);
    while let Some(event) = rx.recv().await {
        assert!(app.apply(event).is_none());
    }
    assert!(app.progress().complete);
    app.set_now(NOW);
    let expires_at = NOW + time::Duration::minutes(7 * 60 + 39);
    app.set_session_expires_at(Some(expires_at));
    let mut pictures = BTreeMap::new();

    // The picker with a query, a favourite and highlights.
    for c in "geno".chars() {
        press(&mut app, KeyCode::Char(c), KeyModifiers::NONE);
    }
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('f'), KeyModifiers::CONTROL);
    pictures.insert(
        "picker".to_string(),
        picture(
            &app,
            "uo-aws-tui: the picker filtering the demo organisation",
        ),
    );

    press(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    pictures.insert(
        "help".to_string(),
        picture(&app, "uo-aws-tui: the key help"),
    );
    press(&mut app, KeyCode::F(1), KeyModifiers::NONE);

    // The Sessions view of the demo's home, with a second session that is
    // not logged in and a profile of a legacy start URL beside it.
    let mut config = std::fs::read_to_string(&paths.config).unwrap();
    config.push_str(
        "\n[sso-session lab]\nsso_start_url = https://d-0000000002.awsapps.com/start\n\
         sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\
         \n[profile old-admin]\nsso_start_url = https://legacy-portal.awsapps.com/start\n\
         sso_region = us-west-2\nsso_account_id = 127027105832\nsso_role_name = Admin\n",
    );
    std::fs::write(&paths.config, config).unwrap();
    let mut rows = uo_aws_tui::picker::session_summaries(&env, NOW);
    for row in &mut rows {
        if row.name.as_deref() == Some("uoregon") {
            row.expires_at = Some(expires_at);
        }
    }
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    app.take_effects();
    app.update(Msg::SessionsLoaded(rows));
    pictures.insert(
        "sessions".to_string(),
        picture(&app, "uo-aws-tui: the Sessions view"),
    );
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);

    app.begin_login("the access token of sso-session uoregon expired and cannot be refreshed");
    app.update(Msg::Login(LoginUpdate::Step(LoginStep::Authorize {
        flow: Flow::DeviceCode,
        url: "https://device.sso.us-west-2.amazonaws.com/?user_code=WDJB-MJHT".into(),
        user_code: Some("WDJB-MJHT".into()),
        expires_at: NOW + time::Duration::seconds(9 * 60 + 41),
    })));
    pictures.insert(
        "login".to_string(),
        picture(&app, "uo-aws-tui: the login panel"),
    );
    pictures
}

#[tokio::test]
async fn every_picture_the_readme_embeds_is_drawn_and_up_to_date() {
    // The organisation `uo-aws-tui demo` lists: the built-in one.
    let sim = Simulator::start(SimOptions::default(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let org = sim.org();
    let roles: usize = org.accounts.iter().map(|a| a.roles.len()).sum();
    assert_eq!(
        readme_org_size(&readme),
        Some((org.accounts.len(), roles)),
        "the README states the demo organisation's size as \"(N accounts, M roles\""
    );

    let pictures = draw_all(&sim).await;
    let dir = root().join("screenshots");
    let update = std::env::var_os(UPDATE).is_some();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, svg) in &pictures {
            std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
        }
    }
    let mut problems = Vec::new();
    for name in embedded(&readme) {
        if !pictures.contains_key(&name) {
            problems.push(format!(
                "the README embeds screenshots/{name}.svg, which tests/screenshots.rs does not draw"
            ));
        }
    }
    for (name, svg) in &pictures {
        let path = dir.join(format!("{name}.svg"));
        if std::fs::read_to_string(&path).ok().as_ref() != Some(svg) {
            problems.push(format!("{} is stale or missing", path.display()));
        }
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().and_then(|n| n.to_str()).unwrap_or("");
        if path.extension().is_some_and(|e| e == "svg") && !pictures.contains_key(name) {
            problems.push(format!("{} is drawn by nothing", path.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "{problems:#?}; regenerate with {UPDATE}=1 cargo test --test screenshots"
    );
}
