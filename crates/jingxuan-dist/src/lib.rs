//! The national run of jingxuan on Apache DataFusion, distributed by Apache Ballista.
//!
//! A corpus becomes tables ([`rows`], [`tables`]; [`export`] writes them as
//! city-partitioned Parquet). The plan ([`plan`]) is one query: the authors' summaries are
//! an aggregation over every document; each city's rows, with the summaries of the authors
//! who wrote there, are gathered by a user-defined aggregate function (`jx_city`, grouped
//! by city) that runs the library's pipeline on them; the results become the `lists`,
//! `scoreboards` and `gaps` tables ([`output`]). [`cluster`] runs the plan on an in-process
//! Ballista cluster, or on a real one whose scheduler and executors register the same
//! functions.

pub mod city;
pub mod cluster;
pub mod export;
pub mod output;
pub mod plan;
pub mod rows;
pub mod run;
pub mod tables;

use std::path::Path;

/// Why a distributed run failed.
#[derive(Debug, thiserror::Error)]
pub enum DistError {
    /// The corpus breaks the contract, or a file could not be read or written.
    #[error(transparent)]
    Corpus(#[from] jingxuan::Error),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A bad argument.
    #[error("{0}")]
    Usage(String),
    #[error("arrow: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    #[error("parquet: {0}")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    #[error("datafusion: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error("ballista: {0}")]
    Ballista(String),
    /// The plan met data it cannot have been given by `export` (an internal fault).
    #[error("plan: {0}")]
    Plan(String),
}

impl DistError {
    pub fn io(path: &Path, source: std::io::Error) -> DistError {
        DistError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// The command's exit code: 1 bad input, 2 usage, 3 internal.
    pub fn exit_code(&self) -> u8 {
        match self {
            DistError::Corpus(jingxuan::Error::User(_)) | DistError::Io { .. } => 1,
            DistError::Usage(_) => 2,
            _ => 3,
        }
    }
}
