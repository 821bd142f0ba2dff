//! Values from AWS (and from files and the database) shown on a terminal. An OU name may hold
//! any character, so a name could clear the screen, retitle the window, move the cursor, start
//! a fake line of its own or reorder the rest of a line. Every writer of text for a person
//! shows such values through [`Escaped`] (or [`escape_truncated`] for a column), and the binary
//! passes everything it prints through [`escape_lines`] as a last guard.
//!
//! Escaped, visibly and unambiguously enough to read: `\t`, `\n`, `\r`, and `\u{1b}`-style hex
//! for the rest. Backslashes themselves are left as they are: a name written with a literal
//! `\u{1b}` in it is only text, and the JSON report carries every name exactly.

use std::borrow::Cow;
use std::fmt;

/// Whether a character must not reach a terminal raw: the C0 controls (tab, newline, carriage
/// return and ESC among them), DEL, the C1 controls (CSI among them), Unicode's bidirectional
/// controls (which reorder what follows them on the line, as in "Trojan Source"), and the line
/// and paragraph separators.
pub fn must_escape(c: char) -> bool {
    // `is_control` is General_Category Cc: U+0000–U+001F and U+007F–U+009F.
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// How one character is shown: itself, or its escape.
fn push_shown(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if must_escape(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        c => out.push(c),
    }
}

/// The value with every character [`must_escape`] says escaped, newlines included: one value,
/// one line.
pub fn escape(value: &str) -> Cow<'_, str> {
    escape_except(value, None)
}

/// Text made of lines (a whole report, a log event): everything escaped but the newlines that
/// separate its lines. The guard at the output boundary; a value inside the text must have been
/// escaped with [`escape`] already, or its newlines would start lines of their own.
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    escape_except(text, Some('\n'))
}

fn escape_except(text: &str, kept: Option<char>) -> Cow<'_, str> {
    if !text.chars().any(|c| must_escape(c) && Some(c) != kept) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if Some(c) == kept {
            out.push(c);
        } else {
            push_shown(&mut out, c);
        }
    }
    Cow::Owned(out)
}

/// The escaped value in at most `max` characters, for a column: cut between characters, never
/// inside an escape, and ended with `…` when cut.
pub fn escape_truncated(value: &str, max: usize) -> String {
    let escaped = escape(value);
    if escaped.chars().count() <= max {
        return escaped.into_owned();
    }
    let mut out = String::new();
    let mut width = 0;
    let mut piece = String::new();
    for c in value.chars() {
        piece.clear();
        push_shown(&mut piece, c);
        let piece_width = piece.chars().count();
        if width + piece_width + 1 > max {
            break;
        }
        out.push_str(&piece);
        width += piece_width;
    }
    out.push('…');
    out
}

/// A value shown escaped in `format!`; width and alignment (`{:<24}`) apply to what is shown.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&escape(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_escapes_and_bidi_overrides_are_shown_not_obeyed() {
        let hostile = "Prod\u{1b}[2J\u{1b}]0;pwned\u{7}\nFAKE: all accounts PASSED\r\t\u{7f}\u{9b}1m\u{202e}gnp.exe\u{2066}x\u{2069}\u{2028}é";
        assert_eq!(
            escape(hostile),
            "Prod\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\nFAKE: all accounts PASSED\\r\\t\\u{7f}\\u{9b}1m\
             \\u{202e}gnp.exe\\u{2066}x\\u{2069}\\u{2028}é"
        );
        assert_eq!(
            escape_lines("a\u{1b}[31m\nb\r\n"),
            "a\\u{1b}[31m\nb\\r\n",
            "newlines kept, the rest escaped"
        );
        assert!(matches!(escape("prod-web (Root/Prod)"), Cow::Borrowed(_)));
        assert_eq!(
            escape("=HYPERLINK(\"x\") \\u{1b} ü"),
            "=HYPERLINK(\"x\") \\u{1b} ü"
        );
    }

    #[test]
    fn a_column_is_cut_between_escapes_and_padded_by_what_is_shown() {
        // "ab" + "\u{1b}" (6 shown) + "cdef": cut at 8 leaves "ab" and the ellipsis, never
        // "ab\u{1".
        assert_eq!(escape_truncated("ab\u{1b}cdef", 8), "ab…");
        assert_eq!(escape_truncated("ab\u{1b}cdef", 9), "ab\\u{1b}…");
        assert_eq!(escape_truncated("ab\u{1b}cd", 10), "ab\\u{1b}cd");
        assert_eq!(escape_truncated("abcdef", 4), "abc…");
        assert_eq!(format!("[{:<6}]", Escaped("a\tb")), "[a\\tb  ]");
        assert_eq!(format!("[{:>3}]", Escaped("\n")), "[ \\n]");
    }
}
