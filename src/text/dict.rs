//! The domain user dictionary (`data/dict/domain.txt`), compiled into the library.

/// `word freq [tag]` lines; `#` starts a comment line.
const DOMAIN_DICT: &str = include_str!("../../data/dict/domain.txt");

/// One dictionary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry<'a> {
    pub word: &'a str,
    pub freq: usize,
    pub tag: Option<&'a str>,
}

/// Parse one line; `None` for blank and comment lines and for lines without a valid
/// frequency (a unit test keeps the shipped file free of the latter).
fn parse_line(line: &str) -> Option<Entry<'_>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.split_whitespace();
    let word = fields.next()?;
    let freq = fields.next()?.parse().ok()?;
    Some(Entry {
        word,
        freq,
        tag: fields.next(),
    })
}

/// The entries of the domain dictionary, in file order.
pub(crate) fn domain_entries() -> impl Iterator<Item = Entry<'static>> {
    DOMAIN_DICT.lines().filter_map(parse_line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_line_has_a_frequency() {
        for (no, line) in DOMAIN_DICT.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let entry = parse_line(line);
            assert!(
                entry.is_some_and(|e| e.freq > 0),
                "data/dict/domain.txt:{}: `{line}` needs a positive frequency",
                no + 1
            );
        }
        assert!(domain_entries().count() >= 25);
    }

    #[test]
    fn parse_line_reads_optional_tag() {
        assert_eq!(
            parse_line("拿铁 3000 n"),
            Some(Entry {
                word: "拿铁",
                freq: 3000,
                tag: Some("n")
            })
        );
        assert_eq!(
            parse_line("踩雷 10").map(|e| (e.freq, e.tag)),
            Some((10, None))
        );
        assert_eq!(parse_line("踩雷"), None);
        assert_eq!(parse_line("# 踩雷 10"), None);
    }
}
