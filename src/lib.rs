//! # jingxuan (精选)
//!
//! Curated city store lists from trustworthy word of mouth. The pipeline, one module each:
//!
//! corpus → text → evidence → trust → reputation → selection, with the search [`index`]
//! beside it. One way in per task:
//!
//! - analyse: [`Engine::analyze`] gives an owned [`Analysis`] (`Send + Sync`, cheap to
//!   clone) of a corpus as of an instant;
//! - score a city: [`Analysis::score_city`]; select its list: [`Analysis::select`] (a
//!   [`selection::SelectionPolicy`] and a [`selection::ListRequest`]); explain a merchant:
//!   [`Analysis::explain`]; look at one merchant's evidence: [`Analysis::merchant`];
//!   report: [`report::Report::new`] from an analysis and a selection;
//! - keep it live: [`store::Store`] applies batches and answers from
//!   [`store::Snapshot`]s (score, select, explain, search);
//! - errors: one [`Error`], with [`Error::kind`] for a service to map.
//!
//! Each stage is public for tools that study or reuse only part of it.
//!
//! - [`corpus`]: load and validate the JSON Lines corpus of `corpus-format.md`; commercial
//!   data is split off into a [`corpus::CommercialBook`] that scoring never receives.
//! - [`text`]: the one Chinese analyzer (normalisation, jieba segmentation, offsets).
//! - [`evidence`]: which merchant each note and review speaks of, and what it says.
//! - [`trust`]: how much each piece of evidence counts, and the manipulation flags.
//! - [`reputation`]: one score per merchant, eligibility, and why.
//! - [`selection`]: the curated list of a city under a policy, the review queue, supply
//!   gaps.
//! - [`report`]: a self-contained HTML report of a city's list for curators and merchant
//!   teams (cards, map, coverage grid, review queue, manipulation summary).
//! - [`index`]: the tantivy search index of notes and reviews.

#![forbid(unsafe_code)]
// Every public item is documented: a service author reads the docs first.
#![deny(missing_docs)]

pub mod corpus;
mod engine;
pub mod error;
pub mod evidence;
#[cfg(feature = "search")]
pub mod index;
#[cfg(feature = "report")]
pub mod report;
pub mod reputation;
pub mod selection;
pub mod shard;
#[cfg(feature = "store")]
pub mod store;
pub mod text;
pub mod trust;

pub use engine::{Analysis, Contribution, Engine, Explanation, MerchantView, WeighedEvidence};
pub use error::{Error, ErrorKind, InternalError, Problem, Result, UserError};

/// The README's examples, compiled as doc tests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
