//! The simulator's OIDC side against the real `aws-sdk-ssooidc` client over
//! real HTTP (RegisterClient, the device-code flow, the PKCE flow, refresh),
//! plus raw HTTP/1.1 checks of `/authorize`, `/device` and the error format.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_ssooidc::config::retry::RetryConfig;
use aws_sdk_ssooidc::config::{BehaviorVersion, Region};
use aws_sdk_ssooidc::error::SdkError;
use aws_sdk_ssooidc::operation::create_token::{CreateTokenError, CreateTokenOutput};
use aws_sdk_ssooidc::operation::register_client::RegisterClientOutput;
use aws_sdk_ssooidc::operation::start_device_authorization::StartDeviceAuthorizationOutput;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uo_aws_tui::sim::{
    pkce_s256, SimOptions, Simulator, AUTHORIZATION_CODE_GRANT, DEVICE_CODE_GRANT,
    REFRESH_TOKEN_GRANT,
};

const START_URL: &str = "https://d-1234567890.awsapps.com/start";
/// What the AWS CLI registers for the PKCE flow (no port).
const REGISTERED_REDIRECT: &str = "http://127.0.0.1/oauth/callback";
/// What it then sends to `/authorize` and CreateToken (with its listener's port).
const REDIRECT: &str = "http://127.0.0.1:53117/oauth/callback";
const VERIFIER: &str = "Qw3rTy-uI0p.As9dF_gH8jK~lZ7xC6vB5nM4qW3eR2tY1uI0oP9aS8dF7gH6jK5l";

