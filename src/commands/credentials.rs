//! `uo-aws-tui credentials PROFILE [--format process|env|fish|json]`: the
//! role credentials of a native profile on stdout, for `credential_process`
//! (companion profiles) and tools that cannot read sso-session profiles.
//! Cached in the AWS CLI's role-credential cache and fetched under its lock
//! ([`crate::aws::role_credentials`]); a token that needs a login gets the
//! inline login of `use` on a terminal, else the login hint and exit 2.
//!
//! `aws login` profiles (`login_session`) are served too, for the tools that
//! cannot read them: their cached credentials, refreshed as the AWS CLI
//! refreshes them ([`crate::aws::login_refresh`]); a login that cannot be
//! refreshed is exit 2 with `aws login --profile P`.

use serde_json::json;

use crate::aws::config::{AwsFile, FileKind};
use crate::aws::login_refresh::{login_credentials, LoginProfile};
use crate::aws::role_credentials::{role_credentials, ProfileRole, RoleCredentials};
use crate::aws::sso_session::SsoSession;
use crate::aws::token_cache::format_timestamp;
use crate::chain_credentials::{assume_chain, chained_role};
use crate::cli::{CredentialsArgs, CredentialsFormat};
use crate::commands::sign_in::sign_in_for;
use crate::env::Environment;
use crate::exit::Exit;
use crate::shell::{fish_quote, posix_quote};

pub async fn run(args: &CredentialsArgs) -> anyhow::Result<Exit> {
    let env = Environment::from_process()?;
    if let Some(exit) = chained(&env, args).await? {
        return Ok(exit);
    }
    let config = AwsFile::load(&env.paths.config, FileKind::Config)?;
    if let Some(login) = login_profile(&config, &args.profile) {
        let credentials = login_credentials(&env, &login).await?;
        let subject = ProfileRole {
            profile: login.profile.clone(),
            sso_session: String::new(),
            account_id: credentials.account_id.clone(),
            role: login.role_name().unwrap_or_default().to_string(),
            region: login.region.clone(),
        };
        return Ok(Exit::Done(render(args.format, &subject, &credentials)?));
    }
    let credentials_file = AwsFile::load_optional(&env.paths.credentials, FileKind::Credentials)?;
    let profiles = crate::chain::Profiles::new(Some(&config), credentials_file.as_ref());
    let role = ProfileRole::of_profile(&profiles, &args.profile).map_err(anyhow::Error::msg)?;
    let (_, session) = env.session(Some(&role.sso_session))?;
    let credentials = credentials_signing_in(&env, &session, &role).await?;
    Ok(Exit::Done(render(args.format, &role, &credentials)?))
}

/// `uo-aws-tui credentials PROFILE` when `PROFILE` is chained: the keys of
/// its last role ([`assume_chain`] on top of the root's role credentials,
/// signing in inline as for a native profile), printed as
/// [`render`] prints a native profile's.
/// `Ok(None)`: `args.profile` is no chained profile.
///
/// Errors: those of [`chained_role`] (a broken chain, one that does not
/// start at an SSO profile) and of [`assume_chain`].
async fn chained(env: &Environment, args: &CredentialsArgs) -> anyhow::Result<Option<Exit>> {
    let Some(chained) = chained_role(env, &args.profile)? else {
        return Ok(None);
    };
    let keys = assume_chain(env, &chained, |e| sign_in_for(env, e)).await?;
    let text = render(args.format, &chained.role(), &keys)?;
    Ok(Some(Exit::Done(text)))
}

/// The `aws login` profile `name` of `config`: a profile with a non-empty
/// `login_session` (and no `sso_session`, which would make it ours).
pub fn login_profile(config: &AwsFile, name: &str) -> Option<LoginProfile> {
    let section = config.profile(name)?;
    let key = |k: &str| section.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    if key("sso_session").is_some() {
        return None;
    }
    Some(LoginProfile {
        profile: name.to_string(),
        login_session: key("login_session")?,
        region: key("region"),
    })
}

/// [`role_credentials`] of `role`, signing in inline once (under the cache
/// lock) when the token needs a login and this process has a terminal
/// ([`sign_in_for`]).
///
/// Errors: those of [`role_credentials`], or the login's.
pub async fn credentials_signing_in(
    env: &Environment,
    session: &SsoSession,
    role: &ProfileRole,
) -> anyhow::Result<RoleCredentials> {
    role_credentials(env, session, &role.account_id, &role.role, |e| {
        sign_in_for(env, e)
    })
    .await
}

/// The text `credentials` prints for `format`. Every value is printable
/// ASCII ([`RoleCredentials::from_portal`]) and quoted for its syntax.
pub fn render(
    format: CredentialsFormat,
    role: &ProfileRole,
    c: &RoleCredentials,
) -> anyhow::Result<String> {
    let expiration = format_timestamp(c.expiration);
    let vars = [
        ("AWS_ACCESS_KEY_ID", c.access_key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", c.secret_access_key.as_str()),
        ("AWS_SESSION_TOKEN", c.session_token.as_str()),
        ("AWS_CREDENTIAL_EXPIRATION", expiration.as_str()),
    ];
    Ok(match format {
        CredentialsFormat::Process => {
            let value = json!({
                "Version": 1,
                "AccessKeyId": c.access_key_id,
                "SecretAccessKey": c.secret_access_key,
                "SessionToken": c.session_token,
                "Expiration": expiration,
            });
            format!("{}\n", crate::output::json(&value, false)?)
        }
        CredentialsFormat::Json => {
            let mut value = json!({
                "Version": 1,
                "AccessKeyId": c.access_key_id,
                "SecretAccessKey": c.secret_access_key,
                "SessionToken": c.session_token,
                "Expiration": expiration,
                "Profile": role.profile,
                "AccountId": role.account_id,
                "RoleName": role.role,
            });
            // An `aws login` of an IAM user or the root user has no role.
            if role.role.is_empty() {
                value.as_object_mut().map(|o| o.remove("RoleName"));
            }
            format!("{}\n", crate::output::json(&value, true)?)
        }
        CredentialsFormat::Env => vars
            .iter()
            .map(|(k, v)| format!("export {k}={};\n", posix_quote(v)))
            .collect(),
        CredentialsFormat::Fish => vars
            .iter()
            .map(|(k, v)| format!("set -gx {k} {};\n", fish_quote(v)))
            .collect(),
    })
}
