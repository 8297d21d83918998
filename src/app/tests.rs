use super::*;
use crate::aws::login::{Flow, LoginStep};
use crate::catalog::Account;
use crossterm::event::{KeyCode, KeyModifiers};

fn acc(id: &str, name: &str) -> Account {
    Account {
        id: id.into(),
        name: name.into(),
        email: format!("{id}@uoregon.edu"),
    }
}

fn loaded() -> App {
    let mut app = App::new("uoregon", "us-west-2", "");
    app.apply(CatalogEvent::Accounts(vec![
        acc("111111111111", "Genomics"),
        acc("222222222222", "Library"),
    ]));
    app.apply(CatalogEvent::Roles {
        account_id: "222222222222".into(),
        roles: vec!["ReadOnly".into()],
    });
    app
}

fn full() -> App {
    let mut app = loaded();
    app.apply(CatalogEvent::Roles {
        account_id: "111111111111".into(),
        roles: vec!["Admin".into(), "ReadOnly".into()],
    });
    app.apply(CatalogEvent::AccountsComplete { total: 2 });
    app.apply(CatalogEvent::Complete);
    app
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        assert!(app.handle_key(key(KeyCode::Char(c))).is_none());
    }
}

#[test]
fn selection_follows_its_row_while_rows_stream_in() {
    let mut app = loaded();
    assert_eq!(app.selected_profile().unwrap(), "222222222222_ReadOnly");
    app.update(Action::Down); // the user chose this row
    app.apply(CatalogEvent::Roles {
        account_id: "111111111111".into(),
        roles: vec!["Admin".into()],
    });
    // Genomics sorts first, but the selection stays on Library.
    assert_eq!(app.selected_index(), 1);
    assert_eq!(app.selected_profile().unwrap(), "222222222222_ReadOnly");
}

#[test]
fn an_untouched_selection_stays_on_the_top_row() {
    let mut app = loaded();
    app.apply(CatalogEvent::Roles {
        account_id: "111111111111".into(),
        roles: vec!["Admin".into()],
    });
    assert_eq!(app.selected_index(), 0);
    assert_eq!(app.selected_profile().unwrap(), "111111111111_Admin");
}

#[test]
fn query_keys_edit_the_query() {
    let mut app = full();
    typed(&mut app, "geno admin");
    assert_eq!(app.match_count(), 1);
    app.handle_key(key(KeyCode::Backspace));
    assert_eq!(app.query(), "geno admi");
    app.handle_key(ctrl('w'));
    assert_eq!(app.query(), "geno ");
    app.handle_key(ctrl('w'));
    assert_eq!(app.query(), "");
    typed(&mut app, "lib  ");
    app.handle_key(ctrl('w'));
    assert_eq!(app.query(), "");
    typed(&mut app, "library");
    assert_eq!(app.match_count(), 1);
    app.handle_key(ctrl('u'));
    assert_eq!(app.query(), "");
    assert_eq!(app.match_count(), 3);
}

#[test]
fn movement_keys_move_the_selection() {
    let mut app = full();
    app.set_page_size(2);
    let profile = |app: &App| app.selected_profile().unwrap();
    assert_eq!(profile(&app), "111111111111_Admin");
    app.handle_key(key(KeyCode::Down));
    assert_eq!(profile(&app), "111111111111_ReadOnly");
    app.handle_key(ctrl('p'));
    assert_eq!(profile(&app), "111111111111_Admin");
    app.handle_key(ctrl('n'));
    app.handle_key(key(KeyCode::Up));
    assert_eq!(app.selected_index(), 0);
    app.handle_key(key(KeyCode::PageDown));
    assert_eq!(app.selected_index(), 2);
    app.handle_key(key(KeyCode::PageDown));
    assert_eq!(app.selected_index(), 2, "clamped to the last row");
    app.handle_key(key(KeyCode::PageUp));
    assert_eq!(app.selected_index(), 0);
    app.handle_key(key(KeyCode::End));
    assert_eq!(profile(&app), "222222222222_ReadOnly");
    app.handle_key(key(KeyCode::Home));
    assert_eq!(app.selected_index(), 0);
    app.handle_key(key(KeyCode::Up));
    assert_eq!(app.selected_index(), 0, "stays at the top");
}

