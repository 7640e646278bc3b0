//! Fault injection for the crash tests (`cli/tests/crash.rs`): `update --crash-at STEP`
//! aborts the process at a step of an update, `update --step-log FILE` records each step
//! reached, so that a test which kills the process can tell where it was. Compiled only
//! with the `fault-injection` feature, which the command's own tests turn on; a release
//! build has neither flag nor code to abort.

#[cfg(not(feature = "fault-injection"))]
use jingxuan::{store::Step, Error};

#[cfg(feature = "fault-injection")]
mod enabled {
    use std::fs::{File, OpenOptions};
    use std::io::Write;
    use std::path::PathBuf;

    use jingxuan::store::Step;
    use jingxuan::{Error, UserError};

    #[derive(clap::Args, Debug, Default, Clone)]
    pub struct FaultArgs {
        /// Abort the process when an update reaches this step (loaded, analyzed,
        /// state-written, index-written, index-committed, published): for crash tests
        #[arg(long, hide = true, value_name = "STEP")]
        pub crash_at: Option<String>,
        /// Append `begin`, each step reached and `end` of every batch to FILE, one a line:
        /// for crash tests
        #[arg(long, hide = true, value_name = "FILE")]
        pub step_log: Option<PathBuf>,
    }

    pub struct Fault {
        crash_at: Option<Step>,
        log: Option<File>,
    }

    impl Fault {
        pub fn new(args: FaultArgs) -> Result<Fault, Error> {
            let crash_at = match args.crash_at {
                None => None,
                Some(name) => Some(
                    Step::ALL
                        .into_iter()
                        .find(|s| s.name() == name)
                        .ok_or_else(|| UserError::InvalidArgument {
                            what: "--crash-at".into(),
                            reason: format!("unknown step {name:?}"),
                        })?,
                ),
            };
            let log = match args.step_log {
                None => None,
                Some(path) => Some(
                    OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&path)
                        .map_err(|source| UserError::Unwritable { path, source })?,
                ),
            };
            Ok(Fault { crash_at, log })
        }

        pub fn note(&mut self, what: &str) {
            if let Some(f) = &mut self.log {
                // One write per line: a killed process leaves whole lines.
                let _ = f.write_all(format!("{what}\n").as_bytes());
            }
        }

        pub fn step(&mut self, step: Step) {
            self.note(step.name());
            if Some(step) == self.crash_at {
                std::process::abort();
            }
        }
    }
}

#[cfg(feature = "fault-injection")]
pub use enabled::{Fault, FaultArgs};

/// Without the feature: no flags, nothing happens.
#[cfg(not(feature = "fault-injection"))]
#[derive(Debug, Default, Clone)]
pub struct FaultArgs;

#[cfg(not(feature = "fault-injection"))]
pub struct Fault;

#[cfg(not(feature = "fault-injection"))]
impl Fault {
    pub fn new(_: FaultArgs) -> Result<Fault, Error> {
        Ok(Fault)
    }
    pub fn note(&mut self, _: &str) {}
    pub fn step(&mut self, _: Step) {}
}
