//! Ranking picker rows against a query.
//!
//! The query is split on whitespace into terms; a row matches when every
//! term matches **inside one of its fields** (account name, account id, role
//! name, email, profile name), never across fields. Each term's match has a
//! [`Tier`], best first:
//!
//! 1. [`Tier::Exact`]: the whole field (the exact profile name of a row,
//!    whatever the template, is always this tier);
//! 2. [`Tier::FieldPrefix`]: the start of a field;
//! 3. [`Tier::WordPrefix`]: the start of a word, after a space, `-`, `_`,
//!    `.`, `/`, `:`, `(`, `[`, `@`, or at a camel-case boundary; in an
//!    acronym run the last capital before a lower-case letter starts a word
//!    (`AWSAdministratorAccess` has the words `AWS`, `Administrator`,
//!    `Access`);
//! 4. [`Tier::Substring`]: anywhere inside a field;
//! 5. [`Tier::Fuzzy`]: the term's characters in order inside one field
//!    (fuzzy-matcher's `SkimMatcherV2`), only for a term no row matches at
//!    substring or better (so `racs` keeps the rows containing "racs" and a
//!    typo like `genmics` still finds Genomics).
//!
//! A term of digits only matches account ids by prefix (by substring only
//! when no id has that prefix), other fields at substring or better, and
//! never fuzzily. The profile name matches whole or by prefix only.
//! Operators, as in fzf: `'term` never falls back to fuzzy, `^term` is a
//! field prefix, `term$` a field suffix, `^term$` a whole field, `!term`
//! drops the rows with a field containing it (`!^term`, `!term$` too).
//! Smart case: a term with an upper-case letter matches case-sensitively,
//! otherwise case is ignored (also for non-ASCII letters).
//!
//! Rows sort by the tier of their worst term, then the sum of their terms'
//! tiers, then the fuzzy score, then base order. An empty query keeps base
//! order, recently chosen rows ([`Searcher::set_recent`]) first.
//!
//! Staying fast on large catalogs: each row is [`Prepared`] once (the
//! [`Catalog`](crate::catalog::Catalog) keeps them beside its rows), with its fields folded to lower
//! case, the byte offsets of its word starts and a bit set of the ASCII
//! characters of each field, so a field missing a character of the term is
//! skipped before any search. When the query grows (the new one starts with
//! the old, and no term fell back to fuzzy on the way) only the previous
//! matches are ranked again. [`FilterTask`] ranks on a thread of its own,
//! numbering every request so a stale answer is dropped.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;

use crate::row::{Account, ProfileTemplate, Row};

/// How well a term matched a row, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// A whole field (or the row's exact profile name).
    Exact = 0,
    /// The start of a field (or a field suffix, for `term$`).
    FieldPrefix = 1,
    /// The start of a word inside a field.
    WordPrefix = 2,
    /// Anywhere inside a field.
    Substring = 3,
    /// In order, with gaps, inside a field.
    Fuzzy = 4,
}

/// Field numbers of a [`Prepared`] row.
const NAME: usize = 0;
const ID: usize = 1;
const ROLE: usize = 2;
const EMAIL: usize = 3;

/// Characters after which a word starts.
const SEPARATORS: &[char] = &[' ', '-', '_', '.', '/', ':', '(', '[', '@'];

/// `c` lower-cased one char for one char and of the same UTF-8 length (so
/// byte offsets stay valid); otherwise `c` itself.
fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) if l.len_utf8() == c.len_utf8() => l,
        _ => c,
    }
}

/// `s` folded with [`fold_char`]: same length, same char boundaries.
fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// The lower-cased ASCII characters of `s` as a bit set.
fn ascii_set(s: &str) -> u128 {
    s.bytes()
        .filter(u8::is_ascii)
        .fold(0u128, |set, b| set | 1u128 << b.to_ascii_lowercase())
}

/// Byte offsets (relative to `s`) where a word starts in `s`, the first
/// char excluded (that is a field prefix).
fn word_starts(s: &str) -> Vec<u32> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let prev = chars[i - 1].1;
        let next = chars.get(i + 1).map(|&(_, n)| n);
        let start = (SEPARATORS.contains(&prev) && !SEPARATORS.contains(&c))
            || (c.is_uppercase() && (prev.is_lowercase() || prev.is_ascii_digit()))
            || (c.is_uppercase() && prev.is_uppercase() && next.is_some_and(char::is_lowercase));
        if start {
            out.push(at as u32);
        }
    }
    out
}

/// A row prepared for matching: its four fields (account name, id, role,
/// email; a failed row has an empty role) as one text and folded to lower
/// case, where each field starts, where its words start, and the ASCII
/// characters of each field as a bit set. Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    inner: Arc<PreparedRow>,
}

#[derive(Debug, PartialEq, Eq)]
struct PreparedRow {
    account: Arc<Account>,
    failed: bool,
    /// The fields one after another; `bounds[f]..bounds[f + 1]` is field `f`.
    text: Box<str>,
    /// `text` folded with [`fold_char`] (same byte layout).
    folded: Box<str>,
    bounds: [u32; 5],
    /// Byte offsets into `text` where a word starts (not a field's start).
    starts: Box<[u32]>,
    ascii: [u128; 4],
}

impl Prepared {
    /// The prepared form of `row`.
    pub fn new(row: &Row) -> Prepared {
        Prepared::from_parts(row.account.clone(), row.role())
    }

    /// An account with a role (`None`: a row whose roles failed).
    fn from_parts(account: Arc<Account>, role: Option<&str>) -> Prepared {
        let fields = [
            account.name.as_str(),
            account.id.as_str(),
            role.unwrap_or(""),
            account.email.as_str(),
        ];
        let mut text = String::new();
        let mut bounds = [0u32; 5];
        let mut starts = Vec::new();
        let mut ascii = [0u128; 4];
        for (f, field) in fields.iter().enumerate() {
            let at = text.len() as u32;
            bounds[f] = at;
            starts.extend(word_starts(field).into_iter().map(|s| s + at));
            ascii[f] = ascii_set(field);
            text.push_str(field);
        }
        bounds[4] = text.len() as u32;
        let folded = fold(&text);
        Prepared {
            inner: Arc::new(PreparedRow {
                account,
                failed: role.is_none(),
                text: text.into(),
                folded: folded.into(),
                bounds,
                starts: starts.into(),
                ascii,
            }),
        }
    }

    /// Field `f` as written.
    fn field(&self, f: usize) -> &str {
        let p = &self.inner;
        &p.text[p.bounds[f] as usize..p.bounds[f + 1] as usize]
    }

