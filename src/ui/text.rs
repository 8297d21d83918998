//! Making untrusted text safe and fitting it into a cell.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `s` with every hidden character escaped: the one escape of the output
/// boundary, [`crate::output::escape`].
pub use crate::output::escape as sanitize;

/// `s` cut to at most `width` terminal columns, ending in `…` when cut.
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `s` padded with spaces (or truncated) to exactly `width` columns.
pub fn fit(s: &str, width: usize) -> String {
    let mut out = truncate(s, width);
    let w = out.width();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(sanitize("Lab\u{1b}[31mRed\n"), "Lab\\x1b[31mRed\\n");
        assert_eq!(sanitize("Física \"Q\""), "Física \"Q\"");
        assert_eq!(sanitize("a\u{9b}b"), "a\\x9bb");
    }

    #[test]
    fn truncation_counts_columns() {
        assert_eq!(truncate("Genomics", 20), "Genomics");
        assert_eq!(truncate("Genomics Lab", 8), "Genomic…");
        assert_eq!(truncate("東京大学研究室", 5), "東京…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit("東京大学", 5), "東京…");
        assert_eq!(fit("東京大学", 5).width(), 5);
    }
}

/// How one char of untrusted text is shown: itself, or its escape for a
/// hidden character (see [`sanitize`]).
fn shown(c: char) -> String {
    if crate::output::is_hidden(c) {
        sanitize(c.encode_utf8(&mut [0; 4]))
    } else {
        c.to_string()
    }
}

/// `raw` (untrusted) made safe and fitted to exactly `width` columns like
/// [`fit`], split into runs of (text, marked) where `marks` are sorted char
/// indices into `raw` (e.g. matched characters). An escaped control
/// character is marked as a whole.
pub fn fit_marked(raw: &str, marks: &[usize], width: usize) -> Vec<(String, bool)> {
    let total: usize = raw.chars().map(|c| shown(c).width()).sum();
    let budget = if total > width {
        width.saturating_sub(1)
    } else {
        width
    };
    let mut runs: Vec<(String, bool)> = Vec::new();
    let mut used = 0;
    let mut marks = marks.iter().peekable();
    for (i, c) in raw.chars().enumerate() {
        let text = shown(c);
        let w = text.width();
        if used + w > budget {
            break;
        }
        used += w;
        while marks.next_if(|&&m| m < i).is_some() {}
        let marked = marks.next_if(|&&m| m == i).is_some();
        match runs.last_mut() {
            Some((s, m)) if *m == marked => s.push_str(&text),
            _ => runs.push((text, marked)),
        }
    }
    let mut tail = String::new();
    if total > width && width > 0 {
        tail.push('…');
        used += 1;
    }
    tail.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    if !tail.is_empty() {
        runs.push((tail, false));
    }
    runs
}

#[cfg(test)]
mod marked_tests {
    use super::*;

    fn render(runs: &[(String, bool)]) -> String {
        runs.iter()
            .map(|(s, m)| if *m { format!("[{s}]") } else { s.clone() })
            .collect()
    }

    #[test]
    fn marks_follow_chars_not_bytes() {
        assert_eq!(render(&fit_marked("Física", &[1, 2], 8)), "F[ís]ica  ");
        assert_eq!(render(&fit_marked("東京大学", &[1], 5)), "東[京]…");
        assert_eq!(render(&fit_marked("a\u{1b}b", &[1], 8)), "a[\\x1b]b  ");
        assert_eq!(render(&fit_marked("abcdef", &[5], 4)), "abc…");
        assert_eq!(render(&fit_marked("", &[], 3)), "   ");
        for (raw, w) in [("Física Ñandú 東京", 9usize), ("x\ny", 3), ("abc", 0)] {
            let width: usize = fit_marked(raw, &[0, 2], w)
                .iter()
                .map(|(s, _)| s.width())
                .sum();
            assert_eq!(width, w, "{raw:?}");
        }
    }
}
