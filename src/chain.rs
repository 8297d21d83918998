//! Role chains: profiles that assume a role (`role_arn`) with the
//! credentials of another profile (`source_profile`), followed to the
//! profile that holds the first credentials, as botocore's
//! `AssumeRoleProvider` follows them.
//!
//! The rules (botocore `credentials.py`, aws-config `profile::credentials::repr`):
//! a profile is chained when it has `role_arn` and no
//! `web_identity_token_file`; it needs exactly one of `source_profile` and
//! `credential_source` (both is an error); a source profile with static keys
//! (`aws_access_key_id` or `aws_secret_access_key`) ends the chain there even
//! when it has a `role_arn` itself, which makes a profile that names itself
//! as its own `source_profile` valid when it has static keys (and a loop
//! otherwise); a source that has no `role_arn` is the root, whose own
//! provider (SSO, `credential_process`, …) gives the first credentials;
//! coming back to a profile already visited is a loop. Keys of the
//! credentials file win over the config's for the same profile, as botocore
//! merges them. Pure over the parsed files.

use anyhow::Context as _;

use crate::aws::config::{AwsFile, FileKind, Section};
use crate::aws::sso_session::{load_session, SsoSession};
use crate::env::Environment;
use crate::region::{region_for, Assignment, RegionDefaults};
use crate::shell::Choice;

/// More role links than this make `doctor` warn ([`ChainError`] is not
/// involved: the SDKs read deeper chains). Neither botocore nor aws-config
/// caps the depth, but every link is one more STS `AssumeRole` call before
/// the first request, and a role assumed with role credentials is limited
/// to one-hour sessions (IAM "role chaining").
pub const MAX_LINKS: usize = 5;

/// How the first credentials of a chain are obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Root {
    /// An SSO profile: `sso_session`, or its own `sso_start_url` (legacy).
    Sso {
        profile: String,
        sso_session: Option<String>,
        start_url: Option<String>,
    },
    /// Long-lived keys (`aws_access_key_id` / `aws_secret_access_key`) of
    /// `profile`, which may be the chained profile itself
    /// (`source_profile` naming itself).
    StaticKeys { profile: String },
    /// `credential_source` (`Environment`, `Ec2InstanceMetadata`,
    /// `EcsContainer`) of the last chained profile.
    CredentialSource { profile: String, source: String },
    /// Any other provider of `profile` (`credential_process`, web
    /// identity, `aws login`, or nothing the SDKs know).
    Other { profile: String },
}

impl Root {
    /// The profile that gives the first credentials.
    pub fn profile(&self) -> &str {
        match self {
            Root::Sso { profile, .. }
            | Root::StaticKeys { profile }
            | Root::CredentialSource { profile, .. }
            | Root::Other { profile } => profile,
        }
    }
}

/// The `credential_source` values botocore (and aws-config) accept.
pub const CREDENTIAL_SOURCES: [&str; 3] = ["Environment", "Ec2InstanceMetadata", "EcsContainer"];

/// A resolved chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// The chained profiles from the one asked for towards the root, each
    /// assuming its `role_arn` (at least one).
    pub links: Vec<String>,
    pub root: Root,
}

impl Chain {
    /// The profile asked for.
    pub fn profile(&self) -> &str {
        &self.links[0]
    }
}

/// Why a chain cannot be followed; every variant names the profile where
/// the chain breaks (`at`) and the profiles from the one asked for up to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// `source_profile` comes back to a profile already visited.
    #[error("profile {at} has source_profile = {source_profile}, which loops back ({})", path.join(" → "))]
    Loop {
        at: String,
        source_profile: String,
        path: Vec<String>,
    },
    /// `source_profile` names no profile, or neither `source_profile` nor
    /// `credential_source` is set (`source_profile` then `None`).
    #[error("{}", match source_profile {
        Some(source) => format!("profile {at} has source_profile = {source}, which is no profile"),
        None => format!("profile {at} has role_arn but neither source_profile nor credential_source"),
    })]
    MissingSource {
        at: String,
        source_profile: Option<String>,
        path: Vec<String>,
    },
    /// Both `source_profile` and `credential_source`.
    #[error("profile {at} has both source_profile and credential_source")]
    SourceConflict { at: String, path: Vec<String> },
    /// `credential_source` is none of [`CREDENTIAL_SOURCES`].
    #[error("profile {at} has credential_source = {value}, which is none of Environment, Ec2InstanceMetadata and EcsContainer")]
    UnknownCredentialSource {
        at: String,
        value: String,
        path: Vec<String>,
    },
    /// The source profile `at` (the last of `path`) has no credentials: no
    /// SSO settings, static keys, `credential_process`, web identity or
    /// `aws login` session (botocore: "must have credentials").
    #[error("profile {at} is a source_profile but has no credentials (no sso_session, keys, credential_process, web identity or login_session)")]
    NoCredentials { at: String, path: Vec<String> },
    /// The source profile `at` has one static key without the other (or
    /// an empty one): botocore raises partial credentials.
    #[error("profile {at} has aws_access_key_id or aws_secret_access_key but not both with values, so botocore finds partial credentials")]
    PartialKeys { at: String, path: Vec<String> },
    /// The source profile `at` has `web_identity_token_file` without
    /// `role_arn`: botocore tries web identity before SSO and refuses it.
    #[error("profile {at} is a source_profile with web_identity_token_file but no role_arn, which botocore refuses before it tries anything else")]
    WebIdentityWithoutRole { at: String, path: Vec<String> },
}