    /// Field `f`, as written (`case`) or folded.
    fn field_as(&self, f: usize, case: bool) -> &str {
        let p = &self.inner;
        let text = if case { &p.text } else { &p.folded };
        &text[p.bounds[f] as usize..p.bounds[f + 1] as usize]
    }

    /// Byte offsets in field `f` where a word starts.
    fn field_starts(&self, f: usize) -> impl Iterator<Item = usize> + '_ {
        let p = &self.inner;
        let (lo, hi) = (p.bounds[f], p.bounds[f + 1]);
        let a = p.starts.partition_point(|&s| s < lo);
        let b = p.starts.partition_point(|&s| s < hi);
        p.starts[a..b].iter().map(move |&s| (s - lo) as usize)
    }

    /// Whether a word starts at byte `at` of field `f`.
    fn word_start(&self, f: usize, at: usize) -> bool {
        let abs = self.inner.bounds[f] + at as u32;
        self.inner.starts.binary_search(&abs).is_ok()
    }

    /// The role, `None` for a row whose roles failed.
    fn role(&self) -> Option<&str> {
        (!self.inner.failed).then(|| self.field(ROLE))
    }
}

/// How profile names are made for a session: the template and the
/// session's name (see [`ProfileTemplate::name`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileNamer {
    pub template: ProfileTemplate,
    pub session: String,
}

impl ProfileNamer {
    pub fn new(template: ProfileTemplate, session: &str) -> ProfileNamer {
        ProfileNamer {
            template,
            session: session.to_string(),
        }
    }

    /// The profile name of a prepared row (`None` for a failed row).
    fn name(&self, p: &Prepared) -> Option<String> {
        p.role()
            .map(|role| self.template.name(&p.inner.account, role, &self.session))
    }
}

/// A row's profile name as written and folded.
#[derive(Debug, Clone, Default)]
struct Profile {
    text: Box<str>,
    folded: Box<str>,
}

impl Profile {
    fn new(name: &str) -> Profile {
        Profile {
            text: name.into(),
            folded: fold(name).into(),
        }
    }
}

/// Where a term must sit in a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    /// Anywhere (a plain term or `'term`).
    Any,
    /// `^term`.
    Prefix,
    /// `term$`.
    Suffix,
    /// `^term$`.
    Whole,
}

/// One parsed query term.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    /// The term as typed (operators included).
    raw: String,
    /// The text to find: as typed for a case-sensitive term, else folded.
    needle: String,
    /// Smart case: the term has an upper-case letter.
    case: bool,
    anchor: Anchor,
    /// `'term`: never fuzzy.
    exact: bool,
    /// `!term`: rows matching it are dropped.
    negate: bool,
    /// Digits only (and a plain term): the account-id rule applies.
    digits: bool,
    ascii: u128,
}

/// How a positive term is matched across all rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Mode {
    /// Substring or better in some field.
    Strict,
    /// No row matches at substring or better: fuzzy subsequences too.
    Fuzzy,
    /// Digits that some account id starts with: ids by prefix.
    IdPrefix,
    /// Digits no account id starts with: ids by substring.
    IdSubstring,
}

/// Parses one whitespace-free token; `None` when nothing is left to match
/// (a bare operator such as `!`, `'` or `^`).
fn parse_term(raw: &str) -> Option<Term> {
    let mut rest = raw;
    let negate = rest.starts_with('!');
    if negate {
        rest = &rest[1..];
    }
    let exact = rest.starts_with('\'');
    if exact {
        rest = &rest[1..];
    }
    let prefix = rest.starts_with('^');
    if prefix {
        rest = &rest[1..];
    }
    let suffix = rest.len() > 1 && rest.ends_with('$');
    if suffix {
        rest = &rest[..rest.len() - 1];
    }
    if rest.is_empty() {
        return None;
    }
    let anchor = match (prefix, suffix) {
        (false, false) => Anchor::Any,
        (true, false) => Anchor::Prefix,
        (false, true) => Anchor::Suffix,
        (true, true) => Anchor::Whole,
    };
    let case = rest.chars().any(char::is_uppercase);
    let needle = if case { rest.to_string() } else { fold(rest) };
    Some(Term {
        raw: raw.to_string(),
        ascii: ascii_set(&needle),
        digits: !negate
            && !exact
            && anchor == Anchor::Any
            && rest.bytes().all(|b| b.is_ascii_digit()),
        needle,
        case,
        anchor,
        exact,
        negate,
    })
}

/// Query terms: the query split on whitespace (operators still attached).
pub fn terms(query: &str) -> Vec<&str> {
    query.split_whitespace().collect()
}

/// The tier at which `t` matches `hay` (one field, already in the case the
/// term needs); `starts` are the byte offsets in `hay` where words start.
fn tier_in(hay: &str, t: &Term, mut starts: impl Iterator<Item = usize>) -> Option<Tier> {
    let n = t.needle.as_str();
    if hay.len() < n.len() {
        return None;
    }
    if hay == n {
        return Some(Tier::Exact);
    }
    match t.anchor {
        Anchor::Whole => None,
        Anchor::Prefix => hay.starts_with(n).then_some(Tier::FieldPrefix),
        Anchor::Suffix => hay.ends_with(n).then_some(Tier::FieldPrefix),
        Anchor::Any => {
            if hay.starts_with(n) {
                return Some(Tier::FieldPrefix);
            }
            if !hay.contains(n) {
                return None;
            }
            if starts.any(|at| hay.get(at..).is_some_and(|rest| rest.starts_with(n))) {
                Some(Tier::WordPrefix)
            } else {
                Some(Tier::Substring)
            }
        }
    }
}

/// Where a term matched: field, tier, and the matched byte range (strict
/// tiers) inside the field.
#[derive(Debug, Clone, Copy)]
struct Hit {
    tier: Tier,
    score: i64,
}

/// Everything one ranking pass needs besides the terms.
struct Rows<'a> {
    prepared: &'a [Prepared],
    /// Profile names, index for index (empty: none known).
    profiles: &'a [Option<Profile>],
}

impl Rows<'_> {
    fn profile(&self, i: usize) -> Option<&Profile> {
        self.profiles.get(i).and_then(Option::as_ref)
    }
}

/// The remembered profile names of a row set.
struct ProfileCache {
    key: (usize, usize, u64),
    namer: ProfileNamer,
    names: Vec<Option<Profile>>,
}

/// A reusable ranker; remembers its last answer for incremental ranking.
pub struct Searcher {
    matcher: SkimMatcherV2,
    profiles: Option<ProfileNamer>,
    profile_cache: Option<ProfileCache>,
    /// Term modes of the row set `modes_key` (pointer, length, version).
    modes: HashMap<String, Mode>,
    modes_key: (usize, usize, u64),
    /// Recently chosen rows, most recent first: (session, account id, role).
    recent: Vec<(String, String, String)>,
    last: Option<LastRank>,
}

