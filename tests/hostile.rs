//! Hostile input too big to commit under `tests/cases/corpus/`, generated at test time: a
//! 100 MB line and a note with a million tags. Each gives its expected message, lenient
//! counts add up, and memory stays bounded: a counting allocator measures the peak of live
//! heap bytes while each loads.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use jingxuan::corpus::{self, FileReport, LoadOptions, Loaded, Mode};
use jingxuan::{Error, UserError};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters move.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted as alloc-then-free, the worst case of a moving realloc.
            let now = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(now, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The tests of this file run one at a time, so that each measures only its own heap.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `f` and returns its result with the peak heap growth (bytes) while it ran.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

const MIB: usize = 1024 * 1024;
const MERCHANT: &str = r#"{"id":"m1","name":"隐巷咖啡","city":"杭州","category":"饮品/咖啡"}"#;

fn accounted(f: &FileReport) -> u64 {
    f.blank + f.accepted + f.replaced + f.deleted + f.skipped_total()
}

fn file<'a>(l: &'a Loaded, name: &str) -> &'a FileReport {
    l.report
        .files
        .iter()
        .find(|f| f.file == name)
        .expect("a report per file")
}

/// merchants.jsonl: a valid line, a line of `len` bytes (a merchant whose name is `len`
/// `a`s, streamed, never in memory), a valid line.
fn huge_line_corpus(len: usize) -> Vec<(&'static str, Box<dyn Read>)> {
    let head = r#"{"id":"m2","name":""#.as_bytes();
    let tail = r#"","city":"杭州","category":"美食"}"#.as_bytes();
    let filler = len - head.len() - tail.len();
    let merchants = io::Cursor::new(format!("{MERCHANT}\n").into_bytes())
        .chain(head)
        .chain(io::repeat(b'a').take(filler as u64))
        .chain(tail)
        .chain(io::Cursor::new(
            format!("\n{}\n", MERCHANT.replace("m1", "m3")).into_bytes(),
        ));
    vec![("merchants.jsonl", Box::new(merchants))]
}

#[test]
fn a_100_megabyte_line_is_refused_without_being_held() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let opts = LoadOptions {
        mode: Mode::Lenient,
        ..LoadOptions::default()
    };
    let (loaded, peak) =
        peak_during(|| corpus::load_from_readers(huge_line_corpus(100 * MIB), &opts));
    let loaded = loaded.expect("lenient load");
    let f = file(&loaded, "merchants.jsonl");
    assert_eq!(
        f.problems[0].to_string(),
        "merchants.jsonl:2: -: line is longer than 16777216 bytes; split the record or raise LoadOptions::max_line_bytes"
    );
    assert_eq!((f.lines, f.accepted, f.skipped_total()), (3, 2, 1));
    assert_eq!(f.skipped.get("line-too-long"), Some(&1));
    assert_eq!(f.lines, accounted(f));
    assert!(loaded.corpus.merchants.contains_key("m3"));
    // At most max_line_bytes of the line are buffered before it is refused (counting the
    // old and new buffer of the last growth: 16 + 8 MiB measured).
    eprintln!("100 MiB line: peak heap growth {} MiB", peak / MIB);
    assert!(
        peak <= 2 * opts.max_line_bytes,
        "peak heap growth {} MiB for a 100 MiB line",
        peak / MIB
    );

    let strict = corpus::load_from_readers(huge_line_corpus(100 * MIB), &LoadOptions::default());
    match strict {
        Err(Error::User(UserError::InvalidCorpus {
            file,
            total,
            problems,
        })) => {
            assert_eq!((file.as_str(), total), ("merchants.jsonl", 1));
            assert!(problems[0]
                .reason
                .starts_with("line is longer than 16777216 bytes"));
        }
        other => panic!("expected InvalidCorpus, got {other:?}"),
    }
}

fn million_tags_corpus(tags: usize) -> Vec<(&'static str, Box<dyn Read>)> {
    let mut note = String::from(
        r#"{"id":"n1","author_id":"u1","created_at":"2025-10-02T12:30:00+08:00","body":"标签刷屏","tags":["#,
    );
    for i in 0..tags {
        if i > 0 {
            note.push(',');
        }
        note.push_str("\"探店\"");
    }
    note.push_str("]}\n");
    note.push_str(
        r#"{"id":"n2","author_id":"u1","created_at":"2025-10-02T12:30:00+08:00","body":"正常笔记","tags":["杭州咖啡"]}"#,
    );
    note.push('\n');
    vec![
        (
            "merchants.jsonl",
            Box::new(io::Cursor::new(MERCHANT.as_bytes().to_vec())),
        ),
        ("notes.jsonl", Box::new(io::Cursor::new(note.into_bytes()))),
    ]
}

