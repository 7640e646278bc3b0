//! What each fuzz target asserts, shared by the cargo-fuzz targets (`fuzz_targets/`) and
//! the bounded property test CI runs (`tests/fuzz_props.rs`), so both check the same
//! properties. Each function panics on a finding.

use std::sync::LazyLock;

use jingxuan::corpus::{self, FileReport, LoadOptions, Mode, FILES};
use jingxuan::evidence::sentiment::SentimentModel;
use jingxuan::text::{normalize, Analyzer};

fn accounted(f: &FileReport) -> u64 {
    f.blank + f.accepted + f.replaced + f.deleted + f.skipped_total()
}

/// Money data never makes a line invalid: a malformed `commercial` value is a warning.
fn commercial_never_a_problem(problems: &[jingxuan::Problem]) -> bool {
    problems.iter().all(|p| p.field != "commercial")
}

/// Arbitrary bytes as a corpus: the loader must never panic, in either mode, must account
/// for every line it read, must never give an internal error, and must never count a
/// `commercial` value as a problem of its line.
///
/// Input layout: the first byte picks the caps (small ones, so that every cap's path is
/// reached); the rest is split on NUL bytes into the files of `corpus::FILES`, in order
/// (`merchants.jsonl` first). NUL can never be part of a valid line, so nothing is lost by
/// using it as the separator.
pub fn parse_records(data: &[u8]) {
    let Some((&knobs, rest)) = data.split_first() else {
        return;
    };
    let parts: Vec<&[u8]> = rest.splitn(FILES.len(), |&b| b == 0).collect();
    let small = knobs & 1 == 1;
    for mode in [Mode::Lenient, Mode::Strict] {
        let opts = if small {
            LoadOptions {
                mode,
                max_problems: usize::from(knobs >> 5),
                max_warnings: usize::from(knobs >> 5),
                max_line_bytes: 16 + usize::from(knobs >> 1) * 8,
                max_text_chars: usize::from(knobs >> 2),
                max_field_chars: usize::from(knobs >> 3),
                max_tags: usize::from(knobs >> 4),
                max_merchant_ids: usize::from(knobs >> 5),
                max_aliases: usize::from(knobs >> 5),
            }
        } else {
            LoadOptions {
                mode,
                ..LoadOptions::default()
            }
        };
        let files = FILES.iter().copied().zip(parts.iter().copied());
        match corpus::load_from_readers(files, &opts) {
            Ok(loaded) => {
                for f in &loaded.report.files {
                    assert_eq!(f.lines, accounted(f), "{f:?}");
                    assert!(f.problems.len() <= opts.max_problems);
                    assert!(f.problems.len() as u64 <= f.problem_count);
                    assert!(f.commercial_ignored <= f.accepted + f.replaced, "{f:?}");
                    assert!(commercial_never_a_problem(&f.problems), "{f:?}");
                }
                assert!(loaded.report.warnings.len() <= opts.max_warnings);
                if mode == Mode::Strict {
                    assert!(loaded.report.is_clean());
                }
                // What the pipeline reads first from a loaded corpus.
                let c = &loaded.corpus;
                let _ = c.latest_timestamp().map(|t| t.to_rfc3339());
                let _ = c.merchant_names();
                let _ = c.cities();
                let _ = c.standing_decisions();
                for m in c.merchants.values() {
                    let _ = (m.top_category(), m.display_name());
                }
            }
            Err(e) => {
                if let jingxuan::Error::User(jingxuan::UserError::InvalidCorpus {
                    problems, ..
                }) = &e
                {
                    assert!(commercial_never_a_problem(problems), "{problems:?}");
                }
                assert!(e.is_user_error(), "input gave an internal error: {e}");
                assert!(!e.to_string().is_empty());
            }
        }
    }
}

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| {
    Analyzer::builder()
        .words([
            "Manner咖啡",
            "喜茶",
            "M Stand",
            "Ｍ记烧腊",
            "一点点",
            "ａ-ｂ",
            "隐巷咖啡",
        ])
        .build()
});

// Building the lexicons is not input-dependent: a failure is a broken build, not a finding.
static MODEL: LazyLock<SentimentModel> =
    LazyLock::new(|| SentimentModel::new().expect("the bundled lexicons load"));

fn in_text(text: &str, start: usize, end: usize) -> bool {
    start <= end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end)
}

/// Arbitrary text through the analyzer and the sentiment model: no panic, every token and
/// cue a char-boundary range of the original text, every score in its documented range.
pub fn analyze_text(text: &str) {
    let tokens = ANALYZER.analyze(text);
    for t in &tokens {
        assert!(in_text(text, t.start, t.end), "token {t:?} of {text:?}");
        assert!(t.start < t.end, "empty token {t:?}");
    }
    let n = normalize(text);
    assert!(n.original_len() == text.len());
    let whole = n.original_range(0..n.text.len());
    assert!(in_text(text, whole.start, whole.end));

    let ev = MODEL.analyze(&tokens, text);
    assert!(
        (-1.0..=1.0).contains(&ev.polarity),
        "polarity {}",
        ev.polarity
    );
    assert!(
        (0.0..=1.0).contains(&ev.confidence),
        "confidence {}",
        ev.confidence
    );
    assert!(ev.positive >= 0.0 && ev.negative >= 0.0);
    for a in ev.aspects.values() {
        assert!((-1.0..=1.0).contains(&a.polarity));
    }
    for c in &ev.cues {
        assert!(
            in_text(text, c.start, c.end) && c.start < c.end,
            "cue {c:?}"
        );
        assert!(c.weight.is_finite());
    }
    // Without tokens too, as the doc allows.
    let _ = MODEL.analyze(&[], text);
}
