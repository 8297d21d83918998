//! The ranking on the demo organisation (assets/sim/org.json, 167 rows):
//! what a person types and which rows it keeps, in which order.

use std::collections::{BTreeSet, HashSet};

use uo_aws_tui::app::App;
use uo_aws_tui::catalog::{profile_name, Account, Catalog, ProfileTemplate, Row};
use uo_aws_tui::favourites::Favourite;
use uo_aws_tui::search::{ProfileNamer, Resolution, Searcher, Tier};
use uo_aws_tui::sim::Org;

/// The demo organisation's rows, in base order.
fn demo() -> Catalog {
    let org = Org::builtin();
    Catalog::restore(
        org.accounts
            .iter()
            .map(|a| {
                (
                    Account {
                        id: a.account_id.clone(),
                        name: a.account_name.clone(),
                        email: a.email_address.clone(),
                    },
                    Ok(a.roles.clone()),
                )
            })
            .collect(),
        time::OffsetDateTime::UNIX_EPOCH,
    )
}

fn fields(r: &Row) -> [String; 4] {
    [
        r.account.name.to_lowercase(),
        r.account.id.clone(),
        r.role().unwrap_or("").to_lowercase(),
        r.account.email.to_lowercase(),
    ]
}

fn default_name(r: &Row) -> String {
    profile_name(&r.account.id, r.role().unwrap_or(""))
}

fn searcher() -> Searcher {
    Searcher::with_profiles(ProfileNamer::new(ProfileTemplate::default(), "uoregon"))
}

fn rank(query: &str, rows: &[Row]) -> Vec<usize> {
    searcher().rank(query, rows)
}

#[test]
fn racs_keeps_exactly_the_rows_containing_racs() {
    let catalog = demo();
    let rows = catalog.rows();
    assert_eq!(rows.len(), 167);
    let want: BTreeSet<usize> = (0..rows.len())
        .filter(|&i| fields(&rows[i]).iter().any(|f| f.contains("racs")))
        .collect();
    assert_eq!(want.len(), 4, "the RACS account's four roles");
    let got: BTreeSet<usize> = rank("racs", rows).into_iter().collect();
    assert_eq!(got, want);
    // Not a subsequence of administrator access: the old fuzzy ranking kept 140.
    let got = rank("racs AWSAdministratorAccess", rows);
    assert_eq!(got.len(), 1);
    assert_eq!(
        default_name(&rows[got[0]]),
        "566737894407_AWSAdministratorAccess"
    );
}

#[test]
fn a_typo_falls_back_to_fuzzy() {
    let catalog = demo();
    let rows = catalog.rows();
    let got = rank("genmics", rows);
    let genomics: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].account.name.starts_with("Genomics"))
        .collect();
    assert!(genomics.len() >= 8);
    for i in &genomics {
        assert!(got.contains(i), "{:?} is found", rows[*i]);
    }
    assert!(rows[got[0]].account.name.starts_with("Genomics"));
    // Only the term nothing contains is fuzzy: `genomics admn` keeps
    // substring rules for `genomics`.
    let got = rank("genomics admn", rows);
    assert!(!got.is_empty());
    assert!(got
        .iter()
        .all(|&i| fields(&rows[i]).iter().any(|f| f.contains("genomics"))));
}

#[test]
fn a_four_digit_id_prefix_gives_that_accounts_rows() {
    let catalog = demo();
    let rows = catalog.rows();
    let prefix = "5667";
    // Chosen so no other field of any row contains it.
    let containing: HashSet<&str> = rows
        .iter()
        .filter(|r| fields(r).iter().any(|f| f.contains(prefix)))
        .map(|r| r.account.id.as_str())
        .collect();
    assert_eq!(containing, HashSet::from(["566737894407"]));
    let got = rank(prefix, rows);
    assert_eq!(got.len(), 4);
    assert!(got.iter().all(|&i| rows[i].account.id == "566737894407"));
    // Digits never match fuzzily; by substring only when no id starts with them.
    assert!(rank("56673789440", rows).len() == 4);
    assert_eq!(
        rank("7894407", rows).len(),
        4,
        "no id starts with it: substring"
    );
    assert!(rank("5x6x6x7", rows).is_empty());
}

#[test]
fn digits_find_names_like_cs_322() {
    let catalog = demo();
    let rows = catalog.rows();
    let got = rank("322", rows);
    assert!(!got.is_empty());
    assert!(rows[got[0]].account.name.starts_with("CS 322"));
    let cs322 = rows
        .iter()
        .filter(|r| r.account.name.starts_with("CS 322"))
        .count();
    assert_eq!(
        got.iter()
            .filter(|&&i| rows[i].account.name.starts_with("CS 322"))
            .count(),
        cs322
    );
    for &i in &got {
        assert!(
            fields(&rows[i]).iter().any(|f| f.contains("322")),
            "{:?}",
            rows[i]
        );
    }
}

#[test]
fn the_exact_profile_name_is_the_top_tier() {
    let catalog = demo();
    let rows = catalog.rows();
    let s = searcher();
    for profile in [
        "127027105832_AWSAdministratorAccess",
        "190098774915_Read-Only-Audit",
    ] {
        let got = s.rank(profile, rows);
        assert_eq!(got.len(), 1, "{profile}");
        assert_eq!(default_name(&rows[got[0]]), profile);
        assert!(
            matches!(s.resolve(profile, rows, &default_name), Resolution::One(i) if i == got[0])
        );
        // Typing it one character at a time never loses the row.
        let mut incremental = searcher();
        for end in 1..=profile.len() {
            let typed = &profile[..end];
            let got = incremental.rank_catalog(typed, &catalog);
            assert!(
                got.iter().any(|&i| default_name(&rows[i]) == profile),
                "{typed:?}"
            );
        }
    }
    // Another template: its names match instead.
    let custom = Searcher::with_profiles(ProfileNamer::new(
        ProfileTemplate::parse("{account_name}.{role_name}").unwrap(),
        "uoregon",
    ));
    let got = custom.rank("Talapas-HPC.HPC-Users", rows);
    assert_eq!(got.len(), 1);
    assert_eq!(rows[got[0]].account.id, "234537669642");
}