#[test]
fn enter_esc_and_ctrl_c_end_the_picker() {
    let mut app = full();
    typed(&mut app, "geno");
    match app.handle_key(key(KeyCode::Enter)) {
        Some(Outcome::Chosen(row)) => assert_eq!(row.role(), Some("Admin")),
        other => panic!("{other:?}"),
    }
    assert_eq!(app.handle_key(key(KeyCode::Esc)), Some(Outcome::Cancelled));
    assert_eq!(app.handle_key(ctrl('c')), Some(Outcome::Interrupted));
}

#[test]
fn f1_and_question_mark_open_help_and_esc_closes_it() {
    let mut app = full();
    app.handle_key(key(KeyCode::F(1)));
    assert!(app.help_visible());
    assert_eq!(
        app.handle_key(key(KeyCode::Esc)),
        None,
        "Esc closes the help"
    );
    assert!(!app.help_visible());
    app.handle_key(key(KeyCode::Char('?')));
    assert!(app.help_visible());
    app.handle_key(key(KeyCode::Char('x')));
    assert_eq!(
        app.query(),
        "",
        "keys do not reach the query under the help"
    );
    app.handle_key(key(KeyCode::F(1)));
    assert!(!app.help_visible());
    typed(&mut app, "a?");
    assert_eq!(
        app.query(),
        "a?",
        "? is a query character once typing started"
    );
    assert!(!app.help_visible());
}

#[test]
fn ctrl_r_refreshes_and_retries_failed_accounts() {
    let mut app = loaded();
    app.apply(CatalogEvent::RolesFailed {
        account_id: "111111111111".into(),
        error: "ListAccountRoles: InternalServerException".into(),
    });
    app.apply(CatalogEvent::Complete);
    assert_eq!(app.progress().failed, 1);
    app.handle_key(ctrl('r'));
    assert_eq!(app.take_effects(), vec![Effect::Refresh]);
    assert_eq!(app.progress(), Progress::default());
    // The second pass lists the account's roles.
    app.apply(CatalogEvent::Accounts(vec![
        acc("111111111111", "Genomics"),
        acc("222222222222", "Library"),
    ]));
    app.apply(CatalogEvent::Roles {
        account_id: "111111111111".into(),
        roles: vec!["Admin".into()],
    });
    app.apply(CatalogEvent::Roles {
        account_id: "222222222222".into(),
        roles: vec!["ReadOnly".into()],
    });
    app.apply(CatalogEvent::Complete);
    assert_eq!(app.progress().failed, 0);
    assert_eq!(app.match_count(), 2);
    assert!(app.matches().all(|r| r.role().is_some()));
}

#[test]
fn ctrl_f_marks_favourites_which_sort_first_without_a_query() {
    let mut app = full();
    app.handle_key(key(KeyCode::End));
    app.handle_key(ctrl('f'));
    let saved = match app.take_effects().as_slice() {
        [Effect::SaveFavourites(set)] => set.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        saved.into_iter().collect::<Vec<_>>(),
        vec![Favourite {
            session: "uoregon".into(),
            account_id: "222222222222".into(),
            role: "ReadOnly".into()
        }]
    );
    let first = app.matches().next().unwrap();
    assert_eq!(first.account.id, "222222222222");
    assert!(app.is_favourite(first));
    assert_eq!(app.selected_index(), 0, "the selection followed the row");
    // With a query, ranking decides.
    typed(&mut app, "admin");
    assert_eq!(app.selected_profile().unwrap(), "111111111111_Admin");
    app.handle_key(ctrl('u'));
    app.handle_key(key(KeyCode::Home));
    app.handle_key(ctrl('f'));
    assert!(!app.is_favourite(app.selected().unwrap()));
    assert!(matches!(app.take_effects().as_slice(), [Effect::SaveFavourites(s)] if s.is_empty()));
    assert_eq!(app.matches().next().unwrap().account.id, "111111111111");
}