impl ChainError {
    /// The profile where the chain breaks.
    pub fn at(&self) -> &str {
        match self {
            ChainError::Loop { at, .. }
            | ChainError::MissingSource { at, .. }
            | ChainError::SourceConflict { at, .. }
            | ChainError::UnknownCredentialSource { at, .. }
            | ChainError::NoCredentials { at, .. }
            | ChainError::WebIdentityWithoutRole { at, .. }
            | ChainError::PartialKeys { at, .. } => at,
        }
    }
}

/// The profiles of the config and credentials files as botocore merges
/// them: a key of the credentials file wins.
#[derive(Debug, Clone, Copy)]
pub struct Profiles<'a> {
    config: Option<&'a AwsFile>,
    credentials: Option<&'a AwsFile>,
}

impl<'a> Profiles<'a> {
    /// The merged view of `config` and `credentials` (either may be missing).
    pub fn new(config: Option<&'a AwsFile>, credentials: Option<&'a AwsFile>) -> Profiles<'a> {
        Profiles {
            config,
            credentials,
        }
    }

    fn sections(&self, profile: &str) -> Vec<&'a Section> {
        [self.credentials, self.config]
            .into_iter()
            .flatten()
            .filter_map(|f| f.profile(profile))
            .collect()
    }

    /// Whether either file defines `profile`.
    pub fn exists(&self, profile: &str) -> bool {
        !self.sections(profile).is_empty()
    }

    /// The value of `key` in `profile` (credentials file first); empty
    /// values count as unset.
    pub fn get(&self, profile: &str, key: &str) -> Option<&'a str> {
        self.sections(profile)
            .into_iter()
            .find_map(|s| s.get(key))
            .filter(|v| !v.is_empty())
    }

    /// The value of `key` in `profile` (credentials file first), empty
    /// values included: for the keys whose mere presence botocore tests.
    fn raw(&self, profile: &str, key: &str) -> Option<&'a str> {
        self.sections(profile).into_iter().find_map(|s| s.get(key))
    }

    /// Where `profile`'s `role_arn` is (the file and 1-based line of the
    /// entry botocore reads, credentials file first, a `[DEFAULT]` one
    /// included), empty or not; when the config has no section for
    /// `profile` yet, the config's `[DEFAULT]` one a new section would
    /// inherit. `None` when there is none. botocore assumes that role before
    /// it tries the profile's SSO settings.
    pub fn role_arn_at(&self, profile: &str) -> Option<(&'a std::path::Path, usize)> {
        let in_credentials = self
            .credentials
            .and_then(|f| f.profile(profile).and_then(|s| role_arn_line(f, s)));
        in_credentials.or_else(|| {
            let config = self.config?;
            match config.profile(profile) {
                Some(section) => role_arn_line(config, section),
                None => self.default_role_arn_at(),
            }
        })
    }

    /// Where the config's `[DEFAULT]` sets `role_arn` (file and 1-based
    /// line), which every profile section of the config inherits; `None`
    /// when it does not.
    pub fn default_role_arn_at(&self) -> Option<(&'a std::path::Path, usize)> {
        let config = self.config?;
        let defaults = config.section(&crate::aws::config::SectionName::Defaults)?;
        role_arn_line(config, defaults)
    }

    /// Every chained profile name ([`Profiles::is_chained`]) of the config, then of
    /// the credentials file, each once, in file order.
    pub fn chained(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for file in [self.config, self.credentials].into_iter().flatten() {
            for (name, _) in file.profiles() {
                if self.is_chained(name) && !out.iter().any(|p| p == name) {
                    out.push(name.to_string());
                }
            }
        }
        out
    }

    /// Whether `profile` assumes a role from another profile's or a
    /// source's credentials: `role_arn` without `web_identity_token_file`,
    /// each counted when present, empty or not, as botocore counts them (a
    /// stray `role_arn =` makes botocore assume a role, not use the
    /// profile's SSO settings).
    pub fn is_chained(&self, profile: &str) -> bool {
        self.raw(profile, "role_arn").is_some()
            && self.raw(profile, "web_identity_token_file").is_none()
    }

    /// Whether one of the providers other than SSO and static keys that
    /// botocore tries in a source profile ([`Root::Other`]) can give
    /// `profile` credentials: `credential_process`, an `aws login` session,
    /// or web identity (its token file with the `role_arn` it assumes).
    fn has_other_provider(&self, profile: &str) -> bool {
        let web_identity = self.get(profile, "web_identity_token_file").is_some()
            && self.get(profile, "role_arn").is_some();
        web_identity
            || self.get(profile, "credential_process").is_some()
            || self.get(profile, "login_session").is_some()
    }

    /// The chain `links` rooted at the static keys of `profile`, refused
    /// when either key is missing or empty (botocore: partial credentials).
    fn static_root(&self, profile: String, mut links: Vec<String>) -> Result<Chain, ChainError> {
        let complete = self.get(&profile, "aws_access_key_id").is_some()
            && self.get(&profile, "aws_secret_access_key").is_some();
        if !complete {
            if links.last() != Some(&profile) {
                links.push(profile.clone());
            }
            return Err(ChainError::PartialKeys {
                at: profile,
                path: links,
            });
        }
        Ok(Chain {
            links,
            root: Root::StaticKeys { profile },
        })
    }

    /// Whether `profile` has a static key, empty or not: botocore tests
    /// presence (and an empty one fails later, as partial credentials).
    fn has_static_keys(&self, profile: &str) -> bool {
        self.raw(profile, "aws_access_key_id").is_some()
            || self.raw(profile, "aws_secret_access_key").is_some()
    }

    /// [`Profiles::resolve`] for a command about to use the chain: a broken
    /// chain is an error whose text (escaped) ends with the `doctor` hint.
    pub fn resolve_or_hint(&self, profile: &str) -> anyhow::Result<Option<Chain>> {
        match self.resolve(profile) {
            None => Ok(None),
            Some(Ok(chain)) => Ok(Some(chain)),
            Some(Err(e)) => Err(anyhow::anyhow!(
                "{}\n  run: uo-aws-tui doctor",
                crate::output::escape(&e.to_string())
            )),
        }
    }

    /// Follows `profile` to its root. `None` when `profile` is not chained
    /// ([`Profiles::is_chained`]).
    pub fn resolve(&self, profile: &str) -> Option<Result<Chain, ChainError>> {
        if !self.is_chained(profile) {
            return None;
        }
        let mut links = vec![profile.to_string()];
        loop {
            let at = links.last().expect("never empty").clone();
            // botocore asks whether the keys are there, empty or not.
            let source = self.raw(&at, "source_profile");
            let credential_source = self.raw(&at, "credential_source");
            let source = match (source, credential_source) {
                (Some(_), Some(_)) => {
                    return Some(Err(ChainError::SourceConflict { at, path: links }))
                }
                (None, Some(cs)) if !CREDENTIAL_SOURCES.contains(&cs) => {
                    return Some(Err(ChainError::UnknownCredentialSource {
                        at,
                        value: cs.to_string(),
                        path: links,
                    }))
                }
                (None, Some(cs)) => {
                    let root = Root::CredentialSource {
                        profile: at,
                        source: cs.to_string(),
                    };
                    return Some(Ok(Chain { links, root }));
                }
                (None, None) => {
                    return Some(Err(ChainError::MissingSource {
                        at,
                        source_profile: None,
                        path: links,
                    }))
                }
                (Some(source), None) => source.to_string(),
            };
            if !self.exists(&source) {
                return Some(Err(ChainError::MissingSource {
                    at,
                    source_profile: Some(source),
                    path: links,
                }));
            }
            if links.contains(&source) {
                if source == at && self.has_static_keys(&at) {
                    return Some(self.static_root(at, links));
                }
                return Some(Err(ChainError::Loop {
                    at,
                    source_profile: source,
                    path: links,
                }));
            }
            // A source with keys, or that assumes no role, gives its
            // credentials through botocore's profile providers, which try
            // SSO before the keys; otherwise it is the next link.
            if self.is_chained(&source) && !self.has_static_keys(&source) {
                links.push(source);
                continue;
            }
            let sso_session = self.get(&source, "sso_session").map(str::to_string);
            let start_url = self.get(&source, "sso_start_url").map(str::to_string);
            // botocore's profile providers try web identity before SSO.
            let web_identity = self.raw(&source, "web_identity_token_file").is_some();
            let root = if web_identity && self.raw(&source, "role_arn").is_some() {
                Root::Other { profile: source }
            } else if web_identity {
                links.push(source.clone());
                return Some(Err(ChainError::WebIdentityWithoutRole {
                    at: source,
                    path: links,
                }));
            } else if sso_session.is_some() || start_url.is_some() {
                Root::Sso {
                    profile: source,
                    sso_session,
                    start_url,
                }
            } else if self.has_static_keys(&source) {
                return Some(self.static_root(source, links));
            } else if self.has_other_provider(&source) {
                Root::Other { profile: source }
            } else {
                links.push(source.clone());
                return Some(Err(ChainError::NoCredentials {
                    at: source,
                    path: links,
                }));
            };
            return Some(Ok(Chain { links, root }));
        }
    }
}

