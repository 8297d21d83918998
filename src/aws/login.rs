//! Signing in to an sso-session the way the AWS CLI v2 does: client
//! registration (reused from the CLI's cache), authorization code with PKCE
//! through a loopback listener, or device authorization; and refreshing an
//! access token with its refresh token. Progress goes to a callback; nothing
//! here draws or prints.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use aws_sdk_ssooidc::config::http::HttpResponse;
use aws_sdk_ssooidc::config::{BehaviorVersion, Region};
use aws_sdk_ssooidc::error::{ProvideErrorMetadata, SdkError};

use super::sdk_error;
use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::registration::{
    parse_scopes, read_registration, registration_path, write_registration, GrantKind, Registration,
};
use super::sso_session::SsoSession;
use super::token_cache::{token_path, write_token, CachedToken, TokenError};

/// The scope the CLI registers PKCE clients with when none is configured.
pub const DEFAULT_SCOPE: &str = "sso:account:access";
/// The redirect URI PKCE clients are registered with (no port).
pub const REGISTERED_REDIRECT_URI: &str = "http://127.0.0.1/oauth/callback";
/// How long the PKCE flow waits for the browser.
pub const PKCE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// A token is refreshed when less than this is left (botocore's window).
pub const REFRESH_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The OIDC endpoint override our code honours: `AWS_ENDPOINT_URL_SSO_OIDC`,
/// then `AWS_ENDPOINT_URL`. `None` is the regional AWS endpoint.
pub fn endpoint_from_env() -> Option<String> {
    ["AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
}

/// How to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Authorization code with PKCE, answered on a loopback listener (the default).
    Pkce,
    /// Device authorization: a URL and a code to confirm, from any device.
    DeviceCode,
}

impl std::fmt::Display for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Flow::Pkce => "browser (PKCE)",
            Flow::DeviceCode => "device code",
        })
    }
}

/// What a login reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginStep {
    /// A cached client registration is reused.
    RegistrationReused,
    /// A new client was registered (RegisterClient).
    Registered,
    /// The user should open `url` (and, for device codes, confirm `user_code`)
    /// before `expires_at`.
    Authorize {
        flow: Flow,
        url: String,
        user_code: Option<String>,
        expires_at: OffsetDateTime,
    },
    /// The URL was handed to a browser (`how` names the opener).
    BrowserOpened { how: String },
    /// No browser could be started; the user opens the URL.
    BrowserFailed { reason: String },
    /// The service asked to poll more slowly; the new interval.
    SlowDown(Duration),
}

/// Options of one login.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    pub flow: Flow,
    /// Open the URL in a browser (`--no-browser` turns it off; the flow stays).
    pub open_browser: bool,
    /// Port of the PKCE loopback listener (`--redirect-port`); `None` = any free port.
    pub redirect_port: Option<u16>,
    /// Overall limit of the PKCE flow (10 minutes, as the CLI).
    pub pkce_timeout: Duration,
    /// What opens URLs (the environment's `$BROWSER` and platform).
    pub browser: Browser,
}

