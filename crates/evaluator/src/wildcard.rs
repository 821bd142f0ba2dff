//! The one wildcard match of the crate: `*` any run of characters, `?` any one, the whole text.
//! An exception's resource glob and IAM's action patterns both match with it (the latter with
//! ASCII case folded first).

/// Whether `text` matches the whole `pattern`. The classic two-pointer match: on a mismatch,
/// the last `*` swallows one more character. Linear in practice, never exponential.
pub(crate) fn matches(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it was last tried to end at.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_at, matched_to)) => {
                    p = star_at + 1;
                    t = matched_to + 1;
                    star = Some((star_at, t));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}
