//! The "never imports" rules of ARCHITECTURE.md ("Boundaries"), held by reading every
//! `crate::` path in the code of `src/` (comments and doc links aside).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The pipeline's stages, in the order data flows through them. A stage may import an
/// earlier one, never a later one.
const STAGES: [&str; 6] = [
    "text",
    "corpus",
    "evidence",
    "trust",
    "reputation",
    "selection",
];

/// What each module must never import.
fn forbidden(module: &str) -> Vec<&'static str> {
    let top = ["engine", "shard", "report", "index", "store"];
    let mut out: Vec<&'static str> = Vec::new();
    if let Some(at) = STAGES.iter().position(|s| *s == module) {
        // No stage imports a later stage, nor anything built on the stages.
        out.extend(&STAGES[at + 1..]);
        out.extend(top);
    }
    match module {
        // The ground floor: everything may use it, it uses nothing but errors.
        "error" => out.extend(STAGES.iter().chain(&top)),
        "text" => out.push("corpus"),
        // Search sits beside the judgement stages: it reads text, not scores. It is fed
        // from an `Analysis` (its corpus, links and analyzer), so it may name `engine`.
        "index" => out.extend(["trust", "reputation", "selection", "report", "store"]),
        "engine" | "shard" => out.extend(["report", "index", "store"]),
        "report" => out.extend(["index", "store"]),
        _ => {}
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/trust/duplicate.rs` → `trust`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The top-level modules a line of code names through `crate::` (`crate::a::b`,
/// `crate::{a, b::c}`), and whether it names something re-exported at the root
/// (`crate::Error`), which hides what it depends on.
fn crate_paths(line: &str) -> (Vec<String>, bool) {
    let code = line.split("//").next().unwrap_or("");
    let mut names = Vec::new();
    let mut through_root = false;
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let group = if let Some(inner) = rest.strip_prefix('{') {
            let end = inner.find('}').unwrap_or(inner.len());
            inner[..end]
                .split(',')
                .map(|p| p.trim().split("::").next().unwrap_or("").to_string())
                .collect()
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            vec![name]
        };
        for name in group.into_iter().filter(|n| !n.is_empty()) {
            if name.starts_with(|c: char| c.is_uppercase()) {
                through_root = true;
            } else {
                names.push(name);
            }
        }
    }
    (names, through_root)
}

#[test]
fn no_module_imports_what_the_boundaries_forbid() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut broken = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for file in &files {
        let module = module_of(&src, file);
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            let (names, through_root) = crate_paths(line);
            let at = format!("{}:{}", file.strip_prefix(&src).unwrap().display(), n + 1);
            if through_root {
                broken.insert(format!(
                    "{at}: names the crate root's re-export; import from the module"
                ));
            }
            for name in names {
                seen.insert((module.clone(), name.clone()));
                if forbidden(&module).contains(&name.as_str()) {
                    broken.insert(format!("{at}: {module} imports {name}"));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "boundaries broken:\n{}",
        broken.into_iter().collect::<Vec<_>>().join("\n")
    );
    // The reader above must see the imports it judges: a few that certainly exist.
    for (from, to) in [
        ("trust", "evidence"),
        ("selection", "reputation"),
        ("store", "engine"),
    ] {
        assert!(
            seen.contains(&(from.to_string(), to.to_string())),
            "found no import of {to} in {from}: the reader of `crate::` paths is broken"
        );
    }
}

#[test]
fn the_path_reader_sees_groups_and_ignores_comments() {
    assert_eq!(
        crate_paths("use crate::{corpus::Corpus, text};").0,
        ["corpus", "text"]
    );
    assert_eq!(
        crate_paths("    let x = crate::text::snippet(t, 60); // crate::engine").0,
        ["text"]
    );
    assert!(crate_paths("fn f() -> crate::Result<()> {").1);
    assert!(crate_paths("pub(crate) fn g() {}").0.is_empty());
}
