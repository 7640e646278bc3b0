//! The committed demo corpus and its analysis, loaded once per test binary.

use std::path::Path;
use std::sync::OnceLock;

use jingxuan::corpus::{self, Corpus, LoadOptions};
use jingxuan::{Analysis, Engine};

/// `fixtures/demo`.
pub fn demo() -> &'static Corpus {
    static C: OnceLock<Corpus> = OnceLock::new();
    C.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        corpus::load(&dir, &LoadOptions::default()).unwrap().corpus
    })
}

/// The demo analysed as of its latest timestamp.
pub fn analysis() -> &'static Analysis {
    static A: OnceLock<Analysis> = OnceLock::new();
    A.get_or_init(|| {
        Engine::for_corpus(demo())
            .unwrap()
            .analyze(demo().clone(), None)
    })
}
