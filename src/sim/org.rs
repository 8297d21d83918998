//! The simulated organisation: accounts, their names and e-mail addresses, and
//! the permission sets (role names) assigned in each.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// The organisation file, embedded at build time (`assets/sim/org.json`).
const ORG_JSON: &str = include_str!("../../assets/sim/org.json");

/// Permission sets that generated accounts draw their roles from. Every name
/// follows the permission-set rule `[\w+=,.@-]+`; no two of them map to the
/// same profile-name characters.
const PERMISSION_SETS: &[&str] = &[
    "AWSAdministratorAccess",
    "AWSReadOnlyAccess",
    "AWSPowerUserAccess",
    "ViewOnlyAccess",
    "Billing",
    "ResearchDataScientist",
    "SecurityAudit",
    "Lab.Admin",
    "Read=Only,Audit",
    "ops@research",
    "Data+Science",
];

/// Kinds of generated accounts: (name prefix, e-mail slug).
const KINDS: &[(&str, &str)] = &[
    ("Research Lab", "research-lab"),
    ("Course", "course"),
    ("Project", "project"),
    ("Sandbox", "sandbox"),
    ("Data Pipeline", "data-pipeline"),
    ("Web App", "web-app"),
    ("Grant", "grant"),
    ("Field Station", "field-station"),
];

/// Organisational units a generated account belongs to (shown in brackets).
const UNITS: &[&str] = &[
    "CAS",
    "SOJC",
    "Knight Campus",
    "Lundquist",
    "Design",
    "Education",
    "Law",
    "Music & Dance",
    "Libraries",
    "IS",
    "Athletics",
    "Housing",
    "Talapas",
];

/// Seed mixed into every generated account, so the sequence is fixed forever.
const GENERATOR_SEED: u64 = 0x5eed_0f0e_2a11_d0c5;

/// An IAM Identity Center organisation as the simulator serves it: the accounts
/// one user is assigned to, in the order ListAccounts returns them.
///
/// JSON shape (`assets/sim/org.json`):
/// `{"accounts":[{"account_id","account_name","email_address","roles":[…]}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Org {
    /// Accounts in portal order.
    pub accounts: Vec<SimAccount>,
}

/// One AWS account of the organisation and the roles (permission sets) the user
/// holds in it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SimAccount {
    /// Twelve decimal digits; leading zeros are significant (portal `accountId`).
    pub account_id: String,
    /// Display name; may hold spaces, dots, brackets, quotes and non-ASCII
    /// letters (portal `accountName`).
    pub account_name: String,
    /// Root e-mail address of the account (portal `emailAddress`).
    pub email_address: String,
    /// Role names in ListAccountRoles order; each matches `[\w+=,.@-]+`
    /// (portal `roleName`).
    pub roles: Vec<String>,
}

impl Org {
    /// The organisation in `assets/sim/org.json` (about 85 accounts of a
    /// university: core, research, department, service and sandbox accounts).
    ///
    /// # Panics
    /// Only if the embedded file is not valid JSON of this shape, which the
    /// crate's tests rule out.
    pub fn builtin() -> Org {
        serde_json::from_str(ORG_JSON).expect("assets/sim/org.json is a valid organisation")
    }

    /// The builtin organisation truncated to `n` accounts, or extended with
    /// generated accounts up to `n`.
    ///
    /// Generated accounts are a pure function of their position: the same `n`
    /// gives the same organisation on every run and platform, and a larger `n`
    /// only appends. Ids stay unique and twelve digits; names look like
    /// `Research Lab 0137 (CAS)`; roles come from the same permission sets the
    /// builtin accounts use.
    pub fn with_accounts(n: usize) -> Org {
        let mut org = Org::builtin();
        if n <= org.accounts.len() {
            org.accounts.truncate(n);
            return org;
        }
        let mut ids: HashSet<String> = org.accounts.iter().map(|a| a.account_id.clone()).collect();
        for ordinal in org.accounts.len() + 1..=n {
            org.accounts.push(generated_account(ordinal, &mut ids));
        }
        org
    }

    /// The account with this id, if the organisation has it.
    pub fn account(&self, account_id: &str) -> Option<&SimAccount> {
        self.accounts.iter().find(|a| a.account_id == account_id)
    }
}

