//! # jingxuan (精选)
//!
//! Curated city store lists from trustworthy word of mouth. The pipeline, one module each:
//!
//! corpus → text → evidence → (trust → reputation → selection), with the search [`index`]
//! beside it.
//!
//! - [`corpus`]: load and validate the JSON Lines corpus of `corpus-format.md`.
//! - [`text`]: the one Chinese analyzer (normalisation, jieba segmentation, offsets).
//! - [`evidence`]: what each note and review says about which merchant.
//! - [`index`]: the tantivy search index of notes and reviews.

#![forbid(unsafe_code)]

pub mod corpus;
mod engine;
pub mod error;
pub mod evidence;
pub mod index;
pub mod reputation;
pub mod text;
pub mod trust;

pub use engine::{Analysis, Contribution, Engine, Explanation};
pub use error::{Error, InternalError, Problem, Result, UserError};