#[test]
fn each_operator() {
    let catalog = demo();
    let rows = catalog.rows();
    let names = |q: &str| -> BTreeSet<String> {
        rank(q, rows)
            .into_iter()
            .map(|i| rows[i].account.name.clone())
            .collect()
    };
    // ^prefix: a field starts with it (not a word inside one).
    assert_eq!(
        names("^genomics"),
        BTreeSet::from([
            "Genomics Core Facility".to_string(),
            "Genomics Core Facility [dev]".into(),
            "Genomics Core Facility [prod]".into()
        ])
    );
    // suffix$
    assert_eq!(
        names("facility$"),
        BTreeSet::from(["Genomics Core Facility".to_string()])
    );
    // ^whole$
    assert_eq!(names("^audit$"), BTreeSet::from(["Audit".to_string()]));
    // 'exact never falls back to fuzzy.
    assert!(rank("'genmics", rows).is_empty());
    assert!(!rank("genmics", rows).is_empty());
    // !exclude
    let all = rank("genomics", rows);
    let without = rank("genomics !prod", rows);
    assert!(!without.is_empty() && without.len() < all.len());
    assert!(without
        .iter()
        .all(|&i| fields(&rows[i]).iter().all(|f| !f.contains("prod"))));
    assert_eq!(rank("!^aws", rows).len(), 0, "every email starts with aws-");
}

#[test]
fn acronym_runs_end_at_the_last_capital_before_a_lower_case_letter() {
    let catalog = demo();
    let rows = catalog.rows();
    let admin: Vec<Row> = rows
        .iter()
        .filter(|r| r.account.id == "127027105832" && r.role() == Some("AWSAdministratorAccess"))
        .cloned()
        .collect();
    let s = Searcher::default();
    let none = |_: &Row| String::new();
    assert_eq!(s.top_tier("admin", &admin, &none), Some(Tier::WordPrefix));
    assert_eq!(s.top_tier("access", &admin, &none), Some(Tier::WordPrefix));
    assert_eq!(
        s.top_tier("ministrator", &admin, &none),
        Some(Tier::Substring)
    );
    // The word-start rows outrank the substring ones for `admin`.
    let got = rank("admin", rows);
    let first_sub = got.iter().position(|&i| {
        s.top_tier("admin", std::slice::from_ref(&rows[i]), &none) == Some(Tier::Substring)
    });
    let last_word = got.iter().rposition(|&i| {
        s.top_tier("admin", std::slice::from_ref(&rows[i]), &none) == Some(Tier::WordPrefix)
    });
    if let (Some(a), Some(b)) = (first_sub, last_word) {
        assert!(b < a);
    }
}

#[test]
fn the_readme_queries_resolve_to_one_row() {
    let catalog = demo();
    let rows = catalog.rows();
    let s = searcher();
    for (query, want) in [
        ("management billing", "127027105832_Billing"),
        ("racs admin", "566737894407_AWSAdministratorAccess"),
        ("talapas admin", "234537669642_AWSAdministratorAccess"),
        ("audit viewonly", "044104916089_ViewOnlyAccess"),
        ("racs billing", "566737894407_Billing"),
    ] {
        match s.resolve(query, rows, &default_name) {
            Resolution::One(i) => assert_eq!(default_name(&rows[i]), want, "{query}"),
            other => panic!("{query}: {other:?}"),
        }
    }
    assert!(matches!(
        s.resolve("lab admin", rows, &default_name),
        Resolution::Ambiguous(_)
    ));
    assert!(
        matches!(
            s.resolve("genmics", rows, &default_name),
            Resolution::Ambiguous(_)
        ),
        "never fuzzy"
    );
}

#[test]
fn without_a_query_favourites_then_recent_rows_then_base_order() {
    let catalog = demo();
    let rows = catalog.rows().to_vec();
    let mut app = App::new("uoregon", "us-west-2", "");
    app.restore_catalog(catalog, false);
    let key = |r: &Row| (r.account.id.clone(), r.role().unwrap().to_string());
    let fav = &rows[100];
    app.set_favourites(BTreeSet::from([Favourite {
        session: "uoregon".into(),
        account_id: fav.account.id.clone(),
        role: fav.role().unwrap().into(),
    }]));
    let recent = |r: &Row| {
        (
            "uoregon".to_string(),
            r.account.id.clone(),
            r.role().unwrap().to_string(),
        )
    };
    app.set_recent(vec![
        recent(&rows[50]),
        (
            "elsewhere".into(),
            rows[10].account.id.clone(),
            rows[10].role().unwrap().into(),
        ),
        recent(&rows[120]),
        recent(&rows[100]),
    ]);
    let shown: Vec<(String, String)> = app.matches().map(key).collect();
    assert_eq!(shown[0], key(&rows[100]), "the favourite");
    assert_eq!(shown[1], key(&rows[50]), "the most frecent");
    assert_eq!(shown[2], key(&rows[120]));
    assert_eq!(shown[3], key(&rows[0]), "then base order");
    assert_eq!(shown.len(), rows.len());
}
