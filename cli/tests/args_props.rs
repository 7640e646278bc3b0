//! Property: every subcommand, fed random argument values (huge, zero, negative, NaN-like,
//! empty, very long, non-UTF-8 paths), exits 0, 1 or 2 with a message, never a panic
//! (101), a signal or a hang (each process is killed after `TIMEOUT`).
//!
//! The corpus is a tiny committed one, so that each process costs well under a second in
//! a debug build; `CASES` keeps the whole test well under a minute
//! (`JINGXUAN_ARG_CASES=N` runs N).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use wait_timeout::ChildExt;

/// Longest one command may run: the slowest subcommand on the tiny corpus takes a few
/// seconds in a debug build on a loaded machine; a hang is forever.
const TIMEOUT: Duration = Duration::from_secs(60);
const CASES: u32 = 96;

/// The command under test; `JINGXUAN_BIN` points the test at another build (an older one,
/// to see that it fails there).
fn bin() -> OsString {
    std::env::var_os("JINGXUAN_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_jingxuan").into())
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn corpus() -> PathBuf {
    repo().join("tests/cases/corpus/clean-full")
}

/// A search index and a store of the tiny corpus, made once with the command itself.
struct Built {
    _dir: tempfile::TempDir,
    index: PathBuf,
    store: PathBuf,
}

fn built() -> &'static Built {
    static B: OnceLock<Built> = OnceLock::new();
    B.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("index");
        let store = dir.path().join("store");
        for args in [
            vec![
                OsString::from("index"),
                corpus().into(),
                "--index".into(),
                index.clone().into(),
            ],
            vec![
                "update".into(),
                "--store".into(),
                store.clone().into(),
                "--from".into(),
                corpus().into(),
            ],
        ] {
            let out = Command::new(bin()).args(&args).output().unwrap();
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Built {
            _dir: dir,
            index,
            store,
        }
    })
}