/// The last answer of [`Searcher::rank_prepared`].
struct LastRank {
    query: String,
    key: (usize, usize, u64),
    namer: Option<ProfileNamer>,
    modes: Vec<Option<Mode>>,
    matches: Vec<usize>,
}

impl Default for Searcher {
    fn default() -> Self {
        Searcher {
            matcher: SkimMatcherV2::default().smart_case(),
            profiles: None,
            profile_cache: None,
            modes: HashMap::new(),
            modes_key: (0, 0, 0),
            recent: Vec::new(),
            last: None,
        }
    }
}

impl std::fmt::Debug for Searcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Searcher")
            .field("profiles", &self.profiles)
            .finish()
    }
}

/// What a query selects for a script (`use`, `exec`, `--select-1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Index of the one row chosen.
    One(usize),
    /// Several rows match and none stands out: every match, best first.
    Ambiguous(Vec<usize>),
    /// Nothing matches.
    None,
}

/// The ranking key of a matching row: worst tier, tier sum, fuzzy score
/// (negated), index.
type Key = (Tier, u32, i64, usize);

impl Searcher {
    /// A searcher that also matches the profile names `namer` makes.
    pub fn with_profiles(namer: ProfileNamer) -> Searcher {
        Searcher {
            profiles: Some(namer),
            ..Searcher::default()
        }
    }

    /// Sets how profile names are made (a no-op when unchanged).
    pub fn set_profiles(&mut self, namer: ProfileNamer) {
        if self.profiles.as_ref() != Some(&namer) {
            self.profiles = Some(namer);
            self.last = None;
        }
    }

    /// How profile names are made, when set.
    pub fn profiles(&self) -> Option<&ProfileNamer> {
        self.profiles.as_ref()
    }

    /// Sets the recently chosen rows, most recent (or frecent) first, as
    /// (sso-session, account id, role name): with an empty query those of
    /// the profile namer's session come first.
    pub fn set_recent(&mut self, recent: Vec<(String, String, String)>) {
        self.recent = recent;
    }

    /// Indices into `rows` (which are in base order) of the rows matching
    /// `query`, best first. An empty query returns every row in base order.
    /// Profile names are those of [`Searcher::set_profiles`] (none unless set).
    pub fn rank(&self, query: &str, rows: &[Row]) -> Vec<usize> {
        let namer = self.profiles.clone();
        match namer {
            Some(n) => self.rank_named(query, rows, &|r: &Row| n.template.row_name(r, &n.session)),
            None => self.rank_named(query, rows, &|_: &Row| String::new()),
        }
    }

    /// [`Searcher::rank`] with each row's profile name given by `name`
    /// (an empty name is none).
    pub fn rank_named(
        &self,
        query: &str,
        rows: &[Row],
        name: &dyn Fn(&Row) -> String,
    ) -> Vec<usize> {
        self.ranked_rows(query, rows, name)
            .into_iter()
            .map(|k| k.3)
            .collect()
    }

    /// The strict resolution of scripts: `One` when exactly one row sits in
    /// the best tier present, that tier is above [`Tier::Fuzzy`], the row is
    /// a role and no account whose roles failed matches (its roles might);
    /// else `Ambiguous` with every match best first, or `None`.
    pub fn resolve(&self, query: &str, rows: &[Row], name: &dyn Fn(&Row) -> String) -> Resolution {
        let ranked = self.ranked_rows(query, rows, name);
        let Some(best) = ranked.first() else {
            return Resolution::None;
        };
        let in_best = ranked.iter().take_while(|k| k.0 == best.0).count();
        let failed = ranked.iter().any(|k| rows[k.3].role().is_none());
        if in_best == 1 && best.0 < Tier::Fuzzy && !failed && terms_present(query) {
            return Resolution::One(best.3);
        }
        Resolution::Ambiguous(ranked.into_iter().map(|k| k.3).collect())
    }

    /// The best tier any row of `rows` matches `query` at (`None`: no row
    /// matches).
    pub fn top_tier(
        &self,
        query: &str,
        rows: &[Row],
        name: &dyn Fn(&Row) -> String,
    ) -> Option<Tier> {
        self.ranked_rows(query, rows, name).first().map(|k| k.0)
    }

    fn ranked_rows(&self, query: &str, rows: &[Row], name: &dyn Fn(&Row) -> String) -> Vec<Key> {
        let parsed = parse_query(query);
        if parsed.iter().all(Option::is_none) {
            return (0..rows.len()).map(|i| (Tier::Exact, 0, 0, i)).collect();
        }
        let prepared: Vec<Prepared> = rows.iter().map(Prepared::new).collect();
        let profiles: Vec<Option<Profile>> = rows
            .iter()
            .map(|r| {
                let n = name(r);
                (!n.is_empty() && r.role().is_some()).then(|| Profile::new(&n))
            })
            .collect();
        let set = Rows {
            prepared: &prepared,
            profiles: &profiles,
        };
        let mut modes = HashMap::new();
        let modes: Vec<Option<Mode>> = parsed
            .iter()
            .map(|t| t.as_ref().map(|t| self.mode(t, &set, &mut modes)))
            .collect();
        self.score_rows(&parsed, &modes, &set, None, &|| false)
            .unwrap_or_default()
    }

    /// The mode of a positive term over all rows of `set` (memoised in `memo`).
    fn mode(&self, t: &Term, set: &Rows<'_>, memo: &mut HashMap<String, Mode>) -> Mode {
        if t.negate || t.exact || t.anchor != Anchor::Any {
            return Mode::Strict;
        }
        if let Some(m) = memo.get(&t.raw) {
            return *m;
        }
        // A term whose prefix no row contains is contained by no row either.
        let shorter = &t.raw[..t.raw.len() - t.raw.chars().last().map_or(0, char::len_utf8)];
        if !t.digits && memo.get(shorter) == Some(&Mode::Fuzzy) {
            memo.insert(t.raw.clone(), Mode::Fuzzy);
            return Mode::Fuzzy;
        }
        let mode = if t.digits {
            let prefix = set
                .prepared
                .iter()
                .any(|p| p.field(ID).starts_with(t.needle.as_str()));
            if prefix {
                Mode::IdPrefix
            } else {
                Mode::IdSubstring
            }
        } else if (0..set.prepared.len()).any(|i| {
            self.strict_hit(t, Mode::Strict, &set.prepared[i], set.profile(i))
                .is_some()
        }) {
            Mode::Strict
        } else {
            Mode::Fuzzy
        };
        if memo.len() > 4096 {
            memo.clear();
        }
        memo.insert(t.raw.clone(), mode);
        mode
    }

