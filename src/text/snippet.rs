/// The first `chars` characters of `text` on one line (whitespace made spaces), with `…`
/// when cut: how an explanation or a reason quotes a note or review.
pub fn snippet(text: &str, chars: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let mut out: String = one_line.chars().take(chars).collect();
    if one_line.chars().count() > chars {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn snippets_cut_by_characters_on_one_line() {
        assert_eq!(snippet("环境\n很好", 10), "环境 很好");
        assert_eq!(snippet("环境很好，服务一般", 4), "环境很好…");
    }
}