/// Why a login or refresh failed. Tokens and secrets never appear here.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("{operation}: {code}: {message}")]
    Service {
        operation: &'static str,
        code: String,
        message: String,
    },
    #[error("{operation}: {message}")]
    Transport {
        operation: &'static str,
        message: String,
    },
    #[error("the sign-in was denied ({0})")]
    Denied(String),
    #[error("the pending authorization expired before it was confirmed; log in again")]
    Expired,
    #[error(
        "the browser came back with a state that does not match this login; nothing was written"
    )]
    StateMismatch,
    #[error("no answer from the browser within {} minutes", .0.as_secs() / 60)]
    Timeout(Duration),
    #[error("cannot listen on 127.0.0.1:{port} for the browser's answer: {source}")]
    Listen {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("the session ended (the refresh token was rejected); log in again")]
    SessionEnded,
    #[error("this token cannot be refreshed: {0}")]
    NotRefreshable(&'static str),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("{}: cannot write the client registration: {source}", path.display())]
    Registration {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A failed OIDC call to `url` as a [`LoginError`]: `Service` when the
/// answer carries an error type, else `Transport` with
/// [`sdk_error::describe`]'s one line.
fn service_error<E>(
    operation: &'static str,
    url: &str,
    err: &SdkError<E, HttpResponse>,
) -> LoginError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err.code() {
        Some(code) => LoginError::Service {
            operation,
            code: code.to_string(),
            message: err
                .message()
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        },
        // An answer without an error type: its status and type, never its
        // body (OIDC answers can carry tokens).
        None if err.raw_response().is_some() => LoginError::Transport {
            operation,
            message: format!("{url}: {}", crate::aws::portal::failure_line(err, false)),
        },
        None => LoginError::Transport {
            operation,
            message: sdk_error::describe(url, err),
        },
    }
}

/// An OIDC client for one region or endpoint.
#[derive(Clone, Debug)]
pub struct Oidc {
    client: aws_sdk_ssooidc::Client,
    /// `scheme://host[:port]` of the endpoint, the base of `/authorize`.
    base: String,
}

impl Oidc {
    /// A client for `https://oidc.{region}.amazonaws.com`, or for `endpoint`
    /// when given (its path, if any, is not part of the authorize URL).
    pub fn new(region: &str, endpoint: Option<&str>) -> Oidc {
        let mut builder = aws_sdk_ssooidc::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .http_client(super::network::http_client());
        let base = match endpoint {
            Some(e) => {
                builder = builder.endpoint_url(e);
                origin(e)
            }
            None => format!("https://oidc.{region}.amazonaws.com"),
        };
        Oidc {
            client: aws_sdk_ssooidc::Client::from_conf(builder.build()),
            base,
        }
    }

    /// `scheme://host[:port]` the authorize URL is built on.
    pub fn base(&self) -> &str {
        &self.base
    }
}

/// `scheme://authority` of a URL (everything before the path).
fn origin(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    url[..end].to_string()
}

/// Characters percent-encoded in the authorize URL: everything but
/// `A-Za-z0-9-._~`.
const URL_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode(s: &str) -> String {
    utf8_percent_encode(s, URL_ENCODE).to_string()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system provides random bytes");
    buf
}

/// A PKCE code verifier: 64 random characters from `[A-Za-z0-9-._~]`.
pub fn code_verifier() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    random_bytes::<64>()
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// The S256 code challenge: base64url(SHA-256(verifier)) without padding (43 chars).
pub fn code_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A random UUID (version 4) string, the PKCE `state`.
pub fn uuid4() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The authorize URL the browser opens, as the AWS CLI v2 builds it:
/// `{base}/authorize?response_type=code&client_id=…&redirect_uri=…&state=…&code_challenge_method=S256&scopes=…&code_challenge=…`
/// (the non-standard `scopes` parameter, scopes joined by a space).
pub fn authorize_url(
    base: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    scopes: &[String],
    challenge: &str,
) -> String {
    format!(
        "{base}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={challenge}",
        encode(client_id),
        encode(redirect_uri),
        encode(state),
        encode(&scopes.join(" ")),
    )
}

/// `botocore-client-<session>` with whitespace replaced by `-`.
pub fn client_name(session: &str) -> String {
    let name: String = session
        .chars()
        .map(|c| if c.is_whitespace() { '-' } else { c })
        .collect();
    format!("botocore-client-{name}")
}

/// How URLs are opened: `$BROWSER` first, then the platform's opener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Browser {
    /// `$BROWSER`, when set.
    pub browser_var: Option<String>,
    /// `std::env::consts::OS`.
    pub os: String,
    pub display: bool,
    pub ssh: bool,
    pub wsl: bool,
}

