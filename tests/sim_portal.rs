//! The portal simulator against the real `aws-sdk-sso` client over real HTTP,
//! plus raw HTTP/1.1 checks of what travels on the wire.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_sso::error::ProvideErrorMetadata;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uo_aws_tui::sim::{Org, RequestRecord, SimOptions, Simulator};

const HOUR: Duration = Duration::from_secs(3600);

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64
}

/// A response read straight off the socket.
#[derive(Debug)]
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawResponse {
    /// Header value by case-insensitive name.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.body))
    }

    /// Asserts the portal error format: status, `x-amzn-ErrorType`, JSON
    /// content type, `message` and `__type` members.
    fn assert_portal_error(&self, status: u16, shape: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.header("x-amzn-ErrorType"), Some(shape), "{self:?}");
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        let body = self.json();
        assert_eq!(
            body["__type"],
            format!("com.amazonaws.switchboard.portal#{shape}"),
            "{self:?}"
        );
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{self:?}"
        );
    }
}

/// Sends one HTTP/1.1 request with `Connection: close` and reads the answer.
async fn raw(sim: &Simulator, method: &str, target: &str, bearer: Option<&str>) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(sim.addr())
        .await
        .expect("connect");
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nAccept: */*\r\nConnection: close\r\n",
        sim.addr()
    );
    if let Some(token) = bearer {
        request.push_str(&format!("x-amz-sso_bearer_token: {token}\r\n"));
    }
    if method == "POST" {
        request.push_str("Content-Length: 0\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("read");
    let text = String::from_utf8(bytes).expect("UTF-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header/body separator");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    RawResponse {
        status,
        headers,
        body,
    }
}

/// Decodes a chunked transfer-encoded body.
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").expect("chunk size line");
        let size = usize::from_str_radix(size.trim(), 16).expect("hex chunk size");
        if size == 0 {
            return out;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
}

/// Pages of ListAccounts through the SDK paginator, as (account ids per page).
async fn account_pages(
    client: &aws_sdk_sso::Client,
    token: &str,
    page_size: Option<i32>,
) -> Vec<Vec<String>> {
    let mut paginator = client.list_accounts().access_token(token).into_paginator();
    if let Some(n) = page_size {
        paginator = paginator.page_size(n);
    }
    let pages = paginator
        .send()
        .try_collect()
        .await
        .expect("ListAccounts pages");
    pages
        .into_iter()
        .map(|page| {
            page.account_list()
                .iter()
                .map(|a| a.account_id().expect("accountId").to_string())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn paginator_lists_every_account_once_in_pages_of_at_most_20() {
    let sim = common::simulator_with(SimOptions {
        accounts: Some(150),
        ..SimOptions::default()
    })
    .await;
    let token = sim.issue_access_token(HOUR);
    let client = common::portal_client(&sim);

    let pages = account_pages(&client, &token, None).await;
    assert_eq!(pages.len(), 8, "150 accounts in pages of 20");
    assert!(
        pages.iter().all(|p| !p.is_empty() && p.len() <= 20),
        "{pages:?}"
    );
    let listed: Vec<String> = pages.concat();
    let expected: Vec<String> = Org::with_accounts(150)
        .accounts
        .iter()
        .map(|a| a.account_id.clone())
        .collect();
    assert_eq!(listed, expected, "every account once, in portal order");

    // The item paginator sees the same accounts, with names and e-mails intact.
    let items = client
        .list_accounts()
        .access_token(&token)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("ListAccounts items");
    assert_eq!(items.len(), 150);
    for (item, account) in items.iter().zip(&sim.org().accounts) {
        assert_eq!(item.account_id(), Some(account.account_id.as_str()));
        assert_eq!(item.account_name(), Some(account.account_name.as_str()));
        assert_eq!(item.email_address(), Some(account.email_address.as_str()));
    }

    let log: Vec<RequestRecord> = sim.requests();
    assert_eq!(log.len(), 16);
    assert!(log
        .iter()
        .all(|r| r.path == "/assignment/accounts" && r.status == 200 && r.bearer));
    assert!(
        log.iter().all(|r| !r.query.contains("max_result")),
        "{log:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn max_result_shrinks_pages_but_never_beyond_the_page_size() {
    let sim = common::simulator_with(SimOptions {
        accounts: Some(45),
        ..SimOptions::default()
    })
    .await;
    let token = sim.issue_access_token(HOUR);
    let client = common::portal_client(&sim);

    let small = account_pages(&client, &token, Some(7)).await;
    assert_eq!(
        small.iter().map(Vec::len).collect::<Vec<_>>(),
        [7, 7, 7, 7, 7, 7, 3]
    );

    let capped = account_pages(&client, &token, Some(100)).await;
    assert_eq!(capped.iter().map(Vec::len).collect::<Vec<_>>(), [20, 20, 5]);
    assert_eq!(small.concat(), capped.concat());

    let exact = account_pages(&client, &token, Some(45)).await;
    assert_eq!(exact.iter().map(Vec::len).collect::<Vec<_>>(), [20, 20, 5]);
    assert!(sim
        .requests()
        .iter()
        .any(|r| r.query.contains("max_result=7")));
    sim.shutdown().await;
}

#[tokio::test]
async fn roles_of_an_account_page_through_next_token() {
    let sim = common::simulator_with(SimOptions {
        page_size: 2,
        ..SimOptions::default()
    })
    .await;
    let token = sim.issue_access_token(HOUR);
    let client = common::portal_client(&sim);
    let account = sim
        .org()
        .accounts
        .iter()
        .find(|a| a.roles.len() >= 3)
        .expect("an account with at least three roles")
        .clone();

    // Manual nextToken loop at the knob's page size (2).
    let mut roles = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = client
            .list_account_roles()
            .access_token(&token)
            .account_id(&account.account_id)
            .set_next_token(next.clone())
            .send()
            .await
            .expect("ListAccountRoles");
        pages += 1;
        assert!(out.role_list().len() <= 2);
        for role in out.role_list() {
            assert_eq!(role.account_id(), Some(account.account_id.as_str()));
            roles.push(role.role_name().expect("roleName").to_string());
        }
        next = out.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    assert_eq!(roles, account.roles);
    assert_eq!(pages, account.roles.len().div_ceil(2));

    // The paginator with max_result 1: one role per page.
    let pages = client
        .list_account_roles()
        .access_token(&token)
        .account_id(&account.account_id)
        .into_paginator()
        .page_size(1)
        .send()
        .try_collect()
        .await
        .expect("ListAccountRoles pages");
    assert_eq!(pages.len(), account.roles.len());
    assert!(pages.iter().all(|p| p.role_list().len() == 1));
    sim.shutdown().await;
}

#[tokio::test]
async fn max_result_out_of_range_is_a_typed_invalid_request() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let token = sim.issue_access_token(HOUR);
    let client = common::portal_client(&sim);
    for bad in [101, 0, -3] {
        let err = client
            .list_accounts()
            .access_token(&token)
            .max_results(bad)
            .send()
            .await
            .expect_err("max_result out of range");
        let err = err.into_service_error();
        assert!(err.is_invalid_request_exception(), "{bad}: {err:?}");
    }
    let account_id = sim.org().accounts[0].account_id.clone();
    let err = client
        .list_account_roles()
        .access_token(&token)
        .account_id(account_id)
        .max_results(101)
        .send()
        .await
        .expect_err("max_result out of range")
        .into_service_error();
    assert!(err.is_invalid_request_exception(), "{err:?}");
    assert_eq!(
        sim.requests().iter().map(|r| r.status).collect::<Vec<_>>(),
        [400, 400, 400, 400]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn invalid_next_token_is_a_typed_invalid_request() {
    let sim = common::simulator_with(SimOptions {
        page_size: 1,
        ..SimOptions::default()
    })
    .await;
    let token = sim.issue_access_token(HOUR);
    let client = common::portal_client(&sim);
    let err = client
        .list_accounts()
        .access_token(&token)
        .next_token("not-a-token")
        .send()
        .await
        .expect_err("unknown next_token")
        .into_service_error();
    assert!(err.is_invalid_request_exception(), "{err:?}");

    // A roles token belongs to its own account's listing only.
    let mut multi = sim.org().accounts.iter().filter(|a| a.roles.len() >= 2);
    let first = multi
        .next()
        .expect("an account with two roles")
        .account_id
        .clone();
    let second = multi
        .next()
        .expect("another account with two roles")
        .account_id
        .clone();
    let page = client
        .list_account_roles()
        .access_token(&token)
        .account_id(&first)
        .send()
        .await
        .expect("first page");
    let next = page.next_token().expect("more roles").to_string();
    let err = client
        .list_account_roles()
        .access_token(&token)
        .account_id(&second)
        .next_token(&next)
        .send()
        .await
        .expect_err("token of another account")
        .into_service_error();
    assert!(err.is_invalid_request_exception(), "{err:?}");
    let err = client
        .list_accounts()
        .access_token(&token)
        .next_token(&next)
        .send()
        .await
        .expect_err("roles token used for accounts")
        .into_service_error();
    assert!(err.is_invalid_request_exception(), "{err:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn next_tokens_never_repeat() {
    let sim = common::simulator_with(SimOptions {
        accounts: Some(30),
        page_size: 3,
        ..SimOptions::default()
    })
    .await;
    let token = sim.issue_access_token(HOUR);
    let client = common::portal_client(&sim);
    let mut seen = HashSet::new();
    for _ in 0..2 {
        let mut next: Option<String> = None;
        loop {
            let out = client
                .list_accounts()
                .access_token(&token)
                .set_next_token(next.clone())
                .send()
                .await
                .expect("ListAccounts");
            next = out.next_token().map(str::to_string);
            match &next {
                Some(t) => assert!(seen.insert(t.clone()), "repeated token {t}"),
                None => break,
            }
        }
    }
    assert_eq!(seen.len(), 2 * 9);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_and_expired_tokens_are_typed_unauthorized() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let client = common::portal_client(&sim);
    let err = client
        .list_accounts()
        .access_token("aoa-never-issued")
        .send()
        .await
        .expect_err("unknown token");
    let err = err.into_service_error();
    assert!(err.is_unauthorized_exception(), "{err:?}");
    assert_eq!(err.message(), Some("Session token not found or invalid"));

    let short = sim.issue_access_token(Duration::from_millis(50));
    client
        .list_accounts()
        .access_token(&short)
        .send()
        .await
        .expect("token still valid");
    tokio::time::sleep(Duration::from_millis(80)).await;
    let account = &sim.org().accounts[0];
    let err = client
        .list_account_roles()
        .access_token(&short)
        .account_id(&account.account_id)
        .send()
        .await
        .expect_err("expired token")
        .into_service_error();
    assert!(err.is_unauthorized_exception(), "{err:?}");
    let err = client
        .get_role_credentials()
        .access_token(&short)
        .account_id(&account.account_id)
        .role_name(&account.roles[0])
        .send()
        .await
        .expect_err("expired token")
        .into_service_error();
    assert!(err.is_unauthorized_exception(), "{err:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn role_credentials_are_well_formed_and_expire_within_an_hour() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let token = sim.issue_access_token(HOUR);
    let client = common::portal_client(&sim);
    let mut seen_keys = HashSet::new();
    // Every role of the accounts holding names with `=`, `,`, `.`, `@`, `+`.
    let accounts: Vec<_> = sim
        .org()
        .accounts
        .iter()
        .filter(|a| {
            a.roles
                .iter()
                .any(|r| r.contains(['=', ',', '.', '@', '+']))
        })
        .cloned()
        .collect();
    assert!(accounts
        .iter()
        .any(|a| a.roles.iter().any(|r| r.contains('+'))));
    for account in &accounts {
        for role in &account.roles {
            let before = now_millis();
            let out = client
                .get_role_credentials()
                .access_token(&token)
                .account_id(&account.account_id)
                .role_name(role)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{role}: {e:?}"));
            let after = now_millis();
            let creds = out.role_credentials().expect("roleCredentials");
            let key = creds.access_key_id().expect("accessKeyId");
            assert_eq!(key.len(), 20, "{key}");
            assert!(key.starts_with("ASIA"), "{key}");
            assert!(
                key.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
                "{key}"
            );
            assert!(seen_keys.insert(key.to_string()), "fresh key every call");
            assert_eq!(
                creds.secret_access_key().expect("secretAccessKey").len(),
                40
            );
            assert!(creds.session_token().expect("sessionToken").len() >= 100);
            let expiration = creds.expiration();
            assert!(
                expiration > after,
                "expiration {expiration} is after now {after}"
            );
            assert!(
                expiration >= before + 3_600_000 && expiration <= after + 3_600_000,
                "expiration {expiration} is epoch ms one hour from now ({before}..{after})"
            );
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn unassigned_role_is_forbidden() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let token = sim.issue_access_token(HOUR);
    let client = common::portal_client(&sim);
    let account = sim
        .org()
        .accounts
        .iter()
        .find(|a| !a.roles.iter().any(|r| r == "AWSAdministratorAccess"))
        .expect("an account without admin")
        .clone();
    let err = client
        .get_role_credentials()
        .access_token(&token)
        .account_id(&account.account_id)
        .role_name("AWSAdministratorAccess")
        .send()
        .await
        .expect_err("role not assigned")
        .into_service_error();
    assert_eq!(err.code(), Some("ForbiddenException"), "{err:?}");
    assert_eq!(err.message(), Some("No access"));
    assert_eq!(sim.requests().last().map(|r| r.status), Some(403));
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_account_is_resource_not_found() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let token = sim.issue_access_token(HOUR);
    let client = common::portal_client(&sim);
    let err = client
        .list_account_roles()
        .access_token(&token)
        .account_id("000000000000")
        .send()
        .await
        .expect_err("unknown account")
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn logout_revokes_the_token() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let token = sim.issue_access_token(HOUR);
    let other = sim.issue_access_token(HOUR);
    let client = common::portal_client(&sim);
    client
        .list_accounts()
        .access_token(&token)
        .send()
        .await
        .expect("valid token");
    client
        .logout()
        .access_token(&token)
        .send()
        .await
        .expect("Logout");
    let err = client
        .list_accounts()
        .access_token(&token)
        .send()
        .await
        .expect_err("logged-out token")
        .into_service_error();
    assert!(err.is_unauthorized_exception(), "{err:?}");
    let err = client
        .logout()
        .access_token(&token)
        .send()
        .await
        .expect_err("second logout")
        .into_service_error();
    assert!(err.is_unauthorized_exception(), "{err:?}");
    client
        .list_accounts()
        .access_token(&other)
        .send()
        .await
        .expect("other token unaffected");

    let statuses: Vec<(String, u16)> = sim
        .requests()
        .into_iter()
        .map(|r| (r.path, r.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("/assignment/accounts".to_string(), 200),
            ("/logout".to_string(), 200),
            ("/assignment/accounts".to_string(), 401),
            ("/logout".to_string(), 401),
            ("/assignment/accounts".to_string(), 200),
        ]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn logout_on_the_wire_is_200_with_an_empty_body() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let token = sim.issue_access_token(HOUR);
    let response = raw(&sim, "POST", "/logout", Some(&token)).await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.body, "");
    raw(&sim, "GET", "/assignment/accounts", Some(&token))
        .await
        .assert_portal_error(401, "UnauthorizedException");
    sim.shutdown().await;
}

#[tokio::test]
async fn request_log_records_method_path_query_bearer_and_status() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let token = sim.issue_access_token(HOUR);
    let client = common::portal_client(&sim);
    let account = sim.org().accounts[1].clone();
    client
        .list_account_roles()
        .access_token(&token)
        .account_id(&account.account_id)
        .max_results(3)
        .send()
        .await
        .expect("ListAccountRoles");
    raw(&sim, "GET", "/assignment/accounts?max_result=2", None).await;
    raw(&sim, "GET", "/no/such/operation?x=1", Some(&token)).await;

    let log = sim.requests();
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/assignment/roles");
    assert!(
        log[0]
            .query
            .contains(&format!("account_id={}", account.account_id)),
        "{log:?}"
    );
    assert!(log[0].query.contains("max_result=3"), "{log:?}");
    assert!(log[0].bearer);
    assert_eq!(log[0].status, 200);
    assert_eq!(
        log[1],
        RequestRecord {
            method: "GET".into(),
            path: "/assignment/accounts".into(),
            query: "max_result=2".into(),
            bearer: false,
            status: 401,
        }
    );
    assert_eq!(log[2].path, "/no/such/operation");
    assert_eq!(log[2].query, "x=1");
    assert_eq!(log[2].status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn errors_on_the_wire_carry_the_error_type_header_and_type_member() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let token = sim.issue_access_token(HOUR);
    let account = sim.org().accounts[0].clone();
    let role = account.roles[0].clone();

    let missing = raw(&sim, "GET", "/assignment/accounts", None).await;
    missing.assert_portal_error(401, "UnauthorizedException");
    assert_eq!(
        missing.json(),
        serde_json::json!({
            "message": "Session token not found or invalid",
            "__type": "com.amazonaws.switchboard.portal#UnauthorizedException"
        })
    );
    raw(&sim, "GET", "/assignment/accounts", Some("bogus"))
        .await
        .assert_portal_error(401, "UnauthorizedException");
    for bad in ["101", "0", "abc", ""] {
        raw(
            &sim,
            "GET",
            &format!("/assignment/accounts?max_result={bad}"),
            Some(&token),
        )
        .await
        .assert_portal_error(400, "InvalidRequestException");
    }
    raw(
        &sim,
        "GET",
        "/assignment/accounts?next_token=nope",
        Some(&token),
    )
    .await
    .assert_portal_error(400, "InvalidRequestException");
    raw(&sim, "GET", "/assignment/roles", Some(&token))
        .await
        .assert_portal_error(400, "InvalidRequestException");
    raw(
        &sim,
        "GET",
        "/assignment/roles?account_id=999999999999",
        Some(&token),
    )
    .await
    .assert_portal_error(404, "ResourceNotFoundException");
    let target = format!("/federation/credentials?account_id={}", account.account_id);
    raw(&sim, "GET", &target, Some(&token))
        .await
        .assert_portal_error(400, "InvalidRequestException");
    raw(
        &sim,
        "GET",
        &format!("/federation/credentials?role_name={role}"),
        Some(&token),
    )
    .await
    .assert_portal_error(400, "InvalidRequestException");
    let target = format!(
        "/federation/credentials?role_name=NotAssigned&account_id={}",
        account.account_id
    );
    let forbidden = raw(&sim, "GET", &target, Some(&token)).await;
    forbidden.assert_portal_error(403, "ForbiddenException");
    assert_eq!(forbidden.json()["message"], "No access");
    raw(&sim, "GET", "/assignment/nothing", Some(&token))
        .await
        .assert_portal_error(404, "UnknownOperationException");
    raw(&sim, "POST", "/assignment/accounts", Some(&token))
        .await
        .assert_portal_error(405, "MethodNotAllowedException");
    sim.shutdown().await;
}

#[tokio::test]
async fn success_on_the_wire_is_camel_case_json_and_ignores_parameter_order() {
    let sim = common::simulator_with(SimOptions {
        page_size: 1,
        ..SimOptions::default()
    })
    .await;
    let token = sim.issue_access_token(HOUR);
    let account = sim
        .org()
        .accounts
        .iter()
        .find(|a| a.roles.iter().any(|r| r == "Read=Only,Audit") && a.roles.len() >= 2)
        .expect("an account with Read=Only,Audit")
        .clone();
    let id = &account.account_id;

    let accounts = raw(
        &sim,
        "GET",
        "/assignment/accounts?max_result=1",
        Some(&token),
    )
    .await;
    assert_eq!(accounts.status, 200);
    assert_eq!(accounts.header("content-type"), Some("application/json"));
    let body = accounts.json();
    assert_eq!(body["accountList"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        body["accountList"][0]["accountId"],
        sim.org().accounts[0].account_id
    );
    assert_eq!(
        body["accountList"][0]["accountName"],
        sim.org().accounts[0].account_name
    );
    assert_eq!(
        body["accountList"][0]["emailAddress"],
        sim.org().accounts[0].email_address
    );
    assert!(body["nextToken"].as_str().is_some_and(|t| !t.is_empty()));

    // ListAccountRoles: next_token before and after account_id.
    let first = raw(
        &sim,
        "GET",
        &format!("/assignment/roles?account_id={id}"),
        Some(&token),
    )
    .await
    .json();
    assert_eq!(first["roleList"][0]["roleName"], account.roles[0]);
    assert_eq!(first["roleList"][0]["accountId"], id.as_str());
    let next = first["nextToken"].as_str().expect("nextToken").to_string();
    let a = raw(
        &sim,
        "GET",
        &format!("/assignment/roles?account_id={id}&next_token={next}"),
        Some(&token),
    )
    .await;
    let b = raw(
        &sim,
        "GET",
        &format!("/assignment/roles?next_token={next}&account_id={id}"),
        Some(&token),
    )
    .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.json()["roleList"], b.json()["roleList"]);
    assert_eq!(a.json()["roleList"][0]["roleName"], account.roles[1]);

    // GetRoleCredentials: role_name first (botocore) and account_id first (Rust).
    let role = "Read%3DOnly%2CAudit";
    for target in [
        format!("/federation/credentials?role_name={role}&account_id={id}"),
        format!("/federation/credentials?account_id={id}&role_name={role}"),
    ] {
        let response = raw(&sim, "GET", &target, Some(&token)).await;
        assert_eq!(response.status, 200, "{response:?}");
        assert_eq!(response.header("content-type"), Some("application/json"));
        let creds = &response.json()["roleCredentials"];
        assert!(creds["accessKeyId"]
            .as_str()
            .is_some_and(|k| k.starts_with("ASIA")));
        assert!(creds["secretAccessKey"].is_string());
        assert!(creds["sessionToken"].is_string());
        let expiration = creds["expiration"].as_i64().expect("integer expiration");
        assert!(expiration > now_millis() && expiration <= now_millis() + 3_600_000);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let latency = Duration::from_millis(150);
    let sim = common::simulator_with(SimOptions {
        latency,
        ..SimOptions::default()
    })
    .await;
    let token = sim.issue_access_token(HOUR);
    let client = common::portal_client(&sim);
    let started = Instant::now();
    client
        .list_accounts()
        .access_token(&token)
        .send()
        .await
        .expect("ListAccounts");
    assert!(started.elapsed() >= latency, "{:?}", started.elapsed());
    let started = Instant::now();
    let response = raw(&sim, "GET", "/assignment/accounts", None).await;
    assert_eq!(response.status, 401);
    assert!(
        started.elapsed() >= latency,
        "errors wait too: {:?}",
        started.elapsed()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn default_options_serve_the_builtin_org_until_shutdown() {
    let sim = common::simulator_with(SimOptions::default()).await;
    assert_eq!(sim.org(), &Org::builtin());
    assert_eq!(sim.options().page_size, 20);
    assert!(sim.endpoint().starts_with("http://127.0.0.1:"));
    assert_ne!(sim.addr().port(), 0);
    let token = sim.issue_access_token(HOUR);
    let client = common::portal_client(&sim);
    let pages = account_pages(&client, &token, None).await;
    assert_eq!(pages.concat().len(), Org::builtin().accounts.len());
    let addr = sim.addr();
    sim.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "stopped serving"
    );
}