    /// The best strict tier of `t` in row `p` (profile name included).
    fn strict_hit(
        &self,
        t: &Term,
        mode: Mode,
        p: &Prepared,
        profile: Option<&Profile>,
    ) -> Option<Tier> {
        let mut best: Option<Tier> = None;
        if let Some(profile) = profile {
            let name: &str = if t.case {
                &profile.text
            } else {
                &profile.folded
            };
            let n = t.needle.as_str();
            best = if name == n {
                return Some(Tier::Exact);
            } else if t.anchor != Anchor::Whole && t.anchor != Anchor::Suffix && name.starts_with(n)
            {
                Some(Tier::FieldPrefix)
            } else {
                None
            };
        }
        for f in [NAME, ID, ROLE, EMAIL] {
            if t.ascii & !p.inner.ascii[f] != 0 {
                continue;
            }
            let hay = p.field_as(f, t.case);
            let tier = match (mode, f) {
                (Mode::IdPrefix, ID) => {
                    if hay == t.needle {
                        Some(Tier::Exact)
                    } else {
                        hay.starts_with(t.needle.as_str())
                            .then_some(Tier::FieldPrefix)
                    }
                }
                _ => tier_in(hay, t, p.field_starts(f)),
            };
            if let Some(tier) = tier {
                if best.is_none_or(|b| tier < b) {
                    best = Some(tier);
                }
                if tier == Tier::Exact {
                    break;
                }
            }
        }
        best
    }

    /// How `t` matches row `p` under `mode`, `None` when it does not.
    fn hit(&self, t: &Term, mode: Mode, p: &Prepared, profile: Option<&Profile>) -> Option<Hit> {
        // A fuzzy term is one no row contains: only its fuzzy match counts,
        // in the first of name, role and email that has one.
        if mode != Mode::Fuzzy {
            let tier = self.strict_hit(t, mode, p, profile)?;
            return Some(Hit { tier, score: 0 });
        }
        [NAME, ROLE, EMAIL]
            .into_iter()
            .filter(|&f| t.ascii & !p.inner.ascii[f] == 0)
            .find_map(|f| {
                let hay = self.fuzzy_hay(p, f, t);
                self.matcher.fuzzy_match(hay, &t.needle)
            })
            .map(|score| Hit {
                tier: Tier::Fuzzy,
                score,
            })
    }

