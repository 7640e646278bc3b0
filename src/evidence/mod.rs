//! Evidence: which merchant each note and review speaks of, and what it says.