/// A numeric argument as someone might type it, or not: in range three times in four, so
/// that the commands get past parsing and the library's bounds are reached too.
fn number() -> BoxedStrategy<OsString> {
    let odd = prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("18446744073709551615".to_string()),
        Just("18446744073709551616".to_string()),
        Just("100000000".to_string()),
        Just("9223372036854775807".to_string()),
        Just("1e309".to_string()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("".to_string()),
        Just(" 3".to_string()),
        Just("0x10".to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    prop_oneof![
        3 => (1u64..20_000).prop_map(|n| n.to_string()),
        1 => odd,
    ]
    .prop_map(OsString::from)
    .boxed()
}

/// A free-text argument: a city, a query, a merchant id, a date; sensible half the time.
fn text() -> BoxedStrategy<OsString> {
    let odd = prop_oneof![
        Just(OsString::from("")),
        Just(OsString::from("   ")),
        Just(OsString::from("NaN")),
        Just(OsString::from("-1")),
        Just(OsString::from("0000-01-01")),
        Just(OsString::from("9999-12-31T23:59:59Z")),
        Just(OsString::from("2025-02-30")),
        Just(OsString::from("--")),
        Just(OsString::from("咖".repeat(5_000))),
        Just(non_utf8()),
        "\\PC{0,30}".prop_map(OsString::from),
    ];
    prop_oneof![
        1 => Just(OsString::from("杭州")),
        1 => Just(OsString::from("咖啡 安静")),
        1 => Just(OsString::from("m1")),
        1 => Just(OsString::from("2025-06-30")),
        4 => odd,
    ]
    .boxed()
}

/// Bytes that are no UTF-8 at all, as a path or an argument can be on Unix.
fn non_utf8() -> OsString {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        OsString::from_vec(b"caf\xe9-\xff\xfe".to_vec())
    }
    #[cfg(not(unix))]
    {
        OsString::from("caf\u{e9}")
    }
}

/// A path to read: the real one, missing, empty, a file for a folder, non-UTF-8.
fn input_path(real: PathBuf) -> BoxedStrategy<OsString> {
    let file = corpus().join("merchants.jsonl");
    prop_oneof![
        3 => Just(real.into_os_string()),
        1 => Just(OsString::from("")),
        1 => Just(OsString::from("/nonexistent/jingxuan")),
        1 => Just(file.into_os_string()),
        1 => Just(OsString::from("/dev/null")),
        1 => Just(non_utf8()),
    ]
    .boxed()
}

/// A path to write, relative to the case's own folder (the working directory): fresh,
/// nested in a missing folder, non-UTF-8, an existing file where a folder is wanted, empty.
fn output_path() -> BoxedStrategy<OsString> {
    prop_oneof![
        Just(OsString::from("out")),
        Just(OsString::from("missing/deeper/out")),
        Just(non_utf8()),
        Just(OsString::from(EXISTING_FILE)),
        Just(OsString::from("")),
    ]
    .boxed()
}

/// A file every case's folder holds, for arguments that want a folder.
const EXISTING_FILE: &str = "a-file";

/// The global input caps, each present or not.
fn caps() -> BoxedStrategy<Vec<OsString>> {
    let names = [
        "--max-line-bytes",
        "--max-text-chars",
        "--max-field-chars",
        "--max-tags",
        "--max-merchant-ids",
        "--max-aliases",
    ];
    prop::collection::vec((prop::sample::select(names.to_vec()), number()), 0..2)
        .prop_map(|pairs| {
            pairs
                .into_iter()
                .flat_map(|(n, v)| [OsString::from(n), v])
                .collect()
        })
        .boxed()
}

fn opt(flag: &str, value: Option<OsString>) -> Vec<OsString> {
    value.map_or_else(Vec::new, |v| vec![OsString::from(flag), v])
}

fn flag(name: &str, on: bool) -> Vec<OsString> {
    if on {
        vec![OsString::from(name)]
    } else {
        vec![]
    }
}

/// The arguments `select` and `report` share.
fn list_args() -> BoxedStrategy<Vec<OsString>> {
    let b = built();
    (
        input_path(corpus()),
        prop::option::of(input_path(b.store.clone())),
        text(),
        prop::option::of(number()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(input_path(corpus().join("merchants.jsonl"))),
    )
        .prop_map(|(corpus, store, city, limit, as_of, query, previous)| {
            let mut v = match store {
                Some(s) => vec![OsString::from("--store"), s],
                None => vec![corpus],
            };
            v.extend(opt("--city", Some(city)));
            v.extend(opt("--limit", limit));
            v.extend(opt("--as-of", as_of));
            v.extend(opt("--query", query));
            v.extend(opt("--previous", previous));
            v
        })
        .boxed()
}

/// One command line: a subcommand with random values for its arguments.
fn command_line() -> BoxedStrategy<Vec<OsString>> {
    let b = built();
    prop_oneof![
        (
            input_path(corpus()),
            any::<bool>(),
            prop::option::of(number()),
            any::<bool>()
        )
            .prop_map(|(c, lenient, max_problems, json)| {
                let mut v = vec![OsString::from("check"), c];
                v.extend(flag("--lenient", lenient));
                v.extend(opt("--max-problems", max_problems));
                v.extend(flag("--json", json));
                v
            }),
        (input_path(corpus()), output_path(), any::<bool>()).prop_map(|(c, out, json)| {
            let mut v = vec![OsString::from("index"), c, OsString::from("--index"), out];
            v.extend(flag("--json", json));
            v
        }),
        (
            input_path(b.index.clone()),
            text(),
            prop::option::of(text()),
            prop::option::of(number()),
            text()
        )
            .prop_map(|(index, city, category, limit, query)| {
                let mut v = vec![OsString::from("search"), OsString::from("--index"), index];
                v.extend(opt("--city", Some(city)));
                v.extend(opt("--category", category));
                v.extend(opt("--limit", limit));
                v.push(OsString::from("--"));
                v.push(query);
                v
            }),
        (
            input_path(corpus()),
            text(),
            prop::option::of(text()),
            prop::option::of(number())
        )
            .prop_map(|(c, city, as_of, limit)| {
                let mut v = vec![OsString::from("score"), c];
                v.extend(opt("--city", Some(city)));
                v.extend(opt("--as-of", as_of));
                v.extend(opt("--limit", limit));
                v
            }),
        (input_path(corpus()), text(), prop::option::of(text())).prop_map(|(c, m, as_of)| {
            let mut v = vec![OsString::from("explain"), c];
            v.extend(opt("--merchant", Some(m)));
            v.extend(opt("--as-of", as_of));
            v
        }),
        (list_args(), any::<bool>()).prop_map(|(args, json)| {
            let mut v = vec![OsString::from("select")];
            v.extend(args);
            v.extend(flag("--json", json));
            v
        }),
        (list_args(), output_path()).prop_map(|(args, out)| {
            let mut v = vec![OsString::from("report")];
            v.extend(args);
            v.extend(opt("--out", Some(out)));
            v
        }),
        (
            output_path(),
            prop::option::of(input_path(corpus())),
            prop::collection::vec(input_path(corpus()), 0..2),
            prop::option::of(text())
        )
            .prop_map(|(store, from, batches, as_of)| {
                let mut v = vec![OsString::from("update"), OsString::from("--store"), store];
                v.extend(opt("--from", from));
                v.extend(opt("--as-of", as_of));
                v.extend(batches);
                v
            }),
    ]
    .boxed()
}

/// Runs one command line with a timeout: its exit code, or why it has none.
fn run(args: &[OsString], cwd: &Path) -> Result<(i32, String), String> {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    // Drain both pipes on threads so that a chatty command cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut b).map(|_| b)
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut b).map(|_| b)
    });
    let status = match child.wait_timeout(TIMEOUT).map_err(|e| e.to_string())? {
        Some(s) => s,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no answer within {TIMEOUT:?} (killed)"));
        }
    };
    let stdout = out_t.join().unwrap().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&err_t.join().unwrap().unwrap_or_default()).into_owned();
    let code = status
        .code()
        .ok_or_else(|| format!("killed by a signal ({status}); stderr:\n{stderr}"))?;
    // A message on stderr, or the answer on stdout (`check --json` reports a bad corpus
    // there, with exit 1).
    if stdout.is_empty() && stderr.trim().is_empty() {
        return Err(format!("exit {code} without any message"));
    }
    Ok((code, stderr))
}

