//! The committed corpus `fixtures/planted-errors` reports exactly the bad lines listed in
//! its `PLANTED.txt`: strict mode those of the first bad file, lenient mode all of them,
//! with every line of every file accounted for.

use std::path::{Path, PathBuf};

use jingxuan::corpus::{self, LoadOptions, Mode};
use jingxuan::{Error, Problem, UserError};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/planted-errors")
}

fn planted() -> Vec<String> {
    let text = std::fs::read_to_string(fixture().join("PLANTED.txt")).expect("PLANTED.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

fn located(p: &Problem) -> String {
    format!("{}:{}: {}", p.file, p.line, p.field)
}

#[test]
fn strict_lists_the_planted_lines_of_the_first_bad_file() {
    let err = corpus::load(&fixture(), &LoadOptions::default());
    let Err(Error::User(UserError::InvalidCorpus {
        file,
        problems,
        total,
    })) = err
    else {
        panic!("strict load must fail on the planted errors");
    };
    let want: Vec<String> = planted()
        .into_iter()
        .filter(|l| l.starts_with(&format!("{file}:")))
        .collect();
    assert_eq!(file, "merchants.jsonl");
    assert_eq!(total, want.len());
    assert_eq!(problems.iter().map(located).collect::<Vec<_>>(), want);
}

#[test]
fn lenient_lists_every_planted_line_and_accounts_for_all_lines() {
    let opts = LoadOptions {
        mode: Mode::Lenient,
        ..LoadOptions::default()
    };
    let loaded = corpus::load(&fixture(), &opts).expect("lenient load");
    let got: Vec<String> = loaded
        .report
        .files
        .iter()
        .flat_map(|f| f.problems.iter().map(located))
        .collect();
    assert_eq!(got, planted());

    for f in &loaded.report.files {
        assert!(f.present, "{} is part of the fixture", f.file);
        let text = std::fs::read_to_string(fixture().join(f.file)).expect("fixture file");
        assert_eq!(f.lines, text.lines().count() as u64, "{}", f.file);
        let skipped: u64 = f.skipped.values().sum();
        assert_eq!(
            f.lines,
            f.blank + f.accepted + f.replaced + f.deleted + skipped
        );
    }

    let c = &loaded.corpus;
    assert_eq!(c.merchants.len(), 8, "10 merchants, two planted bad");
    assert_eq!(c.merchants["hz-zhiwei"].branch.as_deref(), Some("河坊街店"));
    assert!(
        c.notes["n-001"].body().contains("周末要排队"),
        "the edit wins"
    );
    assert!(!c.notes.contains_key("n-003"), "the tombstone deletes");
    assert_eq!(loaded.commercial.len(), 2);
    assert_eq!(
        loaded.report.warning_count, 2,
        "{:?}",
        loaded.report.warnings
    );
    assert!(loaded.report.warnings[0].contains("u-new1"));
}