/// Builds the account at 1-based position `ordinal`, taking an id not yet in
/// `ids` and recording it there.
fn generated_account(ordinal: usize, ids: &mut HashSet<String>) -> SimAccount {
    let mut rng = SplitMix64::new(GENERATOR_SEED ^ (ordinal as u64).wrapping_mul(0x9e37_79b9));
    let account_id = loop {
        let candidate = format!("{:012}", rng.below(1_000_000_000_000));
        if ids.insert(candidate.clone()) {
            break candidate;
        }
    };
    let (kind, slug) = KINDS[rng.below(KINDS.len() as u64) as usize];
    let unit = UNITS[rng.below(UNITS.len() as u64) as usize];
    let count = 1 + rng.below(4) as usize;
    let mut roles: Vec<String> = Vec::with_capacity(count);
    while roles.len() < count {
        let role = PERMISSION_SETS[rng.below(PERMISSION_SETS.len() as u64) as usize];
        if !roles.iter().any(|r| r == role) {
            roles.push(role.to_string());
        }
    }
    SimAccount {
        account_id,
        account_name: format!("{kind} {ordinal:04} ({unit})"),
        email_address: format!("aws-{slug}-{ordinal:04}@uoregon.edu"),
        roles,
    }
}

/// A small fixed-sequence generator (SplitMix64), enough for reproducible data.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..bound` (`bound > 0`); the tiny modulo bias is irrelevant here.
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_role_name(s: &str) -> bool {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    }

    #[test]
    fn builtin_is_a_realistic_org() {
        let org = Org::builtin();
        assert!(
            (60..=90).contains(&org.accounts.len()),
            "{}",
            org.accounts.len()
        );
        let names: Vec<&str> = org
            .accounts
            .iter()
            .map(|a| a.account_name.as_str())
            .collect();
        for needle in [" ", ".", "[", "(", "'", "\"", "é", "ñ", "ü", "東"] {
            assert!(
                names.iter().any(|n| n.contains(needle)),
                "no name with {needle:?}"
            );
        }
        let roles: HashSet<&str> = org
            .accounts
            .iter()
            .flat_map(|a| a.roles.iter().map(String::as_str))
            .collect();
        for needle in ["=", ",", ".", "@"] {
            assert!(
                roles.iter().any(|r| r.contains(needle)),
                "no role with {needle:?}"
            );
        }
        for a in &org.accounts {
            assert!((1..=4).contains(&a.roles.len()), "{a:?}");
            assert!(a.email_address.ends_with("@uoregon.edu"), "{a:?}");
            assert!(a.roles.iter().all(|r| is_role_name(r)), "{a:?}");
        }
    }

    #[test]
    fn with_accounts_300_is_deterministic_unique_and_well_formed() {
        let org = Org::with_accounts(300);
        assert_eq!(org, Org::with_accounts(300));
        assert_eq!(org.accounts.len(), 300);
        let ids: HashSet<&str> = org.accounts.iter().map(|a| a.account_id.as_str()).collect();
        assert_eq!(ids.len(), 300, "account ids are unique");
        let names: HashSet<&str> = org
            .accounts
            .iter()
            .map(|a| a.account_name.as_str())
            .collect();
        assert_eq!(names.len(), 300, "account names are unique");
        for a in &org.accounts {
            assert!(
                a.account_id.len() == 12 && a.account_id.bytes().all(|b| b.is_ascii_digit()),
                "{a:?}"
            );
            assert!((1..=4).contains(&a.roles.len()), "{a:?}");
            let distinct: HashSet<&String> = a.roles.iter().collect();
            assert_eq!(distinct.len(), a.roles.len(), "{a:?}");
            for r in &a.roles {
                assert!(is_role_name(r), "{r:?}");
            }
        }
        // A larger organisation only appends; a smaller one is a prefix.
        let bigger = Org::with_accounts(320);
        assert_eq!(&bigger.accounts[..300], &org.accounts[..]);
        assert_eq!(Org::with_accounts(10).accounts[..], org.accounts[..10]);
        assert_eq!(Org::with_accounts(0).accounts.len(), 0);
        let first = Org::builtin().accounts.len();
        for (i, a) in org.accounts.iter().enumerate().skip(first) {
            let ordinal = format!(" {:04} (", i + 1);
            assert!(a.account_name.contains(&ordinal), "{a:?}");
            assert!(a.account_name.ends_with(')'), "{a:?}");
        }
    }
}