fn oidc(sim: &Simulator) -> aws_sdk_ssooidc::Client {
    let conf = aws_sdk_ssooidc::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-west-2"))
        .endpoint_url(sim.endpoint())
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_ssooidc::Client::from_conf(conf)
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// Registration as the CLI makes it for an sso-session device flow.
async fn register_device(client: &aws_sdk_ssooidc::Client) -> RegisterClientOutput {
    client
        .register_client()
        .client_name("botocore-client-uoregon")
        .client_type("public")
        .scopes("sso:account:access")
        .send()
        .await
        .expect("RegisterClient (device)")
}

/// Registration as the CLI makes it for the PKCE flow.
async fn register_pkce(client: &aws_sdk_ssooidc::Client) -> RegisterClientOutput {
    client
        .register_client()
        .client_name("botocore-client-uoregon")
        .client_type("public")
        .grant_types(AUTHORIZATION_CODE_GRANT)
        .grant_types(REFRESH_TOKEN_GRANT)
        .redirect_uris(REGISTERED_REDIRECT)
        .issuer_url(START_URL)
        .scopes("sso:account:access")
        .send()
        .await
        .expect("RegisterClient (PKCE)")
}

async fn start_device(
    client: &aws_sdk_ssooidc::Client,
    reg: &RegisterClientOutput,
) -> StartDeviceAuthorizationOutput {
    client
        .start_device_authorization()
        .client_id(reg.client_id().expect("clientId"))
        .client_secret(reg.client_secret().expect("clientSecret"))
        .start_url(START_URL)
        .send()
        .await
        .expect("StartDeviceAuthorization")
}

async fn poll_device(
    client: &aws_sdk_ssooidc::Client,
    reg: &RegisterClientOutput,
    auth: &StartDeviceAuthorizationOutput,
) -> Result<CreateTokenOutput, SdkError<CreateTokenError>> {
    client
        .create_token()
        .client_id(reg.client_id().expect("clientId"))
        .client_secret(reg.client_secret().expect("clientSecret"))
        .grant_type(DEVICE_CODE_GRANT)
        .device_code(auth.device_code().expect("deviceCode"))
        .send()
        .await
}

async fn redeem_code(
    client: &aws_sdk_ssooidc::Client,
    reg: &RegisterClientOutput,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<CreateTokenOutput, SdkError<CreateTokenError>> {
    client
        .create_token()
        .client_id(reg.client_id().expect("clientId"))
        .client_secret(reg.client_secret().expect("clientSecret"))
        .grant_type(AUTHORIZATION_CODE_GRANT)
        .code(code)
        .redirect_uri(redirect_uri)
        .code_verifier(verifier)
        .send()
        .await
}

async fn refresh(
    client: &aws_sdk_ssooidc::Client,
    reg: &RegisterClientOutput,
    refresh_token: &str,
) -> Result<CreateTokenOutput, SdkError<CreateTokenError>> {
    client
        .create_token()
        .client_id(reg.client_id().expect("clientId"))
        .client_secret(reg.client_secret().expect("clientSecret"))
        .grant_type(REFRESH_TOKEN_GRANT)
        .refresh_token(refresh_token)
        .send()
        .await
}

/// The modeled service error, with the HTTP status it came with.
fn service_error(err: SdkError<CreateTokenError>) -> (u16, CreateTokenError) {
    let status = err
        .raw_response()
        .map(|r| r.status().as_u16())
        .unwrap_or_else(|| panic!("no HTTP response: {err:?}"));
    (status, err.into_service_error())
}

/// The portal accepts `token`: ListAccounts answers.
async fn portal_accepts(sim: &Simulator, token: &str) -> bool {
    common::portal_client(sim)
        .list_accounts()
        .access_token(token)
        .send()
        .await
        .is_ok()
}

/// A response read straight off the socket.
#[derive(Debug)]
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The query parameters of the `Location` header, still percent-encoded.
    fn location_params(&self) -> Vec<(String, String)> {
        let location = self.header("location").expect("Location header");
        let (_, query) = location.split_once('?').expect("query in Location");
        query
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    fn location_param(&self, name: &str) -> Option<String> {
        self.location_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// One HTTP/1.1 request with `Connection: close`; `body` makes it a JSON POST.
async fn raw(sim: &Simulator, method: &str, target: &str, body: Option<&str>) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(sim.addr())
        .await
        .expect("connect");
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        sim.addr()
    );
    if let Some(body) = body {
        request.push_str("Content-Type: application/json\r\n");
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    } else {
        request.push_str("\r\n");
    }
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("read");
    let text = String::from_utf8(bytes).expect("UTF-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("end of headers");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    assert!(!chunked, "small bodies come with a Content-Length");
    RawResponse {
        status,
        headers,
        body: body.to_string(),
    }
}

/// Percent-encodes like the AWS CLI's authorize URL (only `-._~` kept).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The `/authorize` target the AWS CLI builds.
fn authorize_target(client_id: &str, redirect_uri: &str, state: &str, verifier: &str) -> String {
    format!(
        "/authorize?response_type=code&client_id={}&redirect_uri={}&state={}\
         &code_challenge_method=S256&scopes={}&code_challenge={}",
        encode(client_id),
        encode(redirect_uri),
        encode(state),
        encode("sso:account:access"),
        pkce_s256(verifier)
    )
}

/// Runs `/authorize` for `reg` and returns the code from the redirect.
async fn authorization_code(sim: &Simulator, reg: &RegisterClientOutput, verifier: &str) -> String {
    let target = authorize_target(
        reg.client_id().expect("clientId"),
        REDIRECT,
        "0f8d6a4e-1c2b-4e3f-9a8b-7c6d5e4f3a2b",
        verifier,
    );
    let response = raw(sim, "GET", &target, None).await;
    assert_eq!(response.status, 302, "{response:?}");
    response.location_param("code").expect("code")
}

#[tokio::test]
async fn register_client_answers_both_cli_variants_in_epoch_seconds() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let client = oidc(&sim);
    let before = now_secs();

    let device = register_device(&client).await;
    assert!(device.client_id().is_some_and(|id| !id.is_empty()));
    assert!(device.client_secret().is_some_and(|s| s.len() > 100));
    let issued = device.client_id_issued_at();
    assert!(
        (before - 1..=now_secs() + 1).contains(&issued),
        "seconds, not milliseconds: {issued}"
    );
    let lifetime = device.client_secret_expires_at() - issued;
    assert!(
        (90 * 86400 - 2..=90 * 86400 + 2).contains(&lifetime),
        "{lifetime}"
    );
    assert_eq!(device.authorization_endpoint(), None);
    assert_eq!(device.token_endpoint(), None);

    let pkce = register_pkce(&client).await;
    assert_ne!(pkce.client_id(), device.client_id());
    assert_eq!(
        pkce.authorization_endpoint(),
        Some(format!("{}/authorize", sim.endpoint()).as_str())
    );
    assert_eq!(
        pkce.token_endpoint(),
        Some(format!("{}/token", sim.endpoint()).as_str())
    );

    let registrations = sim.registrations();
    assert_eq!(registrations.len(), 2);
    assert_eq!(sim.oidc_counts().register_client, 2);
    assert_eq!(registrations[0].scopes, ["sso:account:access"]);
    assert!(registrations[0].grant_types.is_empty());
    assert!(registrations[0].gets_refresh_tokens());
    assert_eq!(
        registrations[1].grant_types,
        [AUTHORIZATION_CODE_GRANT, REFRESH_TOKEN_GRANT]
    );
    assert_eq!(registrations[1].redirect_uris, [REGISTERED_REDIRECT]);
    assert_eq!(registrations[1].issuer_url.as_deref(), Some(START_URL));
    assert_eq!(Some(registrations[1].client_id.as_str()), pkce.client_id());

    // A shorter registration lifetime; an expired registration stops working.
    let sim2 = common::simulator_with(SimOptions {
        registration_ttl: Duration::from_secs(1),
        ..SimOptions::default()
    })
    .await;
    let client2 = oidc(&sim2);
    let short = register_device(&client2).await;
    let lifetime = short.client_secret_expires_at() - short.client_id_issued_at();
    assert!((1..=2).contains(&lifetime), "{lifetime}");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let err = client2
        .start_device_authorization()
        .client_id(short.client_id().expect("clientId"))
        .client_secret(short.client_secret().expect("clientSecret"))
        .start_url(START_URL)
        .send()
        .await
        .expect_err("expired registration");
    assert!(err.into_service_error().is_invalid_client_exception());

    // clientType is required.
    let err = client
        .register_client()
        .client_name("no-type")
        .send()
        .await
        .expect_err("missing clientType");
    assert!(err.into_service_error().is_invalid_request_exception());
    sim.shutdown().await;
    sim2.shutdown().await;
}

#[tokio::test]
async fn device_flow_is_pending_until_approved_and_the_token_works_on_the_portal() {
    let sim = common::simulator_with(SimOptions {
        device_poll_interval: Duration::ZERO,
        ..SimOptions::default()
    })
    .await;
    let client = oidc(&sim);
    let reg = register_device(&client).await;
    let auth = start_device(&client, &reg).await;

    let user_code = auth.user_code().expect("userCode");
    assert_eq!(user_code.len(), 9, "{user_code}");
    assert!(user_code.char_indices().all(|(i, c)| if i == 4 {
        c == '-'
    } else {
        c.is_ascii_uppercase()
    }));
    let verification = format!("{}/device", sim.endpoint());
    assert_eq!(auth.verification_uri(), Some(verification.as_str()));
    assert_eq!(
        auth.verification_uri_complete(),
        Some(format!("{verification}?user_code={user_code}").as_str())
    );
    assert_eq!(auth.expires_in(), 600);
    assert_eq!(auth.interval(), 0);

    for _ in 0..2 {
        let err = poll_device(&client, &reg, &auth)
            .await
            .expect_err("still pending");
        let (status, err) = service_error(err);
        assert_eq!(status, 400);
        assert!(err.is_authorization_pending_exception(), "{err:?}");
    }
    assert!(common::portal_client(&sim)
        .list_accounts()
        .access_token("not-a-token")
        .send()
        .await
        .is_err());

    assert!(sim.approve_device(&user_code.to_ascii_lowercase()));
    assert!(!sim.approve_device(user_code), "already approved");
    let token = poll_device(&client, &reg, &auth)
        .await
        .expect("approved: tokens");
    assert_eq!(token.token_type(), Some("Bearer"));
    assert_eq!(token.expires_in(), 8 * 3600);
    let access = token.access_token().expect("accessToken");
    assert!(
        token.refresh_token().is_some(),
        "sso-session registration gets a refresh token"
    );
    assert!(portal_accepts(&sim, access).await);

    // The device code is spent.
    let err = poll_device(&client, &reg, &auth)
        .await
        .expect_err("redeemed");
    assert!(service_error(err).1.is_invalid_grant_exception());

    let counts = sim.oidc_counts();
    assert_eq!(counts.start_device_authorization, 1);
    assert_eq!(counts.calls(DEVICE_CODE_GRANT), 4);
    assert_eq!(counts.issued(DEVICE_CODE_GRANT), 1);
    let log = sim.requests();
    assert_eq!(
        log.iter().filter(|r| r.path == "/token").count(),
        4,
        "{log:?}"
    );
    assert!(log
        .iter()
        .any(|r| r.method == "POST" && r.path == "/client/register" && r.status == 200));
    assert!(log
        .iter()
        .any(|r| r.path == "/device_authorization" && r.status == 200));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_legacy_registration_gets_no_refresh_token() {
    let sim = common::simulator_with(SimOptions {
        auto_approve_device: true,
        access_token_ttl: Duration::from_secs(3600),
        ..SimOptions::default()
    })
    .await;
    let client = oidc(&sim);
    let reg = client
        .register_client()
        .client_name(format!("botocore-client-{}", now_secs()))
        .client_type("public")
        .send()
        .await
        .expect("RegisterClient (legacy)");
    let auth = start_device(&client, &reg).await;
    let token = poll_device(&client, &reg, &auth)
        .await
        .expect("auto-approved: tokens on the first poll");
    assert_eq!(token.refresh_token(), None);
    assert_eq!(token.expires_in(), 3600);
    assert!(portal_accepts(&sim, token.access_token().expect("accessToken")).await);

    let err = refresh(&client, &reg, "aor-anything")
        .await
        .expect_err("legacy registrations cannot refresh");
    assert!(service_error(err).1.is_unauthorized_client_exception());
    sim.shutdown().await;
}

#[tokio::test]
async fn fetching_the_complete_verification_uri_approves_like_a_browser() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let client = oidc(&sim);
    let reg = register_device(&client).await;
    let auth = start_device(&client, &reg).await;
    let complete = auth.verification_uri_complete().expect("complete URI");
    let target = complete
        .strip_prefix(&sim.endpoint())
        .expect("same endpoint");

    let page = raw(&sim, "GET", target, None).await;
    assert_eq!(page.status, 200, "{page:?}");
    assert!(page
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html")));
    assert!(page.body.contains("approved"), "{page:?}");
    let token = poll_device(&client, &reg, &auth).await.expect("approved");
    assert!(portal_accepts(&sim, token.access_token().expect("accessToken")).await);

    assert_eq!(
        raw(&sim, "GET", "/device?user_code=ZZZZ-ZZZZ", None)
            .await
            .status,
        404
    );
    assert_eq!(raw(&sim, "GET", "/device", None).await.status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn polling_faster_than_the_interval_gets_slow_down_when_switched_on() {
    let interval = Duration::from_millis(400);
    let sim = common::simulator_with(SimOptions {
        device_poll_interval: interval,
        slow_down: true,
        ..SimOptions::default()
    })
    .await;
    let client = oidc(&sim);
    let reg = register_device(&client).await;
    let auth = start_device(&client, &reg).await;
    assert_eq!(auth.interval(), 1, "rounded up to whole seconds");

    let first = service_error(
        poll_device(&client, &reg, &auth)
            .await
            .expect_err("pending"),
    )
    .1;
    assert!(first.is_authorization_pending_exception(), "{first:?}");
    let second = service_error(
        poll_device(&client, &reg, &auth)
            .await
            .expect_err("too fast"),
    )
    .1;
    assert!(second.is_slow_down_exception(), "{second:?}");
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    let third = service_error(
        poll_device(&client, &reg, &auth)
            .await
            .expect_err("pending"),
    )
    .1;
    assert!(third.is_authorization_pending_exception(), "{third:?}");

    // Off by default: the same fast polling only ever sees pending.
    let calm = common::simulator_with(SimOptions {
        device_poll_interval: interval,
        ..SimOptions::default()
    })
    .await;
    let client = oidc(&calm);
    let reg = register_device(&client).await;
    let auth = start_device(&client, &reg).await;
    for _ in 0..3 {
        let err = service_error(
            poll_device(&client, &reg, &auth)
                .await
                .expect_err("pending"),
        )
        .1;
        assert!(err.is_authorization_pending_exception(), "{err:?}");
    }
    sim.shutdown().await;
    calm.shutdown().await;
}

#[tokio::test]
async fn an_expired_device_code_answers_expired_token() {
    let sim = common::simulator_with(SimOptions {
        device_code_ttl: Duration::from_millis(300),
        ..SimOptions::default()
    })
    .await;
    let client = oidc(&sim);
    let reg = register_device(&client).await;
    let auth = start_device(&client, &reg).await;
    assert_eq!(auth.expires_in(), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        !sim.approve_device(auth.user_code().expect("userCode")),
        "too late to approve"
    );
    let (status, err) = service_error(
        poll_device(&client, &reg, &auth)
            .await
            .expect_err("expired"),
    );
    assert_eq!(status, 400);
    assert!(err.is_expired_token_exception(), "{err:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_denied_device_code_answers_access_denied() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let client = oidc(&sim);
    let reg = register_device(&client).await;
    let auth = start_device(&client, &reg).await;
    assert!(sim.deny_device(auth.user_code().expect("userCode")));
    for _ in 0..2 {
        let err = service_error(poll_device(&client, &reg, &auth).await.expect_err("denied")).1;
        assert!(err.is_access_denied_exception(), "{err:?}");
    }
    assert!(!sim.approve_device(auth.user_code().expect("userCode")));
    sim.shutdown().await;
}

#[tokio::test]
async fn pkce_flow_redirects_with_code_and_state_and_checks_verifier_redirect_and_reuse() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let client = oidc(&sim);
    let reg = register_pkce(&client).await;
    let client_id = reg.client_id().expect("clientId");

    // The state comes back exactly, percent-encoded.
    let state = "a b&c=d/é";
    let response = raw(
        &sim,
        "GET",
        &authorize_target(client_id, REDIRECT, state, VERIFIER),
        None,
    )
    .await;
    assert_eq!(response.status, 302, "{response:?}");
    let location = response.header("location").expect("Location");
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=")),
        "{location}"
    );
    assert_eq!(
        response.location_param("state").as_deref(),
        Some(encode(state).as_str())
    );
    let code = response.location_param("code").expect("code");

    let token = redeem_code(&client, &reg, &code, REDIRECT, VERIFIER)
        .await
        .expect("right verifier");
    assert_eq!(token.token_type(), Some("Bearer"));
    assert!(token.refresh_token().is_some());
    assert!(portal_accepts(&sim, token.access_token().expect("accessToken")).await);

    // Code reuse.
    let err = redeem_code(&client, &reg, &code, REDIRECT, VERIFIER)
        .await
        .expect_err("reused code");
    assert!(service_error(err).1.is_invalid_grant_exception());

    // Wrong verifier.
    let code = authorization_code(&sim, &reg, VERIFIER).await;
    let err = redeem_code(&client, &reg, &code, REDIRECT, &VERIFIER.replace('Q', "q"))
        .await
        .expect_err("wrong verifier");
    let (status, err) = service_error(err);
    assert_eq!(status, 400);
    match &err {
        CreateTokenError::InvalidGrantException(e) => {
            assert_eq!(e.error(), Some("invalid_grant"));
            assert!(e
                .error_description()
                .is_some_and(|d| d.contains("verifier")));
        }
        other => panic!("expected InvalidGrantException, got {other:?}"),
    }

    // A redirect URI other than the one given to /authorize (here: the
    // registered, port-less one).
    let code = authorization_code(&sim, &reg, VERIFIER).await;
    let err = redeem_code(&client, &reg, &code, REGISTERED_REDIRECT, VERIFIER)
        .await
        .expect_err("different redirectUri");
    assert!(service_error(err).1.is_invalid_grant_exception());

    let counts = sim.oidc_counts();
    assert_eq!(counts.authorization_codes, 3);
    assert_eq!(counts.calls(AUTHORIZATION_CODE_GRANT), 4);
    assert_eq!(counts.issued(AUTHORIZATION_CODE_GRANT), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn authorize_refuses_unknown_clients_and_unregistered_redirects_without_redirecting() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let client = oidc(&sim);
    let reg = register_pkce(&client).await;
    let client_id = reg.client_id().expect("clientId");

    for target in [
        authorize_target("no-such-client", REDIRECT, "s", VERIFIER),
        authorize_target(client_id, "http://127.0.0.1:53117/elsewhere", "s", VERIFIER),
        authorize_target(
            client_id,
            "https://127.0.0.1:53117/oauth/callback",
            "s",
            VERIFIER,
        ),
    ] {
        let response = raw(&sim, "GET", &target, None).await;
        assert_eq!(response.status, 400, "{target}: {response:?}");
        assert_eq!(response.header("location"), None);
        assert!(response
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html")));
    }

    // Past the client and redirect checks, a challenge method other than
    // S256 is refused by redirecting with an error.
    let target = format!(
        "/authorize?response_type=code&client_id={}&redirect_uri={}&state=s1&code_challenge_method=plain&code_challenge=abc",
        encode(client_id),
        encode(REDIRECT)
    );
    let response = raw(&sim, "GET", &target, None).await;
    assert_eq!(response.status, 302);
    assert_eq!(
        response.location_param("error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(response.location_param("state").as_deref(), Some("s1"));
    assert_eq!(response.location_param("code"), None);

    // The deny knob.
    let denying = common::simulator_with(SimOptions {
        deny_authorization: true,
        ..SimOptions::default()
    })
    .await;
    let client = oidc(&denying);
    let reg = register_pkce(&client).await;
    let response = raw(
        &denying,
        "GET",
        &authorize_target(
            reg.client_id().expect("clientId"),
            REDIRECT,
            "st-9",
            VERIFIER,
        ),
        None,
    )
    .await;
    assert_eq!(response.status, 302);
    assert_eq!(
        response.location_params(),
        [
            ("error".to_string(), "access_denied".to_string()),
            ("state".to_string(), "st-9".to_string())
        ]
    );
    assert_eq!(denying.oidc_counts().authorization_codes, 0);
    sim.shutdown().await;
    denying.shutdown().await;
}

#[tokio::test]
async fn refresh_rotates_tokens_and_the_old_refresh_token_is_invalid() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let client = oidc(&sim);
    let reg = register_pkce(&client).await;
    let code = authorization_code(&sim, &reg, VERIFIER).await;
    let first = redeem_code(&client, &reg, &code, REDIRECT, VERIFIER)
        .await
        .expect("tokens");
    let old_refresh = first.refresh_token().expect("refreshToken");

    let second = refresh(&client, &reg, old_refresh)
        .await
        .expect("refreshed");
    let new_access = second.access_token().expect("accessToken");
    let new_refresh = second.refresh_token().expect("new refreshToken");
    assert_ne!(Some(new_access), first.access_token());
    assert_ne!(new_refresh, old_refresh);
    assert_eq!(second.expires_in(), 8 * 3600);
    assert!(portal_accepts(&sim, new_access).await);

    let err = refresh(&client, &reg, old_refresh)
        .await
        .expect_err("rotated away");
    assert!(service_error(err).1.is_invalid_grant_exception());
    // Another client cannot use it either.
    let other = register_pkce(&client).await;
    let err = refresh(&client, &other, new_refresh)
        .await
        .expect_err("not this client's token");
    assert!(service_error(err).1.is_invalid_grant_exception());
    refresh(&client, &reg, new_refresh)
        .await
        .expect("the newest refresh token still works");
    assert_eq!(sim.oidc_counts().issued(REFRESH_TOKEN_GRANT), 2);

    // The knob that makes every refresh fail.
    let strict = common::simulator_with(SimOptions {
        reject_refresh_tokens: true,
        auto_approve_device: true,
        ..SimOptions::default()
    })
    .await;
    let client = oidc(&strict);
    let reg = register_device(&client).await;
    let auth = start_device(&client, &reg).await;
    let token = poll_device(&client, &reg, &auth).await.expect("tokens");
    let err = refresh(&client, &reg, token.refresh_token().expect("refreshToken"))
        .await
        .expect_err("refresh rejected");
    assert!(service_error(err).1.is_invalid_grant_exception());
    sim.shutdown().await;
    strict.shutdown().await;
}

#[tokio::test]
async fn wrong_client_credentials_are_a_typed_401_invalid_client() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let client = oidc(&sim);
    let reg = register_device(&client).await;

    let err = client
        .create_token()
        .client_id(reg.client_id().expect("clientId"))
        .client_secret("not-the-secret")
        .grant_type(DEVICE_CODE_GRANT)
        .device_code("whatever")
        .send()
        .await
        .expect_err("wrong secret");
    let (status, err) = service_error(err);
    assert_eq!(status, 401);
    assert!(err.is_invalid_client_exception(), "{err:?}");

    let err = client
        .start_device_authorization()
        .client_id("no-such-client")
        .client_secret("nope")
        .start_url(START_URL)
        .send()
        .await
        .expect_err("unknown client");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(401));
    assert!(err.into_service_error().is_invalid_client_exception());

    let err = client
        .create_token()
        .client_id(reg.client_id().expect("clientId"))
        .client_secret(reg.client_secret().expect("clientSecret"))
        .grant_type("password")
        .send()
        .await
        .expect_err("unknown grant type");
    let (status, err) = service_error(err);
    assert_eq!(status, 400);
    assert!(err.is_unsupported_grant_type_exception(), "{err:?}");
    assert_eq!(sim.oidc_counts().calls("password"), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn oidc_errors_carry_the_error_type_header_and_the_oauth_body() {
    let sim = common::simulator_with(SimOptions::default()).await;
    let client = oidc(&sim);
    let reg = register_device(&client).await;
    let auth = start_device(&client, &reg).await;

    let body = serde_json::json!({
        "clientId": reg.client_id(),
        "clientSecret": reg.client_secret(),
        "grantType": DEVICE_CODE_GRANT,
        "deviceCode": auth.device_code(),
    })
    .to_string();
    let response = raw(&sim, "POST", "/token", Some(&body)).await;
    assert_eq!(response.status, 400, "{response:?}");
    assert_eq!(
        response.header("x-amzn-ErrorType"),
        Some("AuthorizationPendingException")
    );
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert!(response.header("x-amzn-RequestId").is_some());
    let json: serde_json::Value = serde_json::from_str(&response.body).expect("JSON body");
    let object = json.as_object().expect("object");
    assert_eq!(
        object.keys().collect::<Vec<_>>(),
        ["error", "error_description"]
    );
    assert_eq!(json["error"], "authorization_pending");

    let response = raw(
        &sim,
        "POST",
        "/token",
        Some(
            r#"{"clientId":"x","clientSecret":"y","grantType":"refresh_token","refreshToken":"z"}"#,
        ),
    )
    .await;
    assert_eq!(response.status, 401);
    assert_eq!(
        response.header("x-amzn-ErrorType"),
        Some("InvalidClientException")
    );
    let json: serde_json::Value = serde_json::from_str(&response.body).expect("JSON body");
    assert_eq!(json["error"], "invalid_client");
    assert!(json["error_description"].as_str().is_some());

    let response = raw(&sim, "POST", "/client/register", Some("not json")).await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.header("x-amzn-ErrorType"),
        Some("InvalidRequestException")
    );
    let json: serde_json::Value = serde_json::from_str(&response.body).expect("JSON body");
    assert_eq!(json["error"], "invalid_request");
    sim.shutdown().await;
}