#[test]
fn favourites_of_other_sessions_are_kept_but_not_shown() {
    let mut app = full();
    let other = Favourite {
        session: "lab".into(),
        account_id: "222222222222".into(),
        role: "ReadOnly".into(),
    };
    app.set_favourites([other.clone()].into());
    assert!(!app.matches().any(|r| app.is_favourite(r)));
    app.handle_key(ctrl('f'));
    match app.take_effects().as_slice() {
        [Effect::SaveFavourites(set)] => assert!(set.contains(&other) && set.len() == 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn failed_accounts_are_rows_that_cannot_be_chosen() {
    let mut app = loaded();
    app.apply(CatalogEvent::RolesFailed {
        account_id: "111111111111".into(),
        error: "ListAccountRoles: InternalServerException".into(),
    });
    app.update(Action::Up);
    assert_eq!(app.update(Action::Accept), Update::Changed);
    assert!(app.message().unwrap().contains("InternalServerException"));
    app.update(Action::Down);
    assert!(matches!(
        app.update(Action::Accept),
        Update::Ended(Outcome::Chosen(_))
    ));
}

#[test]
fn a_fatal_error_with_no_rows_ends_the_picker() {
    let mut app = App::new("uoregon", "us-west-2", "");
    let out = app.apply(CatalogEvent::Fatal {
        message: "ListAccounts: 500".into(),
        unauthorized: false,
    });
    assert_eq!(
        out,
        Some(Outcome::Failed(ListingFailed {
            message: "ListAccounts: 500".into(),
            unauthorized: false
        }))
    );
}

#[test]
fn a_rejected_token_opens_the_login_panel_and_success_lists_again() {
    let mut app = App::new("uoregon", "us-west-2", "");
    let out = app.apply(CatalogEvent::Fatal {
        message: "ListAccounts: the access token was rejected".into(),
        unauthorized: true,
    });
    assert_eq!(out, None);
    assert_eq!(
        app.take_effects(),
        vec![
            Effect::StopListing,
            Effect::Login {
                session: "uoregon".into()
            }
        ]
    );
    let panel = app.login_panel().unwrap();
    assert!(panel.reason.contains("rejected"));
    let expires_at = OffsetDateTime::UNIX_EPOCH + std::time::Duration::from_secs(600);
    app.apply_login(LoginUpdate::Step(LoginStep::Authorize {
        flow: Flow::DeviceCode,
        url: "https://device.example/?user_code=ABCD-EFGH".into(),
        user_code: Some("ABCD-EFGH".into()),
        expires_at,
    }));
    assert_eq!(
        app.login_panel().unwrap().user_code.as_deref(),
        Some("ABCD-EFGH")
    );
    // A second rejection while the login runs starts nothing new.
    app.begin_login("again");
    assert!(app.take_effects().is_empty());
    app.apply_login(LoginUpdate::Failed(ServiceError::Login(
        "access denied".into(),
    )));
    assert!(app.login_panel().unwrap().failed);
    // Ctrl-l starts over.
    app.handle_key(ctrl('l'));
    assert_eq!(
        app.take_effects(),
        vec![
            Effect::StopListing,
            Effect::Login {
                session: "uoregon".into()
            }
        ]
    );
    assert!(!app.login_panel().unwrap().failed);
    app.apply_login(LoginUpdate::Succeeded);
    assert!(app.login_panel().is_none());
    assert_eq!(
        app.take_effects(),
        vec![Effect::Refresh, Effect::LoadSessions]
    );
}

fn summary(name: &str, expires_in_min: Option<i64>) -> SessionSummary {
    SessionSummary {
        name: Some(name.into()),
        start_url: format!("https://{name}.awsapps.com/start"),
        region: "us-west-2".into(),
        expires_at: expires_in_min.map(|m| OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(m)),
        unreadable: false,
        refreshable: false,
        profiles: 1,
        chained: Vec::new(),
        first_profile: Some(format!("{name}-profile")),
    }
}

#[test]
fn a_large_catalog_is_ranked_off_the_draw_path() {
    let mut app = App::new("uoregon", "us-west-2", "");
    let accounts: Vec<Account> = (0..DEFER_FILTER_ROWS / 2 + 1)
        .map(|i| {
            acc(
                &format!("{:012}", 100_000_000_000u64 + i as u64),
                &format!("Lab {i}"),
            )
        })
        .collect();
    app.apply(CatalogEvent::Accounts(accounts.clone()));
    for a in &accounts {
        app.apply(CatalogEvent::Roles {
            account_id: a.id.clone(),
            roles: vec!["Admin".into(), "ReadOnly".into()],
        });
    }
    assert!(app.catalog().rows().len() >= DEFER_FILTER_ROWS);
    app.take_effects();
    let before = app.match_count();
    typed(&mut app, "lab 2499 read");
    assert_eq!(
        app.take_effects(),
        vec![Effect::Filter],
        "one request, however many keys"
    );
    assert_eq!(
        app.match_count(),
        before,
        "the last matches stay until the answer"
    );
    // The filter task answers; stale answers are dropped.
    let (tx, rx) = std::sync::mpsc::channel();
    let task = crate::search::FilterTask::spawn(move |f| {
        let _ = tx.send(f);
    });
    task.submit("lab", app.catalog());
    let generation = task.submit(app.query(), app.catalog());
    let answer = loop {
        let f = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        if let Some(f) = task.accept(f) {
            break f;
        }
    };
    assert_eq!(answer.generation, generation);
    assert_eq!(app.update(Msg::Filtered(answer)), Update::Changed);
    assert_eq!(app.selected_profile().unwrap(), "100000002499_ReadOnly");
    let inline = crate::search::Searcher::default().rank(app.query(), app.catalog().rows());
    assert_eq!(app.match_count(), inline.len());
}

#[test]
fn the_profile_template_names_what_the_details_pane_shows() {
    let mut app = full();
    app.set_profile_template(
        ProfileTemplate::parse("{sso_session}-{account_id}-{role_name}").unwrap(),
    );
    assert_eq!(
        app.selected_profile().unwrap(),
        "uoregon-111111111111-Admin"
    );
}

#[test]
fn a_typed_profile_name_matches_its_row_whatever_the_template() {
    let mut app = full();
    app.set_profile_template(
        ProfileTemplate::parse("{sso_session}-{account_id}-{role_name}").unwrap(),
    );
    typed(&mut app, "uoregon-111111111111-ReadOnly");
    let matched: Vec<String> = app
        .matches()
        .map(|r| format!("{}_{}", r.account.id, r.role().unwrap()))
        .collect();
    assert_eq!(matched, ["111111111111_ReadOnly"]);
    assert!(
        app.profiles().is_some(),
        "the filter task gets the same names"
    );
}

#[test]
fn without_a_query_favourites_then_recently_chosen_rows_come_first() {
    let mut app = full();
    let recent =
        |account: &str, role: &str| ("uoregon".to_string(), account.to_string(), role.to_string());
    app.set_recent(vec![
        recent("111111111111", "ReadOnly"),
        recent("333333333333", "Gone"),
    ]);
    let order = |app: &App| -> Vec<String> {
        app.matches()
            .map(|r| format!("{}_{}", r.account.id, r.role().unwrap()))
            .collect()
    };
    assert_eq!(
        order(&app),
        [
            "111111111111_ReadOnly",
            "111111111111_Admin",
            "222222222222_ReadOnly"
        ]
    );
    app.set_favourites(
        [Favourite {
            session: "uoregon".into(),
            account_id: "222222222222".into(),
            role: "ReadOnly".into(),
        }]
        .into(),
    );
    assert_eq!(
        order(&app),
        [
            "222222222222_ReadOnly",
            "111111111111_ReadOnly",
            "111111111111_Admin"
        ]
    );
    // A query ranks by the matching rules alone.
    typed(&mut app, "a");
    assert_eq!(order(&app)[0], "111111111111_Admin");
}

#[test]
fn ctrl_t_shows_the_terraform_block_and_esc_closes_it() {
    let mut app = full();
    app.handle_key(ctrl('t'));
    assert!(app.terraform_visible());
    assert_eq!(
        app.handle_key(key(KeyCode::Esc)),
        None,
        "Esc closes the block first"
    );
    assert!(!app.terraform_visible());
    app.handle_key(ctrl('t'));
    app.handle_key(key(KeyCode::Down));
    assert!(
        app.terraform_visible(),
        "moving keeps it open, for the new row"
    );
    app.handle_key(ctrl('t'));
    assert!(!app.terraform_visible());
}

#[test]
fn sessions_view_keys() {
    let mut app = full();
    app.handle_key(key(KeyCode::Tab));
    assert_eq!(app.view(), View::Sessions);
    assert_eq!(app.take_effects(), vec![Effect::LoadSessions]);
    app.set_sessions(vec![summary("uoregon", Some(600)), summary("lab", None)]);
    assert_eq!(
        app.session_expires_at(),
        Some(OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(600))
    );
    app.handle_key(key(KeyCode::Down));
    assert_eq!(app.session_selected(), 1);
    app.handle_key(key(KeyCode::Char('r')));
    app.handle_key(key(KeyCode::Char('o')));
    assert_eq!(
        app.take_effects(),
        vec![
            Effect::SessionOp {
                op: SessionOp::Refresh,
                session: "lab".into()
            },
            Effect::SessionOp {
                op: SessionOp::Logout,
                session: "lab".into()
            },
        ]
    );
    app.update(Msg::SessionOp(Err(ServiceError::Aws {
        session: "lab".into(),
        message: "this token cannot be refreshed".into(),
    })));
    assert_eq!(app.message(), Some("lab: this token cannot be refreshed"));
    assert_eq!(app.take_effects(), vec![Effect::LoadSessions]);
    app.handle_key(key(KeyCode::Char('l')));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Login {
            session: "lab".into()
        }]
    );
    assert_eq!(app.login_session(), Some("lab"));
    // A login to another session does not relist this one.
    app.apply_login(LoginUpdate::Succeeded);
    assert_eq!(app.take_effects(), vec![Effect::LoadSessions]);
    app.handle_key(key(KeyCode::Enter));
    assert_eq!(
        app.take_effects(),
        vec![Effect::SwitchSession {
            session: "lab".into()
        }]
    );
    app.update(Msg::Switched {
        session: "lab".into(),
        result: Ok(("us-east-1".into(), None)),
    });
    assert_eq!(
        (app.session.as_str(), app.region.as_str(), app.view()),
        ("lab", "us-east-1", View::Roles)
    );
    assert_eq!(app.match_count(), 0, "the rows start over");
    assert_eq!(
        app.take_effects(),
        vec![Effect::StopListing, Effect::Refresh]
    );
    // Tab and Esc go back; Enter on the listed session too.
    app.handle_key(key(KeyCode::Tab));
    app.handle_key(key(KeyCode::Esc));
    assert_eq!(app.view(), View::Roles);
    assert_eq!(app.handle_key(ctrl('c')), Some(Outcome::Interrupted));
}

#[test]
fn matches_ranked_elsewhere_apply_only_to_the_same_query_and_rows() {
    let mut app = full();
    typed(&mut app, "admin");
    let version = app.catalog().version();
    let stale = Filtered {
        generation: 1,
        query: "admin".into(),
        version: version - 1,
        matches: vec![0, 1, 2],
    };
    assert_eq!(app.update(Msg::Filtered(stale)), Update::Unchanged);
    let other = Filtered {
        generation: 2,
        query: "adm".into(),
        version,
        matches: vec![0, 1, 2],
    };
    assert_eq!(app.update(Msg::Filtered(other)), Update::Unchanged);
    assert_eq!(app.match_count(), 1);
    let fresh = Filtered {
        generation: 3,
        query: "admin".into(),
        version,
        matches: vec![0],
    };
    assert_eq!(app.update(Msg::Filtered(fresh)), Update::Changed);
    assert_eq!(app.selected_profile().unwrap(), "111111111111_Admin");
}

#[test]
fn update_reports_changes_and_pastes_into_the_query() {
    let mut app = full();
    assert_eq!(
        app.update(Msg::Key(key(KeyCode::F(12)))),
        Update::Unchanged,
        "a key with no action changes nothing"
    );
    assert_eq!(
        app.update(Msg::Paste("gen\nomics\u{1b}".into())),
        Update::Changed
    );
    assert_eq!(app.query(), "genomics", "control characters are dropped");
    // The clock changes the screen only where something counts down.
    let later = OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(5);
    assert_eq!(app.update(Msg::Tick(later)), Update::Unchanged);
    assert_eq!(app.now(), later);
    app.begin_login("expired");
    assert_eq!(app.update(Msg::Tick(later)), Update::Changed);
    assert_eq!(
        app.update(Msg::InputEnded),
        Update::Ended(Outcome::Interrupted)
    );
}

#[test]
fn keys_during_a_listing_ask_for_priority_once_per_batch() {
    let mut app = loaded();
    app.take_effects();
    app.update(Msg::Key(key(KeyCode::Char('g'))));
    app.update(Msg::Key(key(KeyCode::Char('e'))));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Prioritize {
            // The one row with roles, then the account still listing its roles.
            selected: Some("222222222222".into()),
            matching: vec!["111111111111".into()],
        }],
        "only the latest hint is kept"
    );
    // A complete listing needs none.
    let mut app = full();
    app.take_effects();
    app.update(Msg::Key(key(KeyCode::Down)));
    assert!(app.take_effects().is_empty());
}

