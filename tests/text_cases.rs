//! Data-driven segmentation cases: `tests/cases/text/*.txt` (format in each file's header).

use std::fs;
use std::path::Path;

use jingxuan::text::{normalize, Analyzer, Token};

/// One case: line number, input, main tokens, sub-words (if checked).
type Case = (usize, String, Vec<String>, Option<Vec<String>>);

/// A case file: the builder words from its `names` line and its cases.
struct CaseFile {
    names: Vec<String>,
    cases: Vec<Case>,
}

fn read_cases(name: &str) -> CaseFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases/text")
        .join(name);
    let content =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut file = CaseFile {
        names: Vec::new(),
        cases: Vec::new(),
    };
    let tokens = |field: &str| -> Vec<String> {
        field
            .split(' ')
            .filter(|t| !t.is_empty())
            .map(|t| t.replace('␣', " "))
            .collect()
    };
    for (no, line) in content.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields[0] == "names" {
            file.names = fields[1..].iter().map(|s| s.to_string()).collect();
            continue;
        }
        assert!(
            fields.len() == 2 || fields.len() == 3,
            "{name}:{}: expected input<TAB>main[<TAB>sub-words], got {} fields",
            no + 1,
            fields.len()
        );
        let subs = fields
            .get(2)
            .map(|f| if *f == "-" { Vec::new() } else { tokens(f) });
        file.cases
            .push((no + 1, fields[0].to_string(), tokens(fields[1]), subs));
    }
    assert!(!file.cases.is_empty(), "{name} has no cases");
    file
}

fn texts<'a>(tokens: impl Iterator<Item = &'a Token>) -> Vec<String> {
    tokens.map(|t| t.text.to_string()).collect()
}

fn run(name: &str) {
    let file = read_cases(name);
    let analyzer = Analyzer::builder().words(&file.names).build();
    let mut failures = Vec::new();
    for (line, input, main, subs) in &file.cases {
        let tokens = analyzer.analyze(input);
        let got_main = texts(tokens.iter().filter(|t| !t.sub_word));
        let got_subs = texts(tokens.iter().filter(|t| t.sub_word));
        if &got_main != main {
            failures.push(format!(
                "{name}:{line}: {input}\n  main expected {main:?}\n           got {got_main:?}"
            ));
        }
        if let Some(subs) = subs {
            if &got_subs != subs {
                failures.push(format!(
                    "{name}:{line}: {input}\n  sub-words expected {subs:?}\n                got {got_subs:?}"
                ));
            }
        }
        // Every token's original text normalises to the token.
        for t in &tokens {
            let original = &input[t.start..t.end];
            if normalize(original).text != t.text {
                failures.push(format!(
                    "{name}:{line}: token {:?} has original {original:?}",
                    t.text
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn segmentation_cases() {
    run("segmentation.txt");
}

#[test]
fn merchant_name_cases() {
    run("names.txt");
}

/// Each word of the domain dictionary segments as one token, even inside a sentence.
#[test]
fn domain_dictionary_words_stay_whole() {
    let dict = include_str!("../data/dict/domain.txt");
    let analyzer = Analyzer::default();
    let mut words = 0;
    for line in dict.lines().filter(|l| !l.starts_with('#')) {
        let Some(word) = line.split_whitespace().next() else {
            continue;
        };
        words += 1;
        for text in [word.to_string(), format!("我觉得{word}。")] {
            let tokens = analyzer.analyze(&text);
            assert!(
                tokens.iter().any(|t| !t.sub_word && t.text == word),
                "{word} is split in {text:?}: {:?}",
                texts(tokens.iter().filter(|t| !t.sub_word))
            );
        }
    }
    assert!(words >= 25, "only {words} dictionary words");
}

/// Offsets of full-width text point at the full-width original.
#[test]
fn full_width_offsets_point_into_the_original() {
    let input = "去ＡＢＣ咖啡喝了１２３杯拿铁";
    let tokens = Analyzer::default().analyze(input);
    let spans: Vec<(&str, &str)> = tokens
        .iter()
        .filter(|t| !t.sub_word)
        .map(|t| (t.text.as_str(), &input[t.start..t.end]))
        .collect();
    assert_eq!(
        spans,
        [
            ("去", "去"),
            ("abc", "ＡＢＣ"),
            ("咖啡", "咖啡"),
            ("喝", "喝"),
            ("了", "了"),
            ("123", "１２３"),
            ("杯", "杯"),
            ("拿铁", "拿铁"),
        ]
    );
}

/// Sub-words carry their word's position; main words count up from 0.
#[test]
fn sub_words_share_the_position_of_their_word() {
    let tokens = Analyzer::default().analyze("咖啡馆的宝藏小店");
    let summary: Vec<(&str, u32, bool)> = tokens
        .iter()
        .map(|t| (t.text.as_str(), t.position, t.sub_word))
        .collect();
    assert_eq!(
        summary,
        [
            ("咖啡", 0, true),
            ("咖啡馆", 0, false),
            ("的", 1, false),
            ("宝藏", 2, true),
            ("小店", 2, true),
            ("宝藏小店", 2, false),
        ]
    );
}

/// Each run gets its kind; the analyzer can be shared between threads.
#[test]
fn token_kinds_follow_the_runs() {
    use jingxuan::text::TokenKind::{Emoji, Han, Latin, Number};
    fn shareable<T: Send + Sync>(_: &T) {}
    let analyzer = Analyzer::builder().word("M Stand").build_shared();
    shareable(&analyzer);
    let kinds: Vec<(String, _)> = analyzer
        .analyze("Wi-Fi快，３.５分👍🏻，M Stand")
        .into_iter()
        .filter(|t| !t.sub_word)
        .map(|t| (t.text.into_string(), t.kind))
        .collect();
    let expected = [
        ("wi-fi", Latin),
        ("快", Han),
        ("3.5", Number),
        ("分", Han),
        ("👍🏻", Emoji),
        ("m stand", Latin),
    ];
    assert_eq!(kinds, expected.map(|(t, k)| (t.to_string(), k)).to_vec());
}
