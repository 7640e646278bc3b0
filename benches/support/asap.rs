//! The ASAP review sample as benchmark text, shared by `benches/text.rs` and
//! `examples/analyzer_throughput.rs`.

use std::path::PathBuf;

/// Where the sample lives: the project's copy in `data/asap`; `JINGXUAN_ASAP_DIR`
/// overrides it.
fn sample_dir() -> PathBuf {
    std::env::var_os("JINGXUAN_ASAP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data/asap")))
}

/// The review bodies of the sample's CSV files, repeated until they total at least
/// `min_bytes`. Exits with a clear message if the sample is missing.
pub fn reviews(min_bytes: usize) -> Vec<String> {
    let dir = sample_dir();
    let mut bodies = Vec::new();
    for name in ["train_sample.csv", "dev_sample.csv", "test_sample.csv"] {
        let path = dir.join(name);
        let content = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            eprintln!(
                "cannot read the ASAP review sample {}: {e}\n\
                 set JINGXUAN_ASAP_DIR to the directory holding train/dev/test_sample.csv",
                path.display()
            );
            std::process::exit(2)
        });
        // Column 1 (`reviewbody`) of every record after the header.
        bodies.extend(
            csv_records(content.trim_start_matches('\u{feff}'))
                .skip(1)
                .filter_map(|mut r| (r.len() > 1).then(|| r.swap_remove(1))),
        );
    }
    if bodies.is_empty() {
        eprintln!("the ASAP sample in {} has no reviews", dir.display());
        std::process::exit(2)
    }
    let mut out = Vec::new();
    let mut total = 0;
    while total < min_bytes {
        total += bodies.iter().map(String::len).sum::<usize>().max(1);
        out.extend(bodies.iter().cloned());
    }
    out
}

/// Minimal RFC 4180 reader: quoted fields may hold commas, newlines and doubled quotes.
fn csv_records(text: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    let mut chars = text.chars().peekable();
    std::iter::from_fn(move || {
        chars.peek()?;
        let mut record = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') if field.is_empty() => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\n') => break,
                (false, '\r') => {}
                (false, c) => field.push(c),
            }
        }
        record.push(field);
        Some(record)
    })
}