/// Exit codes seen, by code (0, 1, 2), for the summary.
static SEEN: [std::sync::atomic::AtomicUsize; 3] =
    [const { std::sync::atomic::AtomicUsize::new(0) }; 3];

fn check(args: &[OsString], cwd: &Path) -> Result<(), TestCaseError> {
    match run(args, cwd) {
        Ok((code @ 0..=2, _)) => {
            SEEN[code as usize].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        }
        Ok((code, stderr)) => Err(TestCaseError::fail(format!(
            "{args:?} exited {code}:\n{stderr}"
        ))),
        Err(why) => Err(TestCaseError::fail(format!("{args:?}: {why}"))),
    }
}

#[test]
fn every_subcommand_survives_random_arguments() {
    built();
    let scratch = tempfile::tempdir().unwrap();
    let cases = std::env::var("JINGXUAN_ARG_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (command_line(), caps());
    runner
        .run(&strategy, |(mut args, caps)| {
            // Global flags go before a `--` that may end the arguments.
            args.splice(1..1, caps);
            // Each case writes into a fresh folder, so cases cannot see each other's output.
            let case = tempfile::tempdir_in(scratch.path()).unwrap();
            std::fs::write(case.path().join(EXISTING_FILE), "not a folder").unwrap();
            check(&args, case.path())
        })
        .unwrap();
    let seen = SEEN
        .each_ref()
        .map(|n| n.load(std::sync::atomic::Ordering::Relaxed));
    eprintln!(
        "exit codes over {cases} command lines: 0: {}, 1: {}, 2: {}",
        seen[0], seen[1], seen[2]
    );
}

/// The arguments of the issue, and their neighbours: each must be refused quickly with a
/// message (they panicked, or did not finish).
#[test]
fn the_reported_arguments_are_refused_with_a_message() {
    let b = built();
    let c = corpus();
    let cases: Vec<Vec<OsString>> = vec![
        vec![
            "search".into(),
            "--index".into(),
            b.index.clone().into(),
            "--city".into(),
            "杭州".into(),
            "咖啡".into(),
            "--limit".into(),
            "18446744073709551615".into(),
        ],
        vec![
            "search".into(),
            "--index".into(),
            b.index.clone().into(),
            "--city".into(),
            "杭州".into(),
            "咖啡".into(),
            "--limit".into(),
            "100000000000".into(),
        ],
        vec![
            "select".into(),
            c.clone().into(),
            "--city".into(),
            "杭州".into(),
            "--limit".into(),
            "100000000".into(),
        ],
        vec![
            "select".into(),
            "--store".into(),
            b.store.clone().into(),
            "--city".into(),
            "杭州".into(),
            "--limit".into(),
            "18446744073709551615".into(),
        ],
        vec![
            "report".into(),
            c.clone().into(),
            "--city".into(),
            "杭州".into(),
            "--limit".into(),
            "100000000".into(),
            "--out".into(),
            "x.html".into(),
        ],
        vec![
            "score".into(),
            c.clone().into(),
            "--city".into(),
            "杭州".into(),
            "--limit".into(),
            "18446744073709551615".into(),
        ],
        vec![
            "check".into(),
            c.clone().into(),
            "--max-problems".into(),
            "18446744073709551615".into(),
        ],
        vec![
            "check".into(),
            c.into(),
            "--max-line-bytes".into(),
            "18446744073709551615".into(),
        ],
    ];
    let dir = tempfile::tempdir().unwrap();
    for args in cases {
        let (code, stderr) = run(&args, dir.path()).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert!(
            code == 1 || code == 2,
            "{args:?} exited {code}, not refused:\n{stderr}"
        );
        assert!(
            stderr.contains("limit") || stderr.contains("max-") || stderr.contains("max_"),
            "{args:?}: the message does not name the argument:\n{stderr}"
        );
    }
}
