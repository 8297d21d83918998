//! The credentials of a chained profile (`role_arn` + `source_profile`,
//! see [`crate::chain`]) whose chain starts at an sso-session profile: the
//! root's role credentials exactly as for a native profile
//! ([`crate::aws::role_credentials::role_credentials`]: the AWS CLI's
//! cache, its lock, the inline sign-in), then STS `AssumeRole`
//! ([`crate::aws::sts::assume_role`]) for every link from the root up to
//! the profile asked for, each signed with the credentials of the one
//! before. Assumed-role credentials are not cached: every call assumes the
//! roles again (the root's role credentials come from the cache).

use std::time::Duration;

use anyhow::Context as _;
use time::OffsetDateTime;

use crate::aws::config::{AwsFile, FileKind};
use crate::aws::role_credentials::{role_credentials, ProfileRole, RoleCredentials};
use crate::aws::sts::{self, assume_role, AssumeRole};
use crate::chain::{role_parts, Profiles, Root};
use crate::env::Environment;

/// One role to assume: the keys of one chained profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The chained profile.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `role_session_name` (`None`: [`default_session_name`]).
    pub role_session_name: Option<String>,
    /// `duration_seconds` (`None`: STS's default, one hour).
    pub duration: Option<Duration>,
}

/// A chained profile whose chain starts at an sso-session profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedRole {
    /// The profile asked for.
    pub profile: String,
    /// The SSO profile the chain starts at.
    pub root: ProfileRole,
    /// The roles to assume, root side first: the last one is `profile`'s.
    pub links: Vec<Link>,
    /// The region STS is called in and the console opens in: `profile`'s
    /// own `region`, else the root profile's (`None`: the session's).
    pub region: Option<String>,
}

impl ChainedRole {
    /// The role the credentials are for, in the shape `credentials --format
    /// json` and `console` use: the chained profile's name, the root's
    /// sso-session, and the account id and role name of its `role_arn`.
    pub fn role(&self) -> ProfileRole {
        let arn = &self.links.last().expect("at least one link").role_arn;
        let (account_id, role) = role_parts(arn).unwrap_or(("", ""));
        ProfileRole {
            profile: self.profile.clone(),
            sso_session: self.root.sso_session.clone(),
            account_id: account_id.to_string(),
            role: role.to_string(),
            region: self.region.clone(),
        }
    }
}

/// The role session name when a link has no `role_session_name`:
/// `uo-aws-tui-<unix seconds>` (botocore uses `botocore-session-<seconds>`).
pub fn default_session_name(now: OffsetDateTime) -> String {
    format!("uo-aws-tui-{}", now.unix_timestamp())
}