    /// The text of field `f` the fuzzy matcher sees for `t`: as written for
    /// ASCII text or a case-sensitive term (the matcher folds ASCII itself
    /// and scores camel case from it), else folded.
    fn fuzzy_hay<'p>(&self, p: &'p Prepared, f: usize, t: &Term) -> &'p str {
        let text = p.field(f);
        if t.case || text.is_ascii() {
            text
        } else {
            p.field_as(f, false)
        }
    }

    /// Whether a negated term excludes row `p`.
    fn excludes(&self, t: &Term, p: &Prepared) -> bool {
        [NAME, ID, ROLE, EMAIL].into_iter().any(|f| {
            t.ascii & !p.inner.ascii[f] == 0
                && tier_in(p.field_as(f, t.case), t, std::iter::empty()).is_some()
        })
    }

    /// The ranking keys of the rows of `set` (or only `candidates`) that
    /// every term matches, sorted. `Err(())` when `cancelled` turned true.
    fn score_rows(
        &self,
        parsed: &[Option<Term>],
        modes: &[Option<Mode>],
        set: &Rows<'_>,
        candidates: Option<&[usize]>,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Vec<Key>, ()> {
        let terms: Vec<(&Term, Mode)> = parsed
            .iter()
            .zip(modes)
            .filter_map(|(t, m)| Some((t.as_ref()?, (*m)?)))
            .collect();
        let mut keys = Vec::new();
        let mut score = |i: usize| -> Result<(), ()> {
            if i.is_multiple_of(1024) && cancelled() {
                return Err(());
            }
            let Some(p) = set.prepared.get(i) else {
                return Ok(());
            };
            let mut worst = Tier::Exact;
            let mut sum = 0u32;
            let mut fuzzy = 0i64;
            for &(t, mode) in &terms {
                if t.negate {
                    if self.excludes(t, p) {
                        return Ok(());
                    }
                    continue;
                }
                let Some(hit) = self.hit(t, mode, p, set.profile(i)) else {
                    return Ok(());
                };
                worst = worst.max(hit.tier);
                sum += hit.tier as u32;
                fuzzy += hit.score;
            }
            keys.push((worst, sum, -fuzzy, i));
            Ok(())
        };
        match candidates {
            Some(c) => c.iter().try_for_each(|&i| score(i))?,
            None => (0..set.prepared.len()).try_for_each(score)?,
        }
        keys.sort_unstable();
        Ok(keys)
    }

    /// Like [`Searcher::rank`] over prepared rows, remembering the answer:
    /// when the next query starts with this one, the rows are the same
    /// `version` and no term changed how it matches (e.g. fell back to
    /// fuzzy), only this answer's rows are ranked again.
    pub fn rank_prepared(
        &mut self,
        query: &str,
        prepared: &[Prepared],
        version: u64,
    ) -> Vec<usize> {
        self.rank_cancellable(query, prepared, version, &|| false)
            .unwrap_or_default()
    }

    /// The profile names of `prepared`, made when the row set or the namer
    /// changed, else the remembered ones (taken out; put them back after).
    fn take_profile_names(
        &mut self,
        prepared: &[Prepared],
        key: (usize, usize, u64),
    ) -> Option<ProfileCache> {
        let namer = self.profiles.as_ref()?;
        let cache = self.profile_cache.take();
        if let Some(c) = cache.filter(|c| c.key == key && &c.namer == namer) {
            return Some(c);
        }
        let names = prepared
            .iter()
            .map(|p| namer.name(p).map(|n| Profile::new(&n)))
            .collect();
        Some(ProfileCache {
            key,
            namer: namer.clone(),
            names,
        })
    }

    fn rank_cancellable(
        &mut self,
        query: &str,
        prepared: &[Prepared],
        version: u64,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Vec<usize>, ()> {
        let parsed = parse_query(query);
        if parsed.iter().all(Option::is_none) {
            self.last = None;
            return Ok(self.base_order(prepared));
        }
        let key = (prepared.as_ptr() as usize, prepared.len(), version);
        if self.modes_key != key {
            self.modes.clear();
            self.modes_key = key;
            self.last = None;
        }
        // Take the names out so ranking can borrow `self` immutably.
        let cache = self.take_profile_names(prepared, key);
        let set = Rows {
            prepared,
            profiles: cache.as_ref().map_or(&[], |c| c.names.as_slice()),
        };
        let mut memo = std::mem::take(&mut self.modes);
        let modes: Vec<Option<Mode>> = parsed
            .iter()
            .map(|t| t.as_ref().map(|t| self.mode(t, &set, &mut memo)))
            .collect();
        self.modes = memo;
        let last = self.last.take();
        let candidates = last
            .as_ref()
            .filter(|l| {
                l.key == key
                    && l.namer == self.profiles
                    && narrows(&l.query, &l.modes, query, &modes)
            })
            .map(|l| l.matches.as_slice());
        let keys = self.score_rows(&parsed, &modes, &set, candidates, cancelled);
        self.profile_cache = cache;
        let matches: Vec<usize> = keys?.into_iter().map(|k| k.3).collect();
        self.last = Some(LastRank {
            query: query.to_string(),
            key,
            namer: self.profiles.clone(),
            modes,
            matches: matches.clone(),
        });
        Ok(matches)
    }

    /// Every row: the recently chosen ones of the namer's session first
    /// (most recent first), then the rest in base order.
    fn base_order(&self, prepared: &[Prepared]) -> Vec<usize> {
        self.base_order_by(prepared.len(), |i| {
            let p = &prepared[i];
            p.role().map(|role| (p.inner.account.id.as_str(), role))
        })
    }

    /// What [`Searcher::rank`] answers for a query without terms (every
    /// row, recently chosen first, then base order), from the rows
    /// themselves: nothing is prepared. `None` when `query` has terms.
    pub fn rank_blank(&mut self, query: &str, rows: &[Row]) -> Option<Vec<usize>> {
        if parse_query(query).iter().any(Option::is_some) {
            return None;
        }
        self.last = None;
        Some(self.base_order_by(rows.len(), |i| {
            let r = &rows[i];
            r.role().map(|role| (r.account.id.as_str(), role))
        }))
    }

    /// `0..n` with the recently chosen rows of the namer's session first;
    /// `key(i)` is row `i`'s (account id, role), `None` for a failed row.
    fn base_order_by<'r>(
        &self,
        n: usize,
        key: impl Fn(usize) -> Option<(&'r str, &'r str)>,
    ) -> Vec<usize> {
        let session = self.profiles.as_ref().map(|n| n.session.as_str());
        let rank: HashMap<(&str, &str), usize> = self
            .recent
            .iter()
            .enumerate()
            .filter(|(_, (s, _, _))| Some(s.as_str()) == session)
            .map(|(i, (_, id, role))| ((id.as_str(), role.as_str()), i))
            .collect();
        let mut order: Vec<usize> = (0..n).collect();
        if !rank.is_empty() {
            order.sort_by_key(|&i| {
                let r = key(i).and_then(|k| rank.get(&k));
                (r.copied().unwrap_or(usize::MAX), i)
            });
        }
        order
    }

    /// Which characters of `row`'s fields the terms of `query` matched, as
    /// char indices (not byte offsets) into each field. Meant for the rows on
    /// screen only. A term matched only by the profile name marks nothing.
    pub fn highlights(&self, query: &str, row: &Row) -> Highlights {
        let mut out = Highlights::default();
        let p = Prepared::new(row);
        for t in parse_query(query).into_iter().flatten() {
            if t.negate {
                continue;
            }
            // The best strict match of the term, else its best fuzzy one.
            let mut best: Option<(Tier, usize, usize)> = None;
            for f in [NAME, ID, ROLE, EMAIL] {
                let hay = p.field_as(f, t.case);
                if let Some(tier) = tier_in(hay, &t, p.field_starts(f)) {
                    if best.is_none_or(|b| tier < b.0) {
                        let at = match (tier, t.anchor) {
                            (Tier::Exact | Tier::FieldPrefix, Anchor::Suffix) => {
                                hay.len() - t.needle.len()
                            }
                            (Tier::Exact | Tier::FieldPrefix, _) => 0,
                            (Tier::WordPrefix, _) => hay
                                .match_indices(t.needle.as_str())
                                .map(|(at, _)| at)
                                .find(|&at| p.word_start(f, at))
                                .unwrap_or(0),
                            _ => hay.find(t.needle.as_str()).unwrap_or(0),
                        };
                        best = Some((tier, f, at));
                    }
                }
            }
            let mark =
                |out: &mut Highlights, f: usize, indices: &mut dyn Iterator<Item = usize>| {
                    let field = match f {
                        NAME => &mut out.name,
                        ID => &mut out.id,
                        ROLE => &mut out.role,
                        _ => &mut out.email,
                    };
                    field.extend(indices);
                };
            match best {
                Some((_, f, at)) => {
                    let hay = p.field(f);
                    let first = hay[..at].chars().count();
                    let len = hay[at..at + t.needle.len()].chars().count();
                    mark(&mut out, f, &mut (first..first + len));
                }
                None if !t.digits => {
                    let fuzzy = [NAME, ROLE, EMAIL].into_iter().find_map(|f| {
                        let (score, idx) = self
                            .matcher
                            .fuzzy_indices(self.fuzzy_hay(&p, f, &t), &t.needle)?;
                        Some((score, f, idx))
                    });
                    if let Some((_, f, idx)) = fuzzy {
                        mark(&mut out, f, &mut idx.into_iter());
                    }
                }
                None => {}
            }
        }
        for field in [&mut out.name, &mut out.id, &mut out.role, &mut out.email] {
            field.sort_unstable();
            field.dedup();
        }
        out
    }

    /// How well `account` (name, id, email) matches `query` while its roles
    /// are unknown: larger is better, `None` when no term matches (the
    /// others may name a role). Used to fetch likely matches first.
    pub fn account_score(&self, query: &str, account: &Account) -> Option<i64> {
        let p = Prepared::from_parts(Arc::new(account.clone()), None);
        let mut any = false;
        let mut sum = 0;
        for t in parse_query(query).into_iter().flatten() {
            if t.negate {
                continue;
            }
            let strict = if t.digits {
                Mode::IdSubstring
            } else {
                Mode::Strict
            };
            let hit = self.hit(&t, strict, &p, None).or_else(|| {
                (!t.digits)
                    .then(|| self.hit(&t, Mode::Fuzzy, &p, None))
                    .flatten()
            });
            if let Some(hit) = hit {
                any = true;
                sum += (Tier::Fuzzy as i64 - hit.tier as i64) * 1000 + hit.score;
            }
        }
        any.then_some(sum)
    }
}

/// The query's terms, parsed; `None` for a token with nothing to match.
fn parse_query(query: &str) -> Vec<Option<Term>> {
    terms(query).into_iter().map(parse_term).collect()
}