/// The file and 1-based line of `section`'s `role_arn` ([`Section::entry`]:
/// its own, else one from `[DEFAULT]`).
fn role_arn_line<'a>(
    file: &'a AwsFile,
    section: &'a Section,
) -> Option<(&'a std::path::Path, usize)> {
    section
        .entry("role_arn")
        .map(|e| (file.path.as_path(), e.line))
}

/// The account id and role name of an IAM role ARN
/// (`arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`), or `None` when `arn` is
/// not one.
pub fn role_parts(arn: &str) -> Option<(&str, &str)> {
    let mut fields = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("iam"), Some(""), Some(account), Some(resource)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return None;
    };
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next().filter(|n| !n.is_empty())?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some((account, name))
}

/// The role ARN of the picker's chain action (`chain_role_arn` in
/// settings.ini), e.g. `arn:aws:iam::{account_id}:role/Deploy`: a role ARN
/// with the placeholders `{account_id}` and `{role_name}` (the selected
/// row's account id and SSO role name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArnTemplate(String);

impl RoleArnTemplate {
    /// The placeholders a template may use.
    pub const PLACEHOLDERS: [&'static str; 2] = ["{account_id}", "{role_name}"];

    /// Checks `text`: every `{…}` is a known placeholder, and it gives an
    /// IAM role ARN ([`role_parts`]) for any account id and role name.
    ///
    /// Errors: an unknown placeholder or a lone brace; no IAM role ARN.
    pub fn parse(text: &str) -> Result<RoleArnTemplate, String> {
        let mut rest = text;
        while let Some(open) = rest.find(['{', '}']) {
            let tail = &rest[open..];
            let Some(placeholder) = Self::PLACEHOLDERS.iter().find(|p| tail.starts_with(**p))
            else {
                let end = tail.find('}').map_or(tail.len(), |i| i + 1);
                return Err(format!(
                    "unknown placeholder {}; known: {}",
                    &tail[..end],
                    Self::PLACEHOLDERS.join(", ")
                ));
            };
            rest = &tail[placeholder.len()..];
        }
        let template = RoleArnTemplate(text.to_string());
        if role_parts(&template.render("123456789012", "Role")).is_none() {
            return Err("no IAM role ARN: like arn:aws:iam::{account_id}:role/Deploy".to_string());
        }
        Ok(template)
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ARN for `account_id` and `role_name`.
    pub fn render(&self, account_id: &str, role_name: &str) -> String {
        self.0
            .replace("{account_id}", account_id)
            .replace("{role_name}", role_name)
    }
}

/// How `use`, `exec` and `uoa` activate `profile` when it is a chained
/// profile of the config whose chain starts at an SSO profile with an
/// `sso_session`: the [`Choice`] to export (`AWS_PROFILE` = `profile`, so
/// the SDK assumes the roles itself; account and role from its `role_arn`;
/// region by [`region_for`] from `regions`, the chained profile's own
/// `region`, else the root profile's, else the session's) and the root's
/// sso-session, whose login the caller makes valid first.
///
/// `Ok(None)`: `profile` is no chained profile of the config (or there is no
/// config), or its root session is not `only_session` when that is given.
///
/// Errors: the config cannot be read; the chain is broken
/// ([`ChainError`], with the `doctor` hint); it does not start at an SSO
/// profile with an `sso_session` (legacy start URLs, static keys,
/// `credential_source` and other providers are the SDK's alone); the root's
/// sso-session is missing.
pub fn activation(
    env: &Environment,
    profile: &str,
    only_session: Option<&str>,
    regions: &RegionDefaults,
) -> anyhow::Result<Option<(Choice, SsoSession)>> {
    let Some(config) = AwsFile::load_optional(&env.paths.config, FileKind::Config)? else {
        return Ok(None);
    };
    let credentials = AwsFile::load_optional(&env.paths.credentials, FileKind::Credentials)?;
    let profiles = Profiles::new(Some(&config), credentials.as_ref());
    // botocore reads a chained profile from either file.
    if !profiles.exists(profile) {
        return Ok(None);
    }
    let Some(chain) = profiles.resolve_or_hint(profile)? else {
        return Ok(None);
    };
    let shown = crate::output::escape(profile);
    let (root, session) = match &chain.root {
        Root::Sso {
            profile,
            sso_session: Some(session),
            ..
        } => (profile.as_str(), session.as_str()),
        other => anyhow::bail!(
            "profile {shown} starts from profile {}, which is no SSO profile with an \
             sso_session: activate it with `export AWS_PROFILE={shown}` and the SDK's own chain",
            crate::output::escape(other.profile())
        ),
    };
    if only_session.is_some_and(|s| s != session) {
        return Ok(None);
    }
    let session = load_session(&config, session)
        .with_context(|| format!("profile {shown} starts from profile {root}"))?;
    let arn = profiles.get(profile, "role_arn").unwrap_or_default();
    let (account_id, role_name) = role_parts(arn).unwrap_or(("", ""));
    let region = chained_region(&profiles, regions, profile, root, arn, &session);
    let choice = Choice {
        profile: profile.to_string(),
        account_id: account_id.to_string(),
        account_name: String::new(),
        role_name: role_name.to_string(),
        region,
        sso_session: session.name.clone(),
    };
    Ok(Some((choice, session)))
}

/// The region of the chained profile `profile` (written or about to be)
/// with role `arn`, whose chain starts at the SSO profile `root` of
/// `session`: by [`region_for`] from `regions`, `profile`'s own `region`,
/// else the root's, else the session's. `use` exports it and `chain` writes
/// it when `--region` is not given.
fn chained_region(
    profiles: &Profiles,
    regions: &RegionDefaults,
    profile: &str,
    root: &str,
    arn: &str,
    session: &SsoSession,
) -> String {
    let (account_id, role_name) = role_parts(arn).unwrap_or(("", ""));
    let own_region = profiles
        .get(profile, "region")
        .or_else(|| profiles.get(root, "region"));
    region_for(
        regions,
        &Assignment {
            account_id,
            account_name: None,
            role_name: Some(role_name),
        },
        own_region,
        &session.region,
    )
    .0
}

/// The region `chain` writes for a chained profile `name` on
/// `source_profile` with role `arn` when `--region` is not given: the one
/// `use` then exports (by [`region_for`] from `regions`, the profile's own
/// `region`, else its root SSO profile's, else the session's), so
/// `aws --profile NAME` finds a region too. When the source's chain does
/// not resolve to an SSO profile with an sso-session, the source's own
/// `region`, if any (`None` leaves the key out; [`write_chained`] refuses
/// a broken chain).
///
/// Errors: the AWS files cannot be read.
pub fn default_region(
    env: &Environment,
    name: &str,
    source_profile: &str,
    arn: &str,
    regions: &RegionDefaults,
) -> anyhow::Result<Option<String>> {
    let config = AwsFile::load_optional(&env.paths.config, FileKind::Config)?;
    let credentials = AwsFile::load_optional(&env.paths.credentials, FileKind::Credentials)?;
    let profiles = Profiles::new(config.as_ref(), credentials.as_ref());
    let own = || profiles.get(source_profile, "region").map(str::to_string);
    // The SSO profile the chain starts at: the source's root, or the source.
    let root = match profiles.resolve(source_profile) {
        Some(Ok(Chain {
            root:
                Root::Sso {
                    profile,
                    sso_session: Some(session),
                    ..
                },
            ..
        })) => Some((profile, session)),
        Some(_) => None,
        None => profiles
            .get(source_profile, "sso_session")
            .map(|session| (source_profile.to_string(), session.to_string())),
    };
    let session = root
        .as_ref()
        .zip(config.as_ref())
        .and_then(|((_, session), config)| load_session(config, session).ok());
    Ok(match (root, session) {
        (Some((root, _)), Some(session)) => Some(chained_region(
            &profiles, regions, name, &root, arn, &session,
        )),
        _ => own(),
    })
}

/// A chained profile to write: `[profile name]` with `role_arn` and
/// `source_profile`, and the optional keys botocore reads with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedProfile {
    pub name: String,
    pub source_profile: String,
    /// An IAM role ARN ([`role_parts`] reads it).
    pub role_arn: String,
    pub external_id: Option<String>,
    pub role_session_name: Option<String>,
    pub region: Option<String>,
}

impl ChainedProfile {
    /// The default profile name for `role_arn`: `ACCOUNTID_ROLENAME`, as
    /// native profiles are named; `None` when it is no IAM role ARN.
    pub fn default_name(role_arn: &str) -> Option<String> {
        role_parts(role_arn).map(|(account, role)| format!("{account}_{role}"))
    }

