//! Opening the AWS console as a role: its role credentials
//! ([`crate::aws::role_credentials`]), a sign-in URL from the federation
//! endpoint ([`crate::aws::federation`]), and a one-shot redirect page on
//! 127.0.0.1 that the browser is pointed at.
//!
//! The sign-in URL never appears on a command line: the browser process is
//! given `http://127.0.0.1:PORT/console/NONCE`, whose one answer (`303 See
//! Other`) sends the browser to the console's logout URL, which ends an
//! older console session and forwards to the sign-in URL, so one browser
//! call logs out and signs in, in that order. The page answers once; any
//! other request gets 404; the listener closes when the page was served or
//! after [`PAGE_TIMEOUT`].

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::aws::federation::{destination, Federation, SigninUrl};
use crate::aws::login::{uuid4, Browser};
use crate::aws::role_credentials::role_credentials;
use crate::aws::sso_session::SsoSession;
use crate::env::Environment;

/// How long the redirect page waits for the browser.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(120);

/// Which role, and where the console opens.
#[derive(Debug, Clone)]
pub struct ConsoleTarget<'a> {
    pub session: &'a SsoSession,
    pub account_id: &'a str,
    pub role: &'a str,
    /// The console's region (and the partition's).
    pub region: &'a str,
    /// `--service NAME`.
    pub service: Option<&'a str>,
    /// `--destination URL`.
    pub destination: Option<&'a str>,
}

/// The sign-in URL of `target`: role credentials (cached, or
/// GetRoleCredentials with the session's token; `sign_in` is called when
/// there is no usable token, as [`role_credentials`] says), then
/// `getSigninToken` at `env.federation_endpoint` or the partition's sign-in
/// host. Returns the endpoint too (for its logout URL).
///
/// Errors: a bad `--service`/`--destination`; what `sign_in` returns; the
/// portal's or the federation endpoint's error (never quoting a secret).
pub async fn signin_url<F, Fut>(
    env: &Environment,
    target: &ConsoleTarget<'_>,
    sign_in: F,
) -> anyhow::Result<(Federation, SigninUrl)>
where
    F: FnOnce(anyhow::Error) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    signin_url_with(
        env,
        target.region,
        target.service,
        target.destination,
        || role_credentials(env, target.session, target.account_id, target.role, sign_in),
    )
    .await
}

/// The sign-in URL for the credentials `credentials` gives (called once,
/// after `service` and `destination` were checked): `getSigninToken` at
/// `env.federation_endpoint` or the partition's sign-in host of `region`.
/// [`signin_url`] gives it a role's credentials; a chained profile the
/// credentials of its assumed role ([`crate::chain_credentials`]).
///
/// Errors: a bad `--service`/`--destination`; what `credentials` returns;
/// the federation endpoint's error (never quoting a secret).
pub async fn signin_url_with<C, CFut>(
    env: &Environment,
    region: &str,
    service: Option<&str>,
    destination_url: Option<&str>,
    credentials: C,
) -> anyhow::Result<(Federation, SigninUrl)>
where
    C: FnOnce() -> CFut,
    CFut:
        std::future::Future<Output = anyhow::Result<crate::aws::role_credentials::RoleCredentials>>,
{
    let federation = Federation::new(region, env.federation_endpoint.as_deref());
    let destination = destination(federation.partition(), region, service, destination_url)
        .map_err(anyhow::Error::msg)?;
    let credentials = credentials().await?;
    let url = federation.signin_url(&credentials, &destination).await?;
    Ok((federation, url))
}

/// Serves the one-shot redirect page for `url` (logout of `federation`
/// first), opens `browser` on it and waits until the page was served.
/// Returns what opened it (`$BROWSER (…)`, `"xdg-open"`, …).
///
/// Errors: no loopback listener; the browser cannot be started; the page
/// was not asked for within [`PAGE_TIMEOUT`].
pub async fn open_in_browser(
    federation: &Federation,
    url: &SigninUrl,
    browser: &Browser,
) -> anyhow::Result<String> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on 127.0.0.1 for the console page: {e}"))?;
    let port = listener.local_addr()?.port();
    let path = format!("/console/{}", uuid4());
    let page = format!("http://127.0.0.1:{port}{path}");
    let target = federation.logout_then(url);
    let how = browser
        .open(&page)
        .map_err(|why| anyhow::anyhow!("cannot open a browser: {why}"))?;
    tokio::time::timeout(PAGE_TIMEOUT, serve_once(&listener, &path, &target))
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "the browser ({how}) did not open the console page within {} s",
                PAGE_TIMEOUT.as_secs()
            )
        })?;
    Ok(how)
}

