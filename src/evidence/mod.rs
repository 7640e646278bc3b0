//! Evidence: which merchant each note and review speaks of, and what it says about it.

pub mod lexicon;
pub mod link;
pub mod sentiment;

pub use sentiment::{
    Aspect, AspectSignal, Cue, CueKind, ReturnIntent, SentimentModel, TextEvidence,
};
