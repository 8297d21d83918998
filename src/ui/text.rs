//! Making untrusted text safe and fitting it into a cell.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `s` with every control character escaped (`\u{1b}` shows as `\x1b`, a
/// newline as `\n`), so text from the network can never move the cursor,
/// change colours or break a row.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    out
}

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