impl Browser {
    /// The browser setup of this process's environment.
    pub fn from_env() -> Browser {
        let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty());
        Browser {
            browser_var: std::env::var("BROWSER")
                .ok()
                .filter(|b| !b.trim().is_empty()),
            os: std::env::consts::OS.to_string(),
            display: set("DISPLAY") || set("WAYLAND_DISPLAY"),
            ssh: set("SSH_CONNECTION") || set("SSH_TTY") || set("SSH_CLIENT"),
            wsl: set("WSL_DISTRO_NAME")
                || std::fs::read_to_string("/proc/sys/kernel/osrelease")
                    .is_ok_and(|r| r.to_lowercase().contains("microsoft")),
        }
    }

    /// `Err(reason)` when no browser can be used here: `$BROWSER` unset and
    /// either an SSH session without a display, or Linux without `DISPLAY`
    /// and `WAYLAND_DISPLAY` (and not WSL).
    pub fn usable(&self) -> Result<(), String> {
        if self.browser_var.is_some() {
            return Ok(());
        }
        if self.ssh && !self.display {
            return Err("an SSH session without a display and no $BROWSER".into());
        }
        if self.os == "linux" && !self.display && !self.wsl {
            return Err("no DISPLAY or WAYLAND_DISPLAY and no $BROWSER".into());
        }
        Ok(())
    }

    /// Starts a browser on `url` without waiting for it: `$BROWSER` (run by
    /// `sh`, the URL passed as an argument, never spliced into the command),
    /// else `open` (macOS), `wslview` (WSL) or `xdg-open`. Returns what was
    /// started.
    pub fn open(&self, url: &str) -> Result<String, String> {
        let mut command = match (&self.browser_var, self.os.as_str()) {
            (Some(browser), _) => {
                let mut c = tokio::process::Command::new("sh");
                c.arg("-c")
                    .arg(format!("{browser} \"$1\""))
                    .arg("sh")
                    .arg(url);
                c
            }
            (None, "macos") => {
                let mut c = tokio::process::Command::new("open");
                c.arg(url);
                c
            }
            (None, _) if self.wsl => {
                let mut c = tokio::process::Command::new("wslview");
                c.arg(url);
                c
            }
            (None, _) => {
                let mut c = tokio::process::Command::new("xdg-open");
                c.arg(url);
                c
            }
        };
        let how = match &self.browser_var {
            Some(b) => format!("$BROWSER ({b})"),
            None => format!("{:?}", command.as_std().get_program()),
        };
        command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = command.spawn().map_err(|e| format!("{how}: {e}"))?;
        tokio::spawn(async move {
            let _ = child.wait().await;
        });
        Ok(how)
    }
}

/// Signs in to `session` and writes its token file (only once the new token
/// is in hand: a failed login leaves an existing file untouched). Reuses the
/// cached client registration when it fits the flow and has more than 15
/// minutes left, else registers (and caches) a new one.
///
/// Returns the new token, or why the login failed.
pub async fn login(
    sso_cache: &Path,
    session: &SsoSession,
    oidc: &Oidc,
    options: &LoginOptions,
    report: &(dyn Fn(LoginStep) + Send + Sync),
) -> Result<CachedToken, LoginError> {
    let kind = match options.flow {
        Flow::Pkce => GrantKind::AuthorizationCode,
        Flow::DeviceCode => GrantKind::DeviceCode,
    };
    let registration = registration_for(sso_cache, session, oidc, kind, report).await?;
    let issued = match options.flow {
        Flow::Pkce => pkce(oidc, &registration, options, report).await?,
        Flow::DeviceCode => device_code(session, oidc, &registration, options, report).await?,
    };
    let token = CachedToken {
        start_url: Some(session.start_url.clone()),
        region: Some(session.region.clone()),
        access_token: issued.access_token,
        expires_at: whole_seconds(OffsetDateTime::now_utc() + issued.expires_in),
        client_id: Some(registration.client_id.clone()),
        client_secret: Some(registration.client_secret.clone()),
        registration_expires_at: Some(registration.expires_at),
        refresh_token: issued.refresh_token,
        extra: Default::default(),
    };
    write_token(&token_path(sso_cache, &session.name), &token)?;
    Ok(token)
}