/// Whether `query` has a term that matches something (not only operators).
fn terms_present(query: &str) -> bool {
    parse_query(query).iter().flatten().any(|t| !t.negate)
}

/// Whether the matches of `new` are among those of `old` (so only those
/// need ranking again): `new` starts with `old`, every term of `old` but the
/// last is unchanged, and the last only grew without changing how it
/// matches (a negated or `term$` term that grew, or one that fell back to
/// fuzzy or lost its id-prefix rows, matches rows `old` did not).
fn narrows(old: &str, old_modes: &[Option<Mode>], new: &str, new_modes: &[Option<Mode>]) -> bool {
    if !new.starts_with(old) {
        return false;
    }
    let old_tokens = terms(old);
    let new_tokens = terms(new);
    if old_tokens.len() > new_tokens.len() || old_modes.len() != old_tokens.len() {
        return false;
    }
    for (i, (o, n)) in old_tokens.iter().zip(&new_tokens).enumerate() {
        let (om, nm) = (old_modes[i], new_modes.get(i).copied().flatten());
        if o == n && om == nm {
            continue;
        }
        let (Some(ot), Some(nt)) = (parse_term(o), parse_term(n)) else {
            // An old token with nothing to match kept every row.
            if parse_term(o).is_none() {
                continue;
            }
            return false;
        };
        let same_shape = !ot.negate
            && !nt.negate
            && ot.exact == nt.exact
            && ot.anchor == nt.anchor
            && matches!(ot.anchor, Anchor::Any | Anchor::Prefix)
            && n.starts_with(*o);
        let modes_ok = matches!(
            (om, nm),
            (Some(Mode::Strict), Some(Mode::Strict))
                | (Some(Mode::Fuzzy), Some(Mode::Fuzzy))
                | (Some(Mode::IdPrefix), Some(Mode::IdPrefix | Mode::Strict))
                | (
                    Some(Mode::IdSubstring),
                    Some(Mode::IdSubstring | Mode::Strict)
                )
        );
        if !(same_shape && modes_ok) {
            return false;
        }
    }
    true
}

/// Matched characters of one row, as sorted char indices into each field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Highlights {
    pub name: Vec<usize>,
    pub id: Vec<usize>,
    pub role: Vec<usize>,
    pub email: Vec<usize>,
}

/// One answer of a [`FilterTask`]: the matches of `query` among the rows of
/// catalog `version`, for request `generation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filtered {
    pub generation: u64,
    pub query: String,
    pub version: u64,
    /// Indices into the rows, best first.
    pub matches: Vec<usize>,
}

struct FilterJob {
    generation: u64,
    query: String,
    version: u64,
    prepared: Arc<Vec<Prepared>>,
    profiles: Option<ProfileNamer>,
}

/// Ranking off the draw path: a thread that ranks the latest request and
/// hands each answer to `deliver` (e.g. a channel's send). Every request gets
/// a generation number; a request overtaken by a newer one is skipped or
/// abandoned midway, and [`FilterTask::accept`] drops an answer that is not
/// the newest. The thread ends when the task is dropped.
pub struct FilterTask {
    jobs: std::sync::mpsc::Sender<FilterJob>,
    latest: Arc<AtomicU64>,
}

impl std::fmt::Debug for FilterTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilterTask")
            .field("latest", &self.latest.load(Ordering::Relaxed))
            .finish()
    }
}

impl FilterTask {
    pub fn spawn(deliver: impl Fn(Filtered) + Send + 'static) -> FilterTask {
        let (jobs, queue) = std::sync::mpsc::channel::<FilterJob>();
        let latest = Arc::new(AtomicU64::new(0));
        let newest = latest.clone();
        std::thread::Builder::new()
            .name("filter".into())
            .spawn(move || {
                let mut searcher = Searcher::default();
                while let Ok(mut job) = queue.recv() {
                    // Only the newest waiting request matters.
                    while let Ok(next) = queue.try_recv() {
                        job = next;
                    }
                    let stale = || newest.load(Ordering::Relaxed) != job.generation;
                    if stale() {
                        continue;
                    }
                    match job.profiles.take() {
                        Some(namer) => searcher.set_profiles(namer),
                        None if searcher.profiles.is_some() => searcher = Searcher::default(),
                        None => {}
                    }
                    if let Ok(matches) =
                        searcher.rank_cancellable(&job.query, &job.prepared, job.version, &stale)
                    {
                        deliver(Filtered {
                            generation: job.generation,
                            query: job.query,
                            version: job.version,
                            matches,
                        });
                    }
                }
            })
            .expect("the filter thread starts");
        FilterTask { jobs, latest }
    }

    /// [`FilterTask::submit_named`] with the prepared rows and their version given.
    pub fn submit_prepared(
        &self,
        query: &str,
        prepared: Arc<Vec<Prepared>>,
        version: u64,
        profiles: Option<ProfileNamer>,
    ) -> u64 {
        let generation = self.latest.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = self.jobs.send(FilterJob {
            generation,
            query: query.to_string(),
            version,
            prepared,
            profiles,
        });
        generation
    }

