//! Deterministic, seeded generator of realistic jingxuan corpora.
//!
//! It writes the JSON Lines files of the corpus contract (`merchants.jsonl`,
//! `authors.jsonl`, `notes.jsonl`, `reviews.jsonl`, `visits.jsonl`, `curation.jsonl`) and,
//! beside them, `truth.jsonl`: each merchant's latent quality and planted manipulation,
//! each author's kind, and each document's label. The corpus loader ignores the truth file.
//!
//! The same [`GenConfig`] always yields the same bytes: every draw comes from one ChaCha8
//! stream seeded by [`GenConfig::seed`], time is fixed by [`GenConfig::as_of`], and no hash
//! map is iterated into output.

mod asap;
mod banks;
mod campaign;
mod clock;
mod model;
mod out;
mod plan;
mod rng;
mod text;

use std::fmt;
use std::io;
use std::path::Path;

pub use campaign::{CampaignSpace, Direction, Family};
pub use clock::{rfc3339, unix_of};
pub use model::City;

/// Default "now" of generated corpora: 2025-10-31T23:00:00+08:00.
pub const DEFAULT_AS_OF: i64 = 1_761_922_800;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenConfig {
    /// Seed of the single random stream.
    pub seed: u64,
    /// Cities, in output order (repeats are ignored; none gives an empty corpus).
    pub cities: Vec<City>,
    /// Merchants generated in each city (at least 30).
    pub merchants_per_city: usize,
    /// Notes plus reviews wanted in the full corpus (planted manipulation included).
    pub target_docs: usize,
    /// Leave out `reviews.jsonl`; everything else is the same world as the full corpus.
    pub notes_only: bool,
    /// Unix seconds of the corpus's "now"; documents span about two years before it.
    pub as_of: i64,
    /// The attack space: when set, the fixed planted scenarios (burst, attack, farm,
    /// template, soft ad, self-promotion) are replaced by campaigns drawn at random from
    /// these families, and the honest world is widened with behaviour that looks like an
    /// attack (one-shot reviewers, viral weeks, opening rushes, 霸王餐/没有合作 mentions).
    /// Off by default: the committed fixtures do not change.
    pub campaigns: Option<CampaignSpace>,
}

impl GenConfig {
    /// The committed demo corpus (`fixtures/demo`): three cities, 240 merchants each.
    pub fn small() -> GenConfig {
        GenConfig {
            seed: 20251031,
            cities: City::ALL.to_vec(),
            merchants_per_city: 240,
            target_docs: 6_000,
            notes_only: false,
            as_of: DEFAULT_AS_OF,
            campaigns: None,
        }
    }

    /// About `n` documents, with merchants scaled to keep ~30 documents per merchant.
    pub fn with_target_docs(n: usize) -> GenConfig {
        GenConfig {
            merchants_per_city: (n / 90).clamp(40, 20_000),
            target_docs: n,
            ..GenConfig::small()
        }
    }

    /// Named scales of the command line: `small`, `medium`, `large`.
    pub fn scale(name: &str) -> Option<GenConfig> {
        match name {
            "small" => Some(GenConfig::small()),
            "medium" => Some(GenConfig::with_target_docs(50_000)),
            "large" => Some(GenConfig::with_target_docs(300_000)),
            _ => None,
        }
    }

    /// The same merchants under campaigns drawn from `space`.
    pub fn with_campaigns(self, space: CampaignSpace) -> GenConfig {
        GenConfig {
            campaigns: Some(space),
            ..self
        }
    }

    /// The same world without reviews.
    pub fn notes_only(self) -> GenConfig {
        GenConfig {
            notes_only: true,
            ..self
        }
    }
}

/// Lines and bytes of one written file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub name: String,
    pub lines: usize,
    pub bytes: usize,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub files: Vec<FileSummary>,
}

impl Summary {
    /// Counts lines and bytes of generated files.
    pub fn of(files: &[(String, String)]) -> Summary {
        Summary {
            files: files
                .iter()
                .map(|(name, body)| FileSummary {
                    name: name.clone(),
                    lines: body.lines().filter(|l| !l.trim().is_empty()).count(),
                    bytes: body.len(),
                })
                .collect(),
        }
    }

    /// Total bytes over all files.
    pub fn total_bytes(&self) -> usize {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for file in &self.files {
            writeln!(
                f,
                "{:<16} {:>8} lines {:>10} bytes",
                file.name, file.lines, file.bytes
            )?;
        }
        write!(f, "{:<16} {:>25} bytes", "total", self.total_bytes())
    }
}

/// The corpus and truth files as `(file name, contents)`, in a fixed order.
pub fn generate_to_memory(config: &GenConfig) -> Vec<(String, String)> {
    let world = plan::build(config);
    out::render(config, &world)
}

/// Writes the corpus and `truth.jsonl` into `out_dir` (created if missing).
pub fn generate(config: &GenConfig, out_dir: &Path) -> io::Result<Summary> {
    let files = generate_to_memory(config);
    std::fs::create_dir_all(out_dir)?;
    for (name, body) in &files {
        std::fs::write(out_dir.join(name), body)?;
    }
    Ok(Summary::of(&files))
}