/// Answers requests on `listener` until one asks for `path`: that one gets
/// `303 See Other` to `target`, every other one 404. Each connection is
/// read on its own task, so a browser's idle speculative connection holds
/// nothing up; the page is given out once.
async fn serve_once(listener: &TcpListener, path: &str, target: &SigninUrl) {
    let served = Arc::new(AtomicBool::new(false));
    let done = Arc::new(Notify::new());
    let location = Arc::new(target.expose().to_string());
    let path = Arc::new(path.to_string());
    loop {
        tokio::select! {
            _ = done.notified() => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let (served, done) = (served.clone(), done.clone());
                let (location, path) = (location.clone(), path.clone());
                tokio::spawn(async move {
                    answer(stream, &path, &location, &served).await;
                    if served.load(Ordering::SeqCst) {
                        done.notify_one();
                    }
                });
            }
        }
    }
}

/// Reads one request head from `stream` (at most 16 KiB, 10 s) and answers
/// it: the redirect to `location` when it is `GET path` and `served` was
/// still false (it is set then), else 404.
async fn answer(mut stream: TcpStream, path: &str, location: &str, served: &AtomicBool) {
    let mut head = Vec::new();
    let mut chunk = [0u8; 2048];
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&head);
    let mut first = text.lines().next().unwrap_or("").split_whitespace();
    let (method, asked) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    let hit =
        read.is_ok() && method == "GET" && asked == path && !served.swap(true, Ordering::SeqCst);
    let response = if hit {
        let body = "Opening the AWS console…\n";
        format!(
            "HTTP/1.1 303 See Other\r\nLocation: {location}\r\nCache-Control: no-store\r\n\
             Referrer-Policy: no-referrer\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    } else {
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
    };
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Opens the console for `url` in `browser` ([`open_in_browser`]) and says
/// so on stderr, naming `label` (the profile), never the URL.
///
/// Errors: no browser can be used here (with the hint to use `--print`),
/// and those of [`open_in_browser`].
pub async fn present(
    federation: &Federation,
    url: &SigninUrl,
    browser: &Browser,
    label: &str,
) -> anyhow::Result<()> {
    browser.usable().map_err(|why| {
        anyhow::anyhow!("cannot open a browser here ({why}); set BROWSER, or use --print")
    })?;
    let how = open_in_browser(federation, url, browser).await?;
    crate::output::note(format!(
        "uo-aws-tui: the AWS console opened as {} ({how})",
        crate::output::escape(label)
    ));
    Ok(())
}

/// Ctrl-o in the picker: the console as role row `row` of `session`, in the
/// region [`crate::region::region_for`] gives (with the row's existing
/// profile's own region), opened in the environment's browser. Nothing is
/// written to the config file and nothing goes to stdout.
///
/// Errors: `row` is an account whose roles failed; those of [`signin_url`]
/// and [`present`].
pub async fn open_for_row(
    env: &Environment,
    session: &SsoSession,
    row: &crate::catalog::Row,
    regions: &crate::region::RegionDefaults,
    template: &crate::catalog::ProfileTemplate,
) -> anyhow::Result<()> {
    let role = row
        .role()
        .ok_or_else(|| anyhow::anyhow!("the roles of this account could not be listed"))?;
    let profile = template.row_name(row, &session.name);
    let config = crate::aws::config::AwsFile::load_optional(
        &env.paths.config,
        crate::aws::config::FileKind::Config,
    )?;
    let own = config
        .as_ref()
        .and_then(|c| c.profile(&profile))
        .and_then(|s| s.get("region"))
        .map(str::to_string);
    let (region, _) = crate::region::region_for(
        regions,
        &crate::region::Assignment::from(row),
        own.as_deref(),
        &session.region,
    );
    let target = ConsoleTarget {
        session,
        account_id: &row.account.id,
        role,
        region: &region,
        service: None,
        destination: None,
    };
    // The picker has its own login panel: a token that needs a login ends
    // here with the login hint.
    let (federation, url) = signin_url(env, &target, |e| async { Err(e) }).await?;
    present(&federation, &url, &Browser::from_env(), &profile).await
}