/// Reads the config and credentials files of `env` and resolves `profile`
/// when it is chained ([`Profiles::resolve`]).
///
/// `Ok(None)`: `profile` is no chained profile.
///
/// Errors: the files cannot be read; the chain is broken (with the `doctor`
/// hint); it starts at static keys, a `credential_source` or another
/// provider, which are the SDK's alone; its root is no sso-session profile
/// ([`ProfileRole::of_profile`]); a `role_arn` is no IAM role ARN or a
/// `duration_seconds` no whole number.
pub fn chained_role(env: &Environment, profile: &str) -> anyhow::Result<Option<ChainedRole>> {
    let config = AwsFile::load_optional(&env.paths.config, FileKind::Config)?;
    let credentials = AwsFile::load_optional(&env.paths.credentials, FileKind::Credentials)?;
    let profiles = Profiles::new(config.as_ref(), credentials.as_ref());
    let Some(chain) = profiles.resolve_or_hint(profile)? else {
        return Ok(None);
    };
    let shown = crate::output::escape(profile);
    let root = match &chain.root {
        Root::Sso { profile: root, .. } => root,
        Root::StaticKeys { profile: root } => anyhow::bail!(
            "profile {shown} starts from the static keys of profile {}: uo-aws-tui gives \
             credentials for chains that start at an SSO profile; use the SDK's own chain \
             (AWS_PROFILE={shown})",
            crate::output::escape(root)
        ),
        Root::CredentialSource {
            profile: at,
            source,
        } => anyhow::bail!(
            "profile {shown} starts from credential_source = {} of profile {}: uo-aws-tui gives \
             credentials for chains that start at an SSO profile; use the SDK's own chain \
             (AWS_PROFILE={shown})",
            crate::output::escape(source),
            crate::output::escape(at)
        ),
        Root::Other { profile: root } => anyhow::bail!(
            "profile {shown} starts from profile {}, which is no SSO profile: use the SDK's own \
             chain (AWS_PROFILE={shown})",
            crate::output::escape(root)
        ),
    };
    let root_role = ProfileRole::of_profile(&profiles, root)
        .map_err(|why| anyhow::anyhow!("profile {shown} starts from profile {root}: {why}"))?;
    let mut links = Vec::new();
    for name in chain.links.iter().rev() {
        let get = |key: &str| profiles.get(name, key).map(str::to_string);
        let role_arn = get("role_arn").unwrap_or_default();
        if role_parts(&role_arn).is_none() {
            anyhow::bail!(
                "profile {}: role_arn = {} is no IAM role ARN (arn:aws:iam::ACCOUNTID:role/NAME)",
                crate::output::escape(name),
                crate::output::escape(&role_arn)
            );
        }
        let duration = match get("duration_seconds") {
            None => None,
            Some(text) => Some(Duration::from_secs(text.trim().parse().map_err(|_| {
                anyhow::anyhow!(
                    "profile {}: duration_seconds = {} is no whole number of seconds",
                    crate::output::escape(name),
                    crate::output::escape(&text)
                )
            })?)),
        };
        links.push(Link {
            profile: name.clone(),
            role_arn,
            external_id: get("external_id"),
            role_session_name: get("role_session_name"),
            duration,
        });
    }
    let region = profiles
        .get(profile, "region")
        .map(str::to_string)
        .or_else(|| root_role.region.clone());
    Ok(Some(ChainedRole {
        profile: profile.to_string(),
        root: root_role,
        links,
        region,
    }))
}

