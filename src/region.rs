//! The region rule: which region a profile is written and exported with.
//! Pure data and one function, so the picker model and the profile writer
//! share it without depending on each other.

/// Which rule gave a profile its region (see [`region_for`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionSource {
    /// `--region` on the command line.
    Flag,
    /// The `region` of the profile's existing section in the config file.
    Profile,
    /// `region` in settings.ini.
    Settings,
    /// The sso-session's `sso_region`.
    Session,
}

impl RegionSource {
    /// How the details pane names the source: `--region`, `profile`,
    /// `settings`, `sso_region`.
    pub fn label(self) -> &'static str {
        match self {
            RegionSource::Flag => "--region",
            RegionSource::Profile => "profile",
            RegionSource::Settings => "settings",
            RegionSource::Session => "sso_region",
        }
    }
}

/// The regions a choice falls back on besides the profile's own:
/// `--region` and settings.ini's `region`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionDefaults {
    /// `--region`.
    pub flag: Option<String>,
    /// `region` in settings.ini.
    pub settings: Option<String>,
}

/// The region a profile is written and exported with, and which rule gave
/// it; the first that applies wins:
///
/// 1. `--region` (`defaults.flag`);
/// 2. `existing`: the `region` of the profile's section already in the
///    config file (an empty value counts as none), so a region the user set
///    is never silently rewritten;
/// 3. (slot) a region rule from settings.ini matching the row: rules are
///    not defined yet; their match goes here, before the plain setting;
/// 4. `defaults.settings`: settings.ini's `region`;
/// 5. `session_region`: the sso-session's `sso_region`.
///
/// The picker (details pane and Enter), `use`, `exec`, `pick --select-1`
/// and `populate` all decide through this function.
pub fn region_for(
    defaults: &RegionDefaults,
    existing: Option<&str>,
    session_region: &str,
) -> (String, RegionSource) {
    let existing = existing.filter(|r| !r.trim().is_empty());
    if let Some(r) = &defaults.flag {
        (r.clone(), RegionSource::Flag)
    } else if let Some(r) = existing {
        (r.to_string(), RegionSource::Profile)
    } else if let Some(r) = &defaults.settings {
        (r.clone(), RegionSource::Settings)
    } else {
        (session_region.to_string(), RegionSource::Session)
    }
}
