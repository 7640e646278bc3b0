//! Chinese text analysis shared by indexing and scoring.
