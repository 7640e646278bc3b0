//! Evidence: which merchant each note and review speaks of ([`link`]), what its text says
//! ([`sentiment`]), and one [`Evidence`] per (document, merchant) ([`extract`]).

pub mod extract;
pub mod link;
pub mod sentiment;

pub use extract::{opinion_value, Document, Evidence, EvidenceSet};