async fn registration_for(
    sso_cache: &Path,
    session: &SsoSession,
    oidc: &Oidc,
    kind: GrantKind,
    report: &(dyn Fn(LoginStep) + Send + Sync),
) -> Result<Registration, LoginError> {
    let configured = session.registration_scopes.as_deref().map(parse_scopes);
    let path = registration_path(
        sso_cache,
        &session.start_url,
        &session.region,
        configured.as_deref(),
        Some(&session.name),
    );
    if let Some(cached) = read_registration(&path) {
        if cached.reusable_for(kind, OffsetDateTime::now_utc()) {
            report(LoginStep::RegistrationReused);
            return Ok(cached);
        }
    }
    let mut request = oidc
        .client
        .register_client()
        .client_name(client_name(&session.name))
        .client_type("public");
    let (scopes, grant_types) = match kind {
        GrantKind::AuthorizationCode => {
            let scopes = configured.unwrap_or_else(|| vec![DEFAULT_SCOPE.to_string()]);
            let grants = vec![
                "authorization_code".to_string(),
                "refresh_token".to_string(),
            ];
            request = request
                .set_grant_types(Some(grants.clone()))
                .redirect_uris(REGISTERED_REDIRECT_URI)
                .issuer_url(&session.start_url)
                .set_scopes(Some(scopes.clone()));
            (Some(scopes), Some(grants))
        }
        GrantKind::DeviceCode => {
            if let Some(scopes) = &configured {
                request = request.set_scopes(Some(scopes.clone()));
            }
            (configured, None)
        }
    };
    let out = request
        .send()
        .await
        .map_err(|e| service_error("RegisterClient", &oidc.base, &e))?;
    let registration = Registration {
        client_id: out.client_id().unwrap_or_default().to_string(),
        client_secret: out.client_secret().unwrap_or_default().to_string(),
        expires_at: OffsetDateTime::from_unix_timestamp(out.client_secret_expires_at())
            .unwrap_or_else(|_| OffsetDateTime::now_utc()),
        scopes,
        grant_types,
    };
    write_registration(&path, &registration).map_err(|source| LoginError::Registration {
        path: path.clone(),
        source,
    })?;
    report(LoginStep::Registered);
    Ok(registration)
}

/// `t` without its fraction of a second: what the token file can hold.
fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

struct Issued {
    access_token: String,
    expires_in: Duration,
    refresh_token: Option<String>,
}

fn issued(out: &aws_sdk_ssooidc::operation::create_token::CreateTokenOutput) -> Issued {
    Issued {
        access_token: out.access_token().unwrap_or_default().to_string(),
        expires_in: Duration::from_secs(out.expires_in().max(0) as u64),
        refresh_token: out
            .refresh_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string),
    }
}

async fn pkce(
    oidc: &Oidc,
    registration: &Registration,
    options: &LoginOptions,
    report: &(dyn Fn(LoginStep) + Send + Sync),
) -> Result<Issued, LoginError> {
    // Listen before the browser is opened, and take the answer on this socket.
    let port = options.redirect_port.unwrap_or(0);
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|source| LoginError::Listen { port, source })?;
    let port = listener
        .local_addr()
        .map_err(|source| LoginError::Listen { port, source })?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/oauth/callback");
    let verifier = code_verifier();
    let state = uuid4();
    let scopes = registration
        .scopes
        .clone()
        .unwrap_or_else(|| vec![DEFAULT_SCOPE.to_string()]);
    let url = authorize_url(
        oidc.base(),
        &registration.client_id,
        &redirect_uri,
        &state,
        &scopes,
        &code_challenge(&verifier),
    );
    report(LoginStep::Authorize {
        flow: Flow::Pkce,
        url: url.clone(),
        user_code: None,
        expires_at: OffsetDateTime::now_utc() + options.pkce_timeout,
    });
    if options.open_browser {
        match options.browser.open(&url) {
            Ok(how) => report(LoginStep::BrowserOpened { how }),
            Err(reason) => report(LoginStep::BrowserFailed { reason }),
        }
    }
    let code = tokio::time::timeout(options.pkce_timeout, wait_for_code(&listener, &state))
        .await
        .map_err(|_| LoginError::Timeout(options.pkce_timeout))??;
    let out = oidc
        .client
        .create_token()
        .client_id(&registration.client_id)
        .client_secret(&registration.client_secret)
        .grant_type("authorization_code")
        .code(code)
        .redirect_uri(&redirect_uri)
        .code_verifier(&verifier)
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(s) if s.is_expired_token_exception() => LoginError::Expired,
            _ => service_error("CreateToken", &oidc.base, &e),
        })?;
    Ok(issued(&out))
}

const CALLBACK_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>uo-aws-tui</title></head>\
<body style=\"font-family:sans-serif;margin:3em\"><h1>uo-aws-tui</h1>\
<p>The sign-in request was received. You can close this tab and return to the terminal.</p></body></html>";