#[test]
fn a_million_tags_are_one_problem_and_bounded_memory() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let input = million_tags_corpus(1_000_000);
    let opts = LoadOptions {
        mode: Mode::Lenient,
        ..LoadOptions::default()
    };
    let (loaded, peak) = peak_during(|| corpus::load_from_readers(input, &opts));
    let loaded = loaded.expect("lenient load");
    let f = file(&loaded, "notes.jsonl");
    let problems: Vec<String> = f.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        ["notes.jsonl:1: tags: 1000000 entries; the limit is 1000 (LoadOptions::max_tags raises it)"]
    );
    assert_eq!((f.lines, f.accepted, f.problem_count), (2, 1, 1));
    assert_eq!(f.skipped.get("too-many"), Some(&1));
    assert_eq!(f.lines, accounted(f));
    assert_eq!(loaded.corpus.notes.len(), 1);
    // The 9 MB line is parsed into a JSON value (about 32 bytes per element plus the line
    // buffer); the million tags are never copied into a record.
    eprintln!("a million tags: peak heap growth {} MiB", peak / MIB);
    assert!(peak < 96 * MIB, "peak heap growth {} MiB", peak / MIB);

    match corpus::load_from_readers(million_tags_corpus(1_000_000), &LoadOptions::default()) {
        Err(Error::User(UserError::InvalidCorpus { file, total, .. })) => {
            assert_eq!((file.as_str(), total), ("notes.jsonl", 1));
        }
        other => panic!("expected InvalidCorpus, got {other:?}"),
    }
}

#[test]
fn readers_are_named_like_corpus_files() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let merchants = || io::Cursor::new(MERCHANT.as_bytes().to_vec());
    let err = corpus::load_from_readers([("shops.jsonl", merchants())], &LoadOptions::default())
        .expect_err("unknown file name");
    assert!(err.is_user_error());
    assert!(
        err.to_string()
            .contains("\"shops.jsonl\" is not a corpus file"),
        "{err}"
    );
    let err = corpus::load_from_readers(
        [
            ("merchants.jsonl", merchants()),
            ("merchants.jsonl", merchants()),
        ],
        &LoadOptions::default(),
    )
    .expect_err("twice");
    assert!(err.to_string().contains("given twice"), "{err}");
    let err = corpus::load_from_readers([("notes.jsonl", merchants())], &LoadOptions::default())
        .expect_err("no merchants");
    assert!(matches!(
        err,
        Error::User(UserError::MissingMerchants { .. })
    ));
    let loaded =
        corpus::load_from_readers([("merchants.jsonl", merchants())], &LoadOptions::default())
            .expect("one merchant");
    assert_eq!(loaded.corpus.merchants.len(), 1);
}

/// Found by the errors audit: engagement summed four input counts with `+`, which
/// overflowed (a panic in debug builds) when a note's counts were near u64::MAX.
#[test]
fn counts_at_u64_max_do_not_overflow_the_pipeline() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let notes = format!(
        "{}\n",
        r#"{"id":"n1","author_id":"u1","created_at":"2025-10-02T12:30:00+08:00","body":"隐巷咖啡的手冲很好喝","merchant_ids":["m1"],"likes":18446744073709551615,"collects":18446744073709551615,"comments":1,"shares":1}"#
    );
    let input: Vec<(&str, io::Cursor<Vec<u8>>)> = vec![
        (
            "merchants.jsonl",
            io::Cursor::new(MERCHANT.as_bytes().to_vec()),
        ),
        ("notes.jsonl", io::Cursor::new(notes.into_bytes())),
    ];
    let loaded = corpus::load_from_readers(input, &LoadOptions::default()).expect("valid corpus");
    let engine = jingxuan::Engine::for_corpus(&loaded.corpus).expect("engine");
    let analysis = engine.analyze(loaded.corpus.clone(), None);
    let board = analysis.score_city("杭州").expect("city");
    assert_eq!(board.merchants.len(), 1);
    assert!(board.merchants[0].score.is_finite());
}