/// The credentials of `chained`: the root's role credentials through its
/// sso-session (`sign_in` is called when it needs a login, as
/// [`role_credentials`] says), then one STS `AssumeRole` per link in
/// `chained.region` (else the session's `sso_region`), at `AWS_ENDPOINT_URL_STS`
/// or `AWS_ENDPOINT_URL` when set ([`sts::endpoint_from_env`]). The answer
/// carries the account id of the last link's `role_arn`.
///
/// Errors: the root's sso-session is missing; those of [`role_credentials`];
/// an `AssumeRole` call failed (naming the profile of its link); STS
/// answered with a value that is not printable ASCII.
pub async fn assume_chain<F, Fut>(
    env: &Environment,
    chained: &ChainedRole,
    sign_in: F,
) -> anyhow::Result<RoleCredentials>
where
    F: FnOnce(anyhow::Error) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let (_, session) = env.session(Some(&chained.root.sso_session))?;
    let root = role_credentials(
        env,
        &session,
        &chained.root.account_id,
        &chained.root.role,
        sign_in,
    )
    .await?;
    let region = chained.region.as_deref().unwrap_or(&session.region);
    let endpoint = sts::endpoint_from_env();
    let mut current = sts::RoleCredentials {
        access_key_id: root.access_key_id,
        secret_access_key: root.secret_access_key,
        session_token: root.session_token,
        expiration: root.expiration,
    };
    let default_name = default_session_name(OffsetDateTime::now_utc());
    for link in &chained.links {
        let role = AssumeRole {
            role_arn: &link.role_arn,
            role_session_name: link.role_session_name.as_deref().unwrap_or(&default_name),
            external_id: link.external_id.as_deref(),
            duration: link.duration,
        };
        current = assume_role(&current, &role, region, endpoint.as_deref())
            .await
            .with_context(|| {
                format!(
                    "profile {}: AssumeRole {}",
                    crate::output::escape(&link.profile),
                    crate::output::escape(&link.role_arn)
                )
            })?;
        let printable = [
            &current.access_key_id,
            &current.secret_access_key,
            &current.session_token,
        ]
        .iter()
        .all(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic()));
        if !printable {
            anyhow::bail!(
                "profile {}: AssumeRole answered with credentials that are not printable ASCII",
                crate::output::escape(&link.profile)
            );
        }
    }
    Ok(RoleCredentials {
        access_key_id: current.access_key_id,
        secret_access_key: current.secret_access_key,
        session_token: current.session_token,
        expiration: current.expiration,
        account_id: chained.role().account_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::paths::AwsPaths;

    fn env_with(config: &str, credentials: &str) -> (tempfile::TempDir, Environment) {
        let home = tempfile::tempdir().unwrap();
        let paths = AwsPaths::under_home(home.path());
        std::fs::create_dir_all(paths.config.parent().unwrap()).unwrap();
        std::fs::write(&paths.config, config).unwrap();
        std::fs::write(&paths.credentials, credentials).unwrap();
        let env = Environment {
            paths,
            dirs: crate::dirs::AppDirs::under(&home.path().join("app")),
            aws_profile: None,
            portal_endpoint: None,
            oidc_endpoint: None,
            federation_endpoint: None,
        };
        (home, env)
    }

    const SSO: &str = "[sso-session uo]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-west-2\n\
                       [profile root]\nsso_session = uo\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = eu-west-1\n";

    #[test]
    fn links_run_from_the_root_with_their_keys() {
        let (_home, env) = env_with(
            &format!(
                "{SSO}[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = root\n\
                 external_id = x\nduration_seconds = 900\n\
                 [profile b]\nrole_arn = arn:aws:iam::333333333333:role/B\nsource_profile = a\n\
                 role_session_name = me\n"
            ),
            "",
        );
        let chained = chained_role(&env, "b").unwrap().unwrap();
        assert_eq!(chained.root.profile, "root");
        let arns: Vec<&str> = chained.links.iter().map(|l| l.role_arn.as_str()).collect();
        assert_eq!(
            arns,
            [
                "arn:aws:iam::222222222222:role/A",
                "arn:aws:iam::333333333333:role/B"
            ]
        );
        assert_eq!(chained.links[0].external_id.as_deref(), Some("x"));
        assert_eq!(chained.links[0].duration, Some(Duration::from_secs(900)));
        assert_eq!(chained.links[1].role_session_name.as_deref(), Some("me"));
        let role = chained.role();
        assert_eq!(
            (role.account_id.as_str(), role.role.as_str()),
            ("333333333333", "B")
        );
        assert_eq!(role.region.as_deref(), Some("eu-west-1"), "the root's");
        assert!(chained_role(&env, "root").unwrap().is_none());
        assert!(chained_role(&env, "nothing").unwrap().is_none());
    }

    #[test]
    fn chains_that_do_not_start_at_sso_are_refused() {
        let (_home, env) = env_with(
            "[profile k]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = keys\n\
             [profile e]\nrole_arn = arn:aws:iam::222222222222:role/A\ncredential_source = Environment\n\
             [profile l]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = l\n",
            "[keys]\naws_access_key_id = AKIA\naws_secret_access_key = s\n",
        );
        let err = chained_role(&env, "k").unwrap_err().to_string();
        assert!(err.contains("static keys of profile keys"), "{err}");
        let err = chained_role(&env, "e").unwrap_err().to_string();
        assert!(err.contains("credential_source = Environment"), "{err}");
        let err = chained_role(&env, "l").unwrap_err().to_string();
        assert!(
            err.contains("loops back") && err.contains("doctor"),
            "{err}"
        );
    }
}
