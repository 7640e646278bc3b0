//! The tantivy search index of notes and reviews.