/// Answers every request on `listener` with a small page, and returns the
/// `code` of the first request that carries one with the expected `state`.
/// A request with `error` fails the login; one with another `state` too.
async fn wait_for_code(listener: &TcpListener, state: &str) -> Result<String, LoginError> {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let mut buf = Vec::new();
        let mut chunk = [0u8; 2048];
        // Read the request head (bounded in size and time).
        let head = tokio::time::timeout(Duration::from_secs(10), async {
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
        })
        .await;
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{CALLBACK_PAGE}",
            CALLBACK_PAGE.len()
        );
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
        if head.is_err() {
            continue;
        }
        let text = String::from_utf8_lossy(&buf);
        let target = text
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("");
        let query = target.split_once('?').map_or("", |(_, q)| q);
        let params = parse_query(query);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if let Some(error) = get("error") {
            return Err(LoginError::Denied(error));
        }
        if let (Some(code), Some(got_state)) = (get("code"), get("state")) {
            if got_state != state {
                return Err(LoginError::StateMismatch);
            }
            return Ok(code);
        }
        // Anything else (a favicon, a probe) is answered and ignored.
    }
}

/// `a=1&b=x%20y` → `[("a","1"),("b","x y")]` (`+` is a space).
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k), decode(v))
        })
        .collect()
}

async fn device_code(
    session: &SsoSession,
    oidc: &Oidc,
    registration: &Registration,
    options: &LoginOptions,
    report: &(dyn Fn(LoginStep) + Send + Sync),
) -> Result<Issued, LoginError> {
    let auth = oidc
        .client
        .start_device_authorization()
        .client_id(&registration.client_id)
        .client_secret(&registration.client_secret)
        .start_url(&session.start_url)
        .send()
        .await
        .map_err(|e| service_error("StartDeviceAuthorization", &oidc.base, &e))?;
    let device_code = auth.device_code().unwrap_or_default().to_string();
    let expires_at =
        OffsetDateTime::now_utc() + Duration::from_secs(auth.expires_in().max(1) as u64);
    let mut interval = Duration::from_secs(match auth.interval() {
        i if i > 0 => i as u64,
        _ => 5,
    });
    let mut shown = false;
    loop {
        let attempt = oidc
            .client
            .create_token()
            .client_id(&registration.client_id)
            .client_secret(&registration.client_secret)
            .grant_type("urn:ietf:params:oauth:grant-type:device_code")
            .device_code(&device_code)
            .send()
            .await;
        match attempt {
            Ok(out) => return Ok(issued(&out)),
            Err(e) => {
                let Some(s) = e.as_service_error() else {
                    return Err(service_error("CreateToken", &oidc.base, &e));
                };
                if s.is_authorization_pending_exception() {
                } else if s.is_slow_down_exception() {
                    interval += Duration::from_secs(5);
                    report(LoginStep::SlowDown(interval));
                } else if s.is_expired_token_exception() {
                    return Err(LoginError::Expired);
                } else if s.is_access_denied_exception() {
                    return Err(LoginError::Denied(
                        e.message().unwrap_or("access denied").to_string(),
                    ));
                } else {
                    return Err(service_error("CreateToken", &oidc.base, &e));
                }
            }
        }
        // The first attempt is made before anything is shown, as the CLI does.
        if !shown {
            shown = true;
            let url = auth
                .verification_uri_complete()
                .or(auth.verification_uri())
                .unwrap_or_default()
                .to_string();
            report(LoginStep::Authorize {
                flow: Flow::DeviceCode,
                url: url.clone(),
                user_code: auth.user_code().map(str::to_string),
                expires_at,
            });
            if options.open_browser && options.browser.usable().is_ok() {
                match options.browser.open(&url) {
                    Ok(how) => report(LoginStep::BrowserOpened { how }),
                    Err(reason) => report(LoginStep::BrowserFailed { reason }),
                }
            }
        }
        if OffsetDateTime::now_utc() >= expires_at {
            return Err(LoginError::Expired);
        }
        tokio::time::sleep(interval).await;
    }
}

/// Why `token` cannot be refreshed at `now`, or `Ok` when it can: it needs
/// `refreshToken`, `clientId`, `clientSecret` and an unexpired registration.
pub fn refreshable(token: &CachedToken, now: OffsetDateTime) -> Result<(), &'static str> {
    if token.refresh_token.is_none() {
        return Err("it has no refresh token");
    }
    if token.client_id.is_none() || token.client_secret.is_none() {
        return Err("it has no client registration");
    }
    match token.registration_expires_at {
        Some(t) if t > now => Ok(()),
        Some(_) => Err("its client registration expired"),
        None => Err("its client registration has no expiry"),
    }
}

