//! Evidence: which merchant each note and review speaks of, and (later) what it says.

pub mod link;
