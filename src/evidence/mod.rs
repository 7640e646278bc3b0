//! Evidence: which merchant each note and review speaks of ([`link`]), what its text says
//! ([`sentiment`], with its lexicons in [`lexicon`]), and one [`Evidence`] per (document,
//! merchant) ([`extract`]).

pub mod extract;
pub mod lexicon;
pub mod link;
pub mod model;
pub mod reader;
pub mod sentiment;

pub use extract::{opinion_value, term_hash, Document, Evidence, EvidenceSet};
pub use sentiment::{
    Aspect, AspectSignal, AspectSignals, Cue, CueKind, ReturnIntent, SentimentModel, TextEvidence,
};
