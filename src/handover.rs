//! The last step of every path that hands a profile to the shell (the
//! picker's Enter and Ctrl-x, `pick --select-1`, `use`, and their chained
//! forms): the chosen profile's companion when `--companion` asked for it,
//! the warnings about the profile ([`crate::doctor::warn_about_profile`]),
//! then the text that activates it ([`crate::shell::activate`]).

use crate::doctor::warn_about_profile;
use crate::env::Environment;
use crate::exit::Exit;
use crate::shell::{activate, Choice, Emit};

/// Hands `choice` over: with `companion` (the `companion_name` template) its
/// companion is written beside it first ([`crate::companion::write_for_choice`]);
/// then the warnings, and exit 0 with the activation text for `emit`.
///
/// Errors: the profile's name or region holds characters the terminal
/// boundary would escape (control characters, invisible formatting), so the
/// name a shell would get is not the name in the config; the companion
/// cannot be written; with `strict`, any warning about the profile (nothing
/// is printed on stdout then).
pub fn hand_over(
    env: &Environment,
    choice: &Choice,
    companion: Option<&str>,
    strict: bool,
    emit: Emit,
) -> anyhow::Result<Exit> {
    ensure_nameable(env, choice)?;
    if let Some(template) = companion {
        crate::companion::write_for_choice(env, template, &choice.profile, &choice.region)?;
    }
    warn_about_profile(&env.paths, &choice.profile, strict)?;
    Ok(Exit::Done(activate(emit, choice)))
}

/// Refuses `choice` when the shell would get other values than the config
/// holds, or a region botocore and the SDKs refuse: a profile name or
/// region with characters the terminal boundary escapes (control
/// characters, invisible formatting), or a region that is no region name
/// ([`crate::aws::sso_session::is_region_name`]; e.g. `us-west-2 # oregon`,
/// as botocore keeps an inline comment in the value). `hand_over` and
/// `exec` both call it before anything is printed or run.
///
/// Errors: the message names the value and the config file to fix.
pub fn ensure_nameable(env: &Environment, choice: &Choice) -> anyhow::Result<()> {
    for (what, value) in [
        ("profile name", &choice.profile),
        ("region", &choice.region),
    ] {
        let shown = crate::output::escape(value);
        if shown != *value {
            anyhow::bail!(
                "the {what} {shown} holds control or invisible characters, so no shell variable \
                 can name it as the config does; rename it in {} (nothing handed over)",
                env.paths.config.display()
            );
        }
    }
    if !crate::aws::sso_session::is_region_name(&choice.region) {
        anyhow::bail!(
            "profile {} has region = {}, which is no AWS region name (botocore and the SDKs \
             refuse it; an inline comment is part of the value): set region of {} in {} to a \
             region alone, e.g. us-west-2 (nothing handed over)",
            choice.profile,
            choice.region,
            choice.profile,
            env.paths.config.display()
        );
    }
    Ok(())
}