#[test]
fn answers_of_the_services_reach_the_message_line() {
    let mut app = full();
    app.update(Msg::FavouritesSaved(Err(ServiceError::File {
        path: "/data/favourites.json".into(),
        message: "disk full".into(),
    })));
    assert_eq!(
        app.message(),
        Some("favourites not saved: /data/favourites.json: disk full")
    );
    app.update(Msg::Switched {
        session: "lab".into(),
        result: Err(ServiceError::Config("no [sso-session lab]".into())),
    });
    assert_eq!(app.message(), Some("no [sso-session lab]"));
    assert_eq!(app.session, "uoregon");
}

#[test]
fn a_listing_that_ends_after_its_token_was_rejected_says_so() {
    let mut app = App::new("uoregon", "us-west-2", "");
    app.begin_login("sso-session uoregon is not logged in");
    app.take_effects();
    // The login is running, so the rejection starts no second one…
    let out = app.apply(CatalogEvent::Fatal {
        message: "ListAccounts: the access token was rejected".into(),
        unauthorized: true,
    });
    assert_eq!(out, None);
    assert!(app.take_effects().is_empty());
    // …and when the pass ends with nothing to pick, the outcome says why.
    match app.apply(CatalogEvent::Complete) {
        Some(Outcome::Failed(failed)) => assert!(failed.unauthorized, "{failed:?}"),
        other => panic!("{other:?}"),
    }
    // A new pass forgets it.
    app.update(Action::Refresh);
    let out = app.apply(CatalogEvent::Fatal {
        message: "ListAccounts: 500".into(),
        unauthorized: false,
    });
    assert_eq!(
        out,
        Some(Outcome::Failed(ListingFailed {
            message: "ListAccounts: 500".into(),
            unauthorized: false
        }))
    );
}

#[test]
fn ctrl_x_chains_the_row_only_with_a_role_arn_template() {
    let mut app = full();
    typed(&mut app, "geno");
    assert_eq!(app.handle_key(ctrl('x')), None);
    assert_eq!(app.message(), Some(CHAIN_HINT));
    app.set_can_chain(true);
    match app.handle_key(ctrl('x')) {
        Some(Outcome::Chained(row)) => {
            assert_eq!(row.account.id, "111111111111");
            assert_eq!(row.role(), Some("Admin"));
        }
        other => panic!("{other:?}"),
    }
}