    /// The answer, if it is for the newest request; `None` for a stale one.
    pub fn accept(&self, answer: Filtered) -> Option<Filtered> {
        (answer.generation == self.latest.load(Ordering::SeqCst)).then_some(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::RowKind;
    use std::sync::Arc;

    fn row(id: &str, name: &str, role: &str) -> Row {
        crate::catalog::test_row(id, name, role)
    }

    fn no_name(_: &Row) -> String {
        String::new()
    }

    #[test]
    fn every_term_must_match_inside_one_field() {
        let rows = vec![
            row("111111111111", "Genomics Lab", "AWSAdministratorAccess"),
            row("111111111111", "Genomics Lab", "AWSReadOnlyAccess"),
            row("222222222222", "Library", "AWSAdministratorAccess"),
        ];
        let s = Searcher::default();
        assert_eq!(s.rank("genomics admin", &rows), vec![0]);
        assert_eq!(s.rank("2222 admin", &rows), vec![2]);
        assert_eq!(s.rank("", &rows), vec![0, 1, 2]);
        assert!(s.rank("zzzz", &rows).is_empty());
        // "sla" spans the name and the id of the haystack the old matcher saw.
        assert!(s.rank("lab1", &rows).is_empty(), "never across fields");
    }

    #[test]
    fn tiers_order_the_rows() {
        let rows = vec![
            row("111111111111", "Zeta", "AWSAdministratorAccess"), // word prefix
            row("222222222222", "Alpha", "Admin"),                 // exact
            row("333333333333", "Beta", "AdminRead"),              // field prefix
            row("444444444444", "Gamma", "Sysadmin"),              // substring
        ];
        let s = Searcher::default();
        assert_eq!(s.rank("admin", &rows), vec![1, 2, 0, 3]);
        // Fuzzy only when nothing matches as a substring.
        assert_eq!(s.rank("admn", &rows).len(), 4);
        assert_eq!(s.rank("'admn", &rows), Vec::<usize>::new());
    }

    #[test]
    fn word_starts_follow_separators_camel_case_and_acronyms() {
        fn starts(s: &str) -> Vec<&str> {
            word_starts(s)
                .into_iter()
                .map(|i| &s[i as usize..])
                .collect()
        }
        assert_eq!(
            starts("AWSAdministratorAccess"),
            vec!["AdministratorAccess", "Access"]
        );
        assert_eq!(starts("Lab.Admin"), vec!["Admin"]);
        assert_eq!(starts("ops@research"), vec!["research"]);
        assert_eq!(
            starts("Network Hub (Transit)"),
            vec!["Hub (Transit)", "Transit)"]
        );
        assert_eq!(starts("HPC-Users"), vec!["Users"]);
    }

    #[test]
    fn operators() {
        let rows = vec![
            row("111111111111", "Genomics Lab", "Admin"),
            row("222222222222", "Lab Genomics", "ReadOnly"),
            row("333333333333", "Physics", "Admin"),
        ];
        let s = Searcher::default();
        assert_eq!(s.rank("^lab", &rows), vec![1]);
        assert_eq!(s.rank("lab$", &rows), vec![0]);
        assert_eq!(s.rank("^admin$", &rows), vec![0, 2]);
        assert_eq!(s.rank("!lab", &rows), vec![2]);
        assert_eq!(s.rank("admin !^genomics", &rows), vec![2]);
        assert_eq!(s.rank("'gnmcs", &rows), Vec::<usize>::new());
        assert_eq!(s.rank("gnmcs", &rows), vec![0, 1]);
        // Bare operators match everything.
        assert_eq!(s.rank("! ' ^", &rows), vec![0, 1, 2]);
    }

    #[test]
    fn digits_match_ids_by_prefix_then_substring_never_fuzzily() {
        let row = |id: &str, name: &str, role: &str| {
            let mut r = row(id, name, role);
            r.account = Arc::new(Account {
                email: format!("{}@uoregon.edu", name.to_lowercase().replace(' ', "-")),
                ..(*r.account).clone()
            });
            r
        };
        let rows = vec![
            row("123456789012", "Alpha", "Admin"),
            row("555512345678", "Beta", "Admin"),
            row("999999999999", "CS 322 Intro", "Admin"),
        ];
        let s = Searcher::default();
        assert_eq!(
            s.rank("1234", &rows),
            vec![0],
            "prefix only, as one id has it"
        );
        assert_eq!(
            s.rank("5123", &rows),
            vec![1],
            "substring when no id starts so"
        );
        assert_eq!(s.rank("322", &rows), vec![2], "names by substring");
        assert!(s.rank("3912", &rows).is_empty(), "never fuzzily");
    }

    #[test]
    fn exact_profile_names_are_the_top_tier_and_resolve() {
        let rows = vec![
            row("111111111111", "Genomics", "Admin"),
            row("111111111111", "Genomics", "AdminRead"),
            row("222222222222", "111111111111_Admin Lab", "ReadOnly"),
        ];
        let s = Searcher::default();
        let name = |r: &Row| crate::catalog::profile_name(&r.account.id, r.role().unwrap());
        assert_eq!(s.rank_named("111111111111_Admin", &rows, &name)[0], 0);
        assert_eq!(
            s.resolve("111111111111_Admin", &rows, &name),
            Resolution::One(0)
        );
        assert_eq!(
            s.resolve("genomics admin", &rows, &name),
            Resolution::One(0),
            "exact role"
        );
        assert_eq!(
            s.resolve("genomics", &rows, &name),
            Resolution::Ambiguous(vec![0, 1])
        );
        assert_eq!(s.resolve("zzz", &rows, &name), Resolution::None);
        assert!(
            matches!(s.resolve("gnmcs", &rows, &name), Resolution::Ambiguous(_)),
            "fuzzy never resolves"
        );
        let custom = ProfileNamer::new(
            ProfileTemplate::parse("{sso_session}-{account_name}-{role_name}").unwrap(),
            "uo",
        );
        let s = Searcher::with_profiles(custom);
        assert_eq!(s.rank("uo-Genomics-AdminRead", &rows), vec![1]);
        let failed = Row {
            kind: RowKind::Failed("AccessDenied".into()),
            ..row("333333333333", "Physics", "")
        };
        let rows = vec![failed, row("444444444444", "Physics Lab", "Admin")];
        assert!(matches!(
            Searcher::default().resolve("physics", &rows, &no_name),
            Resolution::Ambiguous(_)
        ));
    }

    #[test]
    fn recent_rows_come_first_without_a_query() {
        let rows = [
            row("111111111111", "A", "Admin"),
            row("222222222222", "B", "Admin"),
            row("333333333333", "C", "Admin"),
        ];
        let prepared: Vec<Prepared> = rows.iter().map(Prepared::new).collect();
        let mut s = Searcher::with_profiles(ProfileNamer::new(ProfileTemplate::default(), "uo"));
        let recent = |id: &str| ("uo".to_string(), id.to_string(), "Admin".to_string());
        s.set_recent(vec![
            recent("333333333333"),
            ("other".into(), "222222222222".into(), "Admin".into()),
            recent("111111111111"),
        ]);
        assert_eq!(s.rank_prepared("", &prepared, 1), vec![2, 0, 1]);
        assert_eq!(s.rank_prepared("admin", &prepared, 1), vec![0, 1, 2]);
    }

    #[test]
    fn highlights_are_char_indices_into_each_field() {
        let s = Searcher::default();
        let mut r = row("123456789012", "Física Ñandú 東京", "Lab.Admin");
        r.account = Arc::new(Account {
            email: "fisica@uoregon.edu".into(),
            ..(*r.account).clone()
        });
        let h = s.highlights("ñandú 東京 lab", &r);
        // "Física " is 7 chars (7 bytes + 1 for í): Ñandú starts at char 7.
        assert_eq!(h.name, vec![7, 8, 9, 10, 11, 13, 14]);
        assert_eq!(h.role, vec![0, 1, 2]);
        assert!(h.id.is_empty());
        let h = s.highlights("í 9012", &r);
        assert_eq!(h.name, vec![1], "the í of Física is its second char");
        assert_eq!(h.id, vec![8, 9, 10, 11]);
        assert_eq!(s.highlights("", &r), Highlights::default());
        let h = s.highlights("ldmn", &r);
        assert_eq!(
            h.role,
            vec![0, 5, 6, 8],
            "a fuzzy term marks its subsequence"
        );
        // Smart case across scripts: lower-case matches any case, upper-case only itself.
        let rows = vec![r.clone()];
        assert_eq!(s.rank("ñandú", &rows), vec![0]);
        assert_eq!(s.rank("ÑANDÚ", &rows), Vec::<usize>::new());
        assert_eq!(s.rank("Ñandú", &rows), vec![0]);
    }

    #[test]
    fn ties_keep_base_order() {
        let rows = vec![
            row("111111111111", "A", "ReadOnly"),
            row("222222222222", "B", "ReadOnly"),
        ];
        assert_eq!(Searcher::default().rank("ReadOnly", &rows), vec![0, 1]);
    }

    /// Rows of a generated organisation of `n` accounts (1–3 roles each).
    fn org_rows(n: usize) -> Vec<Row> {
        let org = crate::sim::Org::with_accounts(n);
        let mut rows: Vec<Row> = org
            .accounts
            .iter()
            .flat_map(|a| {
                let account = Arc::new(Account {
                    id: a.account_id.clone(),
                    name: a.account_name.clone(),
                    email: a.email_address.clone(),
                });
                a.roles.iter().map(move |r| Row {
                    account: account.clone(),
                    kind: RowKind::Role(r.clone()),
                })
            })
            .collect();
        rows.sort_by(Row::base_cmp);
        rows
    }

    #[test]
    fn incremental_ranking_agrees_with_a_full_rank() {
        let rows = org_rows(400);
        let prepared: Vec<Prepared> = rows.iter().map(Prepared::new).collect();
        let namer = ProfileNamer::new(ProfileTemplate::default(), "uo");
        let full = Searcher::with_profiles(namer.clone());
        let mut incremental = Searcher::with_profiles(namer);
        // A fixed pseudo-random sequence of keystrokes: characters from rows'
        // fields and a few others (operators, digits, typos), spaces, upper
        // case, backspaces.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let extra: Vec<char> = "xqz ÑñíE=,.@-0123!^'$".chars().collect();
        let mut query = String::new();
        let mut checked = 0;
        let mut fuzzy = 0;
        for _ in 0..800 {
            match next(12) {
                0 => {
                    query.pop();
                }
                1 => query.clear(),
                2 | 3 => query.push(extra[next(extra.len())]),
                _ => {
                    let p = &prepared[next(prepared.len())];
                    let chars: Vec<char> = p.inner.text.chars().collect();
                    query.push(chars[next(chars.len())]);
                }
            }
            let want = full.rank(&query, &rows);
            let got = incremental.rank_prepared(&query, &prepared, 1);
            assert_eq!(got, want, "query {query:?}");
            checked += usize::from(!want.is_empty() && !query.trim().is_empty());
            fuzzy += usize::from(incremental.modes.values().any(|m| *m == Mode::Fuzzy));
        }
        assert!(checked > 100, "enough queries matched something: {checked}");
        assert!(fuzzy > 50, "enough queries fell back to fuzzy: {fuzzy}");
    }

    #[test]
    fn a_term_falling_back_to_fuzzy_brings_back_rows_the_shorter_query_dropped() {
        let rows = [
            row("111111111111", "Genomics", "Admin"),
            row("222222222222", "Great Expanse North Lab", "Admin"),
        ];
        let prepared: Vec<Prepared> = rows.iter().map(Prepared::new).collect();
        let mut s = Searcher::default();
        assert_eq!(s.rank_prepared("gen", &prepared, 1), vec![0]);
        // "genl" is in no field: fuzzy, and g…e…n…l brings the other row back.
        assert_eq!(s.rank_prepared("genl", &prepared, 1), vec![1]);
    }

    #[test]
    fn new_rows_invalidate_the_remembered_answer() {
        let mut s = Searcher::default();
        let rows = [row("111111111111", "Genomics", "Admin")];
        let prepared: Vec<Prepared> = rows.iter().map(Prepared::new).collect();
        assert_eq!(s.rank_prepared("ge", &prepared, 1), vec![0]);
        let rows = [
            row("111111111111", "Genomics", "Admin"),
            row("222222222222", "Genetics", "Admin"),
        ];
        let prepared: Vec<Prepared> = rows.iter().map(Prepared::new).collect();
        assert_eq!(s.rank_prepared("gen", &prepared, 2).len(), 2);
    }

    #[test]
    fn the_filter_task_drops_stale_answers() {
        let rows = org_rows(300);
        let mut by_account: Vec<(Account, Result<Vec<String>, String>)> = Vec::new();
        for r in &rows {
            match by_account.last_mut() {
                Some((a, Ok(roles))) if a.id == r.account.id => {
                    roles.push(r.role().unwrap().to_string())
                }
                _ => by_account.push((
                    (*r.account).clone(),
                    Ok(vec![r.role().unwrap().to_string()]),
                )),
            }
        }
        let catalog =
            crate::catalog::Catalog::restore(by_account, time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(catalog.rows().len(), rows.len());
        let (tx, rx) = std::sync::mpsc::channel();
        let task = FilterTask::spawn(move |f| {
            let _ = tx.send(f);
        });
        let wait = || rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        let first = task.submit("research", &catalog);
        let answer = wait();
        assert_eq!(answer.generation, first);
        let second = task.submit("research admin", &catalog);
        assert!(second > first);
        assert_eq!(task.accept(answer), None, "overtaken by a newer request");
        let answer = loop {
            let a = wait();
            if a.generation == second {
                break a;
            }
        };
        let accepted = task.accept(answer).expect("the newest answer");
        let want = Searcher::default().rank("research admin", catalog.rows());
        assert!(!want.is_empty());
        assert_eq!(accepted.matches, want);
        assert_eq!(accepted.version, catalog.version());

        // Profile names, when given, match at the top tier.
        let namer = ProfileNamer::new(ProfileTemplate::default(), "uo");
        let profile = crate::catalog::profile_name(&rows[7].account.id, rows[7].role().unwrap());
        let asked = task.submit_named(&profile, &catalog, Some(&namer));
        let answer = loop {
            let a = wait();
            if a.generation == asked {
                break a;
            }
        };
        assert_eq!(answer.matches, vec![7]);

        // A burst: only the last request's answer is accepted.
        let mut last = 0;
        for q in ["l", "la", "lab", "lab.", "lab.a", "lab.ad"] {
            last = task.submit(q, &catalog);
        }
        let answer = loop {
            let a = wait();
            if let Some(a) = task.accept(a) {
                break a;
            }
        };
        assert_eq!(answer.generation, last);
        assert_eq!(answer.query, "lab.ad");
    }
}