/// Whether `token` should be refreshed at `now`: expired, or less than
/// [`REFRESH_WINDOW`] left.
pub fn needs_refresh(token: &CachedToken, now: OffsetDateTime) -> bool {
    token.expires_at - REFRESH_WINDOW <= now
}

/// Refreshes `token` of `session` (CreateToken `refresh_token`, one attempt)
/// and rewrites its file: new `accessToken` and `expiresAt`, the new
/// `refreshToken` when one came back (else the old one), every other field
/// kept, timestamps written as `…Z`.
///
/// Errors: `NotRefreshable` without the needed fields (nothing is sent),
/// `SessionEnded` when the service answers `InvalidGrantException`.
pub async fn refresh(
    sso_cache: &Path,
    session: &SsoSession,
    token: &CachedToken,
    oidc: &Oidc,
) -> Result<CachedToken, LoginError> {
    refreshable(token, OffsetDateTime::now_utc()).map_err(LoginError::NotRefreshable)?;
    let out = oidc
        .client
        .create_token()
        .client_id(token.client_id.as_deref().unwrap_or_default())
        .client_secret(token.client_secret.as_deref().unwrap_or_default())
        .grant_type("refresh_token")
        .refresh_token(token.refresh_token.as_deref().unwrap_or_default())
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(s) if s.is_invalid_grant_exception() => LoginError::SessionEnded,
            _ => service_error("CreateToken", &oidc.base, &e),
        })?;
    let fresh = issued(&out);
    let mut updated = token.clone();
    updated.access_token = fresh.access_token;
    updated.expires_at = whole_seconds(OffsetDateTime::now_utc() + fresh.expires_in);
    if let Some(r) = fresh.refresh_token {
        updated.refresh_token = Some(r);
    }
    write_token(&token_path(sso_cache, &session.name), &updated)?;
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_values_have_the_cli_shapes() {
        let v = code_verifier();
        assert_eq!(v.len(), 64);
        assert!(v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
        assert_ne!(v, code_verifier());
        // RFC 7636 appendix B.
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let u = uuid4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }

    #[test]
    fn authorize_url_as_the_cli_builds_it() {
        let url = authorize_url(
            &origin("http://127.0.0.1:9000/x"),
            "cid",
            "http://127.0.0.1:5555/oauth/callback",
            "st-1",
            &["sso:account:access".to_string(), "openid".to_string()],
            "CHAL",
        );
        assert_eq!(
            url,
            "http://127.0.0.1:9000/authorize?response_type=code&client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1%3A5555%2Foauth%2Fcallback&state=st-1&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess%20openid&code_challenge=CHAL"
        );
        assert_eq!(
            origin("https://oidc.us-west-2.amazonaws.com"),
            "https://oidc.us-west-2.amazonaws.com"
        );
    }

    #[test]
    fn client_names_replace_whitespace() {
        assert_eq!(client_name("uoregon"), "botocore-client-uoregon");
        assert_eq!(client_name("my lab\tx"), "botocore-client-my-lab-x");
    }

    #[test]
    fn when_a_browser_can_be_used() {
        let b = |browser: Option<&str>, os: &str, display: bool, ssh: bool| Browser {
            browser_var: browser.map(str::to_string),
            os: os.into(),
            display,
            ssh,
            wsl: false,
        };
        assert!(b(None, "linux", true, false).usable().is_ok());
        assert!(b(None, "linux", false, false).usable().is_err());
        assert!(b(Some("firefox"), "linux", false, true).usable().is_ok());
        assert!(b(None, "macos", false, true).usable().is_err());
        assert!(b(None, "macos", false, false).usable().is_ok());
    }

    #[test]
    fn query_parsing() {
        assert_eq!(
            parse_query("code=a%2Bb&state=x+y&empty="),
            vec![
                ("code".to_string(), "a+b".to_string()),
                ("state".to_string(), "x y".to_string()),
                ("empty".to_string(), String::new())
            ]
        );
    }
}
