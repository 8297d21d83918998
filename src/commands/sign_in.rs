//! Signing in before handing over, for `use` and `exec`: when the token of
//! the session cannot be used (and not refreshed), a terminal gets the
//! login `uo-aws-tui login` runs, and the command continues; without a
//! terminal the [`NeedsLogin`] error (with its `run: uo-aws-tui login …`
//! hint) ends it with exit 2 and nothing on stdout.

use crate::aws::sso_session::SsoSession;
use crate::cli::LoginArgs;
use crate::env::Environment;
use crate::token::{can_sign_in_inline, check_usable, token_for, NeedsLogin, Policy};

/// Turns `error` into a login: when it is a [`NeedsLogin`] and this process
/// can sign in inline ([`can_sign_in_inline`]), says why on stderr, signs
/// in to that session exactly as `uo-aws-tui login` with no options does
/// (the URL and code on the terminal) and returns `Ok` — the caller then
/// tries once more.
///
/// Errors: `error` itself when it is not a [`NeedsLogin`] or there is no
/// terminal; the session cannot be chosen; the login failed.
pub async fn sign_in_for(env: &Environment, error: anyhow::Error) -> anyhow::Result<()> {
    let needs = error.downcast::<NeedsLogin>()?;
    if !can_sign_in_inline() {
        return Err(needs.into());
    }
    crate::output::note(format!("uo-aws-tui: {}; signing in", needs.reason));
    let (_, session) = env.session(Some(&needs.session))?;
    let args = LoginArgs {
        sso_session: Some(session.name.clone()),
        use_device_code: false,
        no_browser: false,
        redirect_port: None,
        start_url: None,
        sso_region: session.region.clone(),
    };
    super::login::sign_in(env, &session, &args).await
}

/// Makes `session`'s login usable before a profile of it is handed over:
/// `offline`, the token file alone decides ([`check_usable`]: no refresh,
/// no login, which are network calls); otherwise the token is refreshed
/// when it can be ([`Policy::Usable`]), else signed in inline
/// ([`sign_in_for`]).
///
/// Errors: the [`NeedsLogin`] when offline or without a terminal (exit 2
/// with the login hint); the login failed.
pub async fn ensure_login(
    env: &Environment,
    session: &SsoSession,
    offline: bool,
) -> anyhow::Result<()> {
    let now = time::OffsetDateTime::now_utc();
    if offline {
        check_usable(env, session, now)?;
    } else if let Err(needs) = token_for(env, session, Policy::Usable, now).await {
        sign_in_for(env, needs.into()).await?;
    }
    Ok(())
}
