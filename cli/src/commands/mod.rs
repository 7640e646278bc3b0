//! One module per subcommand: its arguments (`Args`, whose doc comment is the
//! subcommand's help) and `run`, which returns the exit code or an error for `main` to map.

pub mod check;
pub mod explain;
pub mod index;
pub mod report;
pub mod score;
pub mod search;
pub mod select;
pub mod update;