    /// The keys of the section in the order a new section gets them:
    /// `role_arn`, `source_profile`, `external_id`, `role_session_name`,
    /// `region` (the optional ones when given), then the ownership marker
    /// [`crate::ownership::OWNER_KEY`].
    pub fn keys(&self) -> Vec<(&'static str, &str)> {
        let mut keys = vec![
            ("role_arn", self.role_arn.as_str()),
            ("source_profile", self.source_profile.as_str()),
        ];
        for (key, value) in [
            ("external_id", &self.external_id),
            ("role_session_name", &self.role_session_name),
            ("region", &self.region),
        ] {
            if let Some(value) = value {
                keys.push((key, value.as_str()));
            }
        }
        keys.push((crate::ownership::OWNER_KEY, crate::ownership::OWNER_VALUE));
        keys
    }
}

/// Writes `profile` into the config of `env` through the one config writer
/// ([`crate::aws::config_write::ConfigWriter`]: locked, backed up, swapped
/// in), checked against the text it edits: a section of that name that is
/// not a chained profile uo-aws-tui wrote ([`crate::ownership::is_ours`]) is
/// never touched;
/// the source profile must exist (in the config or the credentials file) and
/// the new chain must resolve ([`Profiles::resolve`], so no loop). A section
/// of ours gets only its differing keys changed.
///
/// Errors: `role_arn` is no IAM role ARN; a check above failed, or a value
/// cannot be written safely ([`crate::aws::config::ConfigError`] through
/// [`crate::aws::config_write::WriteError`], naming the file and line);
/// the files cannot be read or written.
pub fn write_chained(
    env: &Environment,
    profile: &ChainedProfile,
) -> anyhow::Result<crate::aws::config_write::WriteOutcome> {
    use crate::aws::config::{ConfigError, SectionName};
    use crate::aws::config_edit::upsert_section;
    if role_parts(&profile.role_arn).is_none() {
        anyhow::bail!(
            "--role-arn {} is no IAM role ARN (arn:aws:iam::ACCOUNTID:role/NAME)",
            crate::output::escape(&profile.role_arn)
        );
    }
    let credentials = AwsFile::load_optional(&env.paths.credentials, FileKind::Credentials)?;
    let path = &env.paths.config;
    // A name taken by a section of the user's is refused before the write
    // with the command that writes the chain under another name (checked
    // again under the writer's lock).
    if let Some(section) = AwsFile::load_optional(path, FileKind::Config)?
        .as_ref()
        .and_then(|c| c.profile(&profile.name))
        .filter(|s| !is_our_chain(s))
    {
        anyhow::bail!(
            "{}:{}: [profile {}] exists and is no chained profile written by uo-aws-tui; nothing written\n  {}",
            path.display(),
            section.line,
            crate::output::escape(&profile.name),
            rename_hint(profile),
        );
    }
    let outcome = crate::aws::config_write::ConfigWriter::new(path, &env.dirs).apply(|text| {
        let current = AwsFile::parse(path, FileKind::Config, text)?;
        let refuse = |line: usize, message: String| ConfigError::Refused {
            path: path.clone(),
            line,
            message,
        };
        let name = crate::output::escape(&profile.name);
        if let Some(section) = current.profile(&profile.name).filter(|s| !is_our_chain(s)) {
            return Err(refuse(
                section.line,
                format!("[profile {name}] exists and is no chained profile written by uo-aws-tui"),
            ));
        }
        // Refusals about no line of the file name none.
        let invalid = |message: String| ConfigError::Invalid {
            path: path.clone(),
            message: format!("{message}; nothing written"),
        };
        if !Profiles::new(Some(&current), credentials.as_ref()).exists(&profile.source_profile) {
            return Err(invalid(format!(
                "source profile {} does not exist",
                crate::output::escape(&profile.source_profile)
            )));
        }
        let updated = upsert_section(
            path,
            FileKind::Config,
            text,
            &SectionName::Profile(profile.name.clone()),
            &profile.keys(),
        )?;
        let edited = AwsFile::parse(path, FileKind::Config, &updated)?;
        match Profiles::new(Some(&edited), credentials.as_ref()).resolve(&profile.name) {
            Some(Ok(_)) => Ok(updated),
            // At the line of the profile where the chain breaks, when the
            // file has it before the edit.
            Some(Err(e)) => {
                let message = crate::output::escape(&e.to_string());
                Err(match current.profile(e.at()) {
                    Some(section) => refuse(section.line, message),
                    None => invalid(message),
                })
            }
            None => Err(invalid(format!(
                "[profile {name}] would not be read as a chained profile"
            ))),
        }
    })?;
    Ok(outcome)
}

/// Whether `section` is a chained profile uo-aws-tui wrote (the only kind
/// of existing section [`write_chained`] changes).
fn is_our_chain(section: &crate::aws::config::Section) -> bool {
    crate::ownership::is_ours(section) && section.get("role_arn").is_some()
}

/// How to write `profile`'s chain under another name: the `chain` command
/// with every value of `profile`, shell-quoted (the source profile after
/// `--`, so a name starting with `-` stays a name); when a value holds a
/// control character (which no paste reproduces), the advice to pick a
/// name with `--name`.
fn rename_hint(profile: &ChainedProfile) -> String {
    let mut args = vec![("--role-arn", profile.role_arn.as_str())];
    for (flag, value) in [
        ("--external-id", &profile.external_id),
        ("--role-session-name", &profile.role_session_name),
        ("--region", &profile.region),
    ] {
        if let Some(value) = value {
            args.push((flag, value.as_str()));
        }
    }
    let values = args.iter().map(|(_, v)| *v);
    if values
        .chain([profile.source_profile.as_str()])
        .any(|v| v.chars().any(char::is_control))
    {
        return "write the chain under another name with `uo-aws-tui chain … --name NEW-NAME`"
            .to_string();
    }
    let mut command = String::from("to write the chain under another name, run: uo-aws-tui chain");
    for (flag, value) in args {
        command.push_str(&format!(" {flag} {}", crate::shell::posix_quote(value)));
    }
    command.push_str(&format!(
        " --name NEW-NAME -- {}",
        crate::shell::posix_quote(&profile.source_profile)
    ));
    command
}

/// What the picker's chain key (Ctrl-x) writes on top of `source`, the
/// native profile of the selected row just written as Enter writes it: a
/// chained profile with `template`'s ARN for the row's account and role,
/// `source_profile` = `source.profile`, the row's region, named
/// [`ChainedProfile::default_name`] (`ACCOUNTID_ROLENAME` of the ARN), through
/// [`write_chained`]. Returns the [`Choice`] to hand over: the chained
/// profile with the ARN's account and role, the region and sso-session of
/// `source`.
///
/// Errors: those of [`write_chained`] (a section of that name that is not
/// a chained profile of ours is never touched).
pub fn write_for_row(
    env: &Environment,
    source: &Choice,
    template: &RoleArnTemplate,
) -> anyhow::Result<Choice> {
    let role_arn = template.render(&source.account_id, &source.role_name);
    let Some((account_id, role_name)) = role_parts(&role_arn) else {
        anyhow::bail!(
            "chain_role_arn gives {}, which is no IAM role ARN",
            crate::output::escape(&role_arn)
        );
    };
    let profile = ChainedProfile {
        name: format!("{account_id}_{role_name}"),
        source_profile: source.profile.clone(),
        role_arn: role_arn.clone(),
        external_id: None,
        role_session_name: None,
        region: Some(source.region.clone()),
    };
    write_chained(env, &profile)?;
    Ok(Choice {
        profile: profile.name,
        account_id: account_id.to_string(),
        account_name: String::new(),
        role_name: role_name.to_string(),
        region: source.region.clone(),
        sso_session: source.sso_session.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::config::FileKind;
    use std::path::Path;

    fn parse(text: &str) -> AwsFile {
        AwsFile::parse(Path::new("config"), FileKind::Config, text).unwrap()
    }

    const SSO: &str = "[sso-session uo]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-west-2\n\
                       [profile root]\nsso_session = uo\nsso_account_id = 111111111111\nsso_role_name = Admin\n";

    #[test]
    fn role_arn_templates() {
        let t =
            RoleArnTemplate::parse("arn:aws:iam::{account_id}:role/{role_name}-Deploy").unwrap();
        assert_eq!(
            t.render("111122223333", "Admin"),
            "arn:aws:iam::111122223333:role/Admin-Deploy"
        );
        assert!(RoleArnTemplate::parse("arn:aws:iam::123456789012:role/Fixed").is_ok());
        assert_eq!(
            RoleArnTemplate::parse("arn:aws:iam::{account}:role/D").unwrap_err(),
            "unknown placeholder {account}; known: {account_id}, {role_name}"
        );
        assert!(RoleArnTemplate::parse("arn:aws:iam::{account_id}:role/{x")
            .unwrap_err()
            .starts_with("unknown placeholder {x"));
        assert!(RoleArnTemplate::parse("arn:aws:iam::{account_id}:user/D")
            .unwrap_err()
            .starts_with("no IAM role ARN"));
    }

    #[test]
    fn role_arns() {
        assert_eq!(
            role_parts("arn:aws:iam::123456789012:role/deploy/Deploy"),
            Some(("123456789012", "Deploy"))
        );
        assert_eq!(
            role_parts("arn:aws-us-gov:iam::123456789012:role/R"),
            Some(("123456789012", "R"))
        );
        assert_eq!(role_parts("arn:aws:iam::123456789012:user/R"), None);
        assert_eq!(role_parts("arn:aws:iam::1234:role/R"), None);
        assert_eq!(role_parts("arn:aws:iam::123456789012:role/"), None);
    }

    #[test]
    fn two_links_reach_the_sso_root() {
        let config = parse(&format!(
            "{SSO}[profile a]\nrole_arn = arn:aws:iam::2:role/A\nsource_profile = root\n\
             [profile b]\nrole_arn = arn:aws:iam::3:role/B\nsource_profile = a\n"
        ));
        let chain = Profiles::new(Some(&config), None)
            .resolve("b")
            .unwrap()
            .unwrap();
        assert_eq!(chain.links, ["b", "a"]);
        assert_eq!(
            chain.root,
            Root::Sso {
                profile: "root".into(),
                sso_session: Some("uo".into()),
                start_url: None
            }
        );
        assert!(Profiles::new(Some(&config), None).resolve("root").is_none());
    }

    #[test]
    fn self_source_with_static_keys_is_a_root_without_them_a_loop() {
        let with_keys = parse(
            "[profile s]\nrole_arn = arn:aws:iam::2:role/A\nsource_profile = s\naws_access_key_id = AKIA\naws_secret_access_key = x\n",
        );
        let chain = Profiles::new(Some(&with_keys), None)
            .resolve("s")
            .unwrap()
            .unwrap();
        assert_eq!(
            chain.root,
            Root::StaticKeys {
                profile: "s".into()
            }
        );
        let without = parse("[profile s]\nrole_arn = arn:aws:iam::2:role/A\nsource_profile = s\n");
        let err = Profiles::new(Some(&without), None)
            .resolve("s")
            .unwrap()
            .unwrap_err();
        assert!(matches!(err, ChainError::Loop { .. }), "{err:?}");
    }

    #[test]
    fn sso_wins_over_static_keys_in_a_source_as_botocore_tries_it_first() {
        let config = parse(
            "[profile a]\nrole_arn = arn:aws:iam::2:role/A\nsource_profile = b\n\
             [profile b]\nsso_session = uo\nsso_account_id = 111111111111\nsso_role_name = R\n",
        );
        let credentials = AwsFile::parse(
            Path::new("credentials"),
            FileKind::Credentials,
            "[b]\naws_access_key_id = AKIA\naws_secret_access_key = x\n",
        )
        .unwrap();
        let chain = Profiles::new(Some(&config), Some(&credentials))
            .resolve("a")
            .unwrap()
            .unwrap();
        assert_eq!(
            chain.root,
            Root::Sso {
                profile: "b".into(),
                sso_session: Some("uo".into()),
                start_url: None,
            }
        );
    }

    #[test]
    fn static_keys_win_over_role_arn_in_a_source() {
        let config = parse(
            "[profile a]\nrole_arn = arn:aws:iam::2:role/A\nsource_profile = b\n\
             [profile b]\nrole_arn = arn:aws:iam::3:role/B\nsource_profile = a\n",
        );
        let credentials = AwsFile::parse(
            Path::new("credentials"),
            FileKind::Credentials,
            "[b]\naws_access_key_id = AKIA\naws_secret_access_key = x\n",
        )
        .unwrap();
        let chain = Profiles::new(Some(&config), Some(&credentials))
            .resolve("a")
            .unwrap()
            .unwrap();
        assert_eq!(chain.links, ["a"]);
        assert_eq!(
            chain.root,
            Root::StaticKeys {
                profile: "b".into()
            }
        );
        let err = Profiles::new(Some(&config), None)
            .resolve("a")
            .unwrap()
            .unwrap_err();
        assert_eq!(
            err,
            ChainError::Loop {
                at: "b".into(),
                source_profile: "a".into(),
                path: vec!["a".into(), "b".into()]
            }
        );
    }

    #[test]
    fn missing_sources_and_conflicts() {
        let config = parse(
            "[profile a]\nrole_arn = arn:aws:iam::2:role/A\nsource_profile = gone\n\
             [profile b]\nrole_arn = arn:aws:iam::2:role/A\n\
             [profile c]\nrole_arn = arn:aws:iam::2:role/A\nsource_profile = a\ncredential_source = Environment\n\
             [profile d]\nrole_arn = arn:aws:iam::2:role/A\ncredential_source = Environment\n\
             [profile w]\nrole_arn = arn:aws:iam::2:role/A\nweb_identity_token_file = /t\n",
        );
        let p = Profiles::new(Some(&config), None);
        assert!(matches!(
            p.resolve("a").unwrap(),
            Err(ChainError::MissingSource { source_profile: Some(ref s), .. }) if s == "gone"
        ));
        assert!(matches!(
            p.resolve("b").unwrap(),
            Err(ChainError::MissingSource {
                source_profile: None,
                ..
            })
        ));
        assert!(matches!(
            p.resolve("c").unwrap(),
            Err(ChainError::SourceConflict { .. })
        ));
        assert_eq!(
            p.resolve("d").unwrap().unwrap().root,
            Root::CredentialSource {
                profile: "d".into(),
                source: "Environment".into()
            }
        );
        assert!(p.resolve("w").is_none());
        assert_eq!(p.chained(), ["a", "b", "c", "d"]);
    }

    #[test]
    fn empty_source_keys_count_as_set_as_botocore_tests_presence() {
        let config = parse(
            "[profile e]\nrole_arn = arn:aws:iam::2:role/A\nsource_profile =\ncredential_source = Environment\n\
             [profile f]\nrole_arn = arn:aws:iam::2:role/A\ncredential_source =\n",
        );
        let p = Profiles::new(Some(&config), None);
        assert!(matches!(
            p.resolve("e").unwrap(),
            Err(ChainError::SourceConflict { .. })
        ));
        assert!(matches!(
            p.resolve("f").unwrap(),
            Err(ChainError::UnknownCredentialSource { ref value, .. }) if value.is_empty()
        ));
    }

    #[test]
    fn an_empty_role_arn_makes_a_profile_chained_as_botocore_reads_it() {
        let config = parse(&format!(
            "{SSO}[profile stray]\nsso_session = uo\nsso_account_id = 1\nsso_role_name = R\nrole_arn =\n"
        ));
        let p = Profiles::new(Some(&config), None);
        assert!(p.is_chained("stray"));
        assert!(matches!(
            p.resolve("stray").unwrap(),
            Err(ChainError::MissingSource {
                source_profile: None,
                ..
            })
        ));
    }

    #[test]
    fn unknown_credential_sources_are_refused() {
        let config = parse(
            "[profile a]\nrole_arn = arn:aws:iam::2:role/A\ncredential_source = Ec2Instance\n\
             [profile b]\nrole_arn = arn:aws:iam::2:role/A\nsource_profile = a\n",
        );
        let p = Profiles::new(Some(&config), None);
        let err = p.resolve("b").unwrap().unwrap_err();
        assert_eq!(
            err,
            ChainError::UnknownCredentialSource {
                at: "a".into(),
                value: "Ec2Instance".into(),
                path: vec!["b".into(), "a".into()],
            }
        );
        assert_eq!(err.at(), "a");
        for known in CREDENTIAL_SOURCES {
            let config = parse(&format!(
                "[profile a]\nrole_arn = arn:aws:iam::2:role/A\ncredential_source = {known}\n"
            ));
            assert!(Profiles::new(Some(&config), None)
                .resolve("a")
                .unwrap()
                .is_ok());
        }
    }

    #[test]
    fn a_source_without_credentials_is_refused_one_with_another_provider_is_not() {
        let config = parse(
            "[profile bare]\nregion = us-west-2\n\
             [profile proc]\ncredential_process = /bin/creds\n\
             [profile token]\nweb_identity_token_file = /t\n\
             [profile web]\nweb_identity_token_file = /t\nrole_arn = arn:aws:iam::2:role/W\n\
             [profile a]\nrole_arn = arn:aws:iam::2:role/A\nsource_profile = bare\n\
             [profile b]\nrole_arn = arn:aws:iam::2:role/A\nsource_profile = proc\n\
             [profile c]\nrole_arn = arn:aws:iam::2:role/A\nsource_profile = token\n\
             [profile d]\nrole_arn = arn:aws:iam::2:role/A\nsource_profile = web\n",
        );
        let p = Profiles::new(Some(&config), None);
        assert_eq!(
            p.resolve("a").unwrap().unwrap_err(),
            ChainError::NoCredentials {
                at: "bare".into(),
                path: vec!["a".into(), "bare".into()],
            }
        );
        assert_eq!(
            p.resolve("b").unwrap().unwrap().root,
            Root::Other {
                profile: "proc".into()
            }
        );
        assert!(matches!(
            p.resolve("c").unwrap(),
            Err(ChainError::WebIdentityWithoutRole { ref at, .. }) if at == "token"
        ));
        assert_eq!(
            p.resolve("d").unwrap().unwrap().root,
            Root::Other {
                profile: "web".into()
            }
        );
    }
}
