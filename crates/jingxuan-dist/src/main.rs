//! `jingxuan-dist`: the national run on Apache DataFusion and Ballista.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jingxuan::corpus::{self, LoadOptions, Timestamp};
use jingxuan::UserError;
use jingxuan_dist::cluster::{self, ExecutorOptions};
use jingxuan_dist::{export, run, DistError};

#[derive(Parser)]
#[command(
    name = "jingxuan-dist",
    version,
    about = "Score and select every city of a corpus on a Ballista cluster (in this process or remote)",
    after_help = "Exit codes: 0 success, 1 bad input, 2 usage error, 3 internal fault.

Examples:
  jingxuan-dist export --parquet fixtures/demo --out /tmp/demo-tables
  jingxuan-dist run --standalone fixtures/demo --out /tmp/demo-out --executors 2
  jingxuan-dist scheduler --bind 0.0.0.0:50050
  jingxuan-dist executor --scheduler sched-host:50050 --port 50051
  jingxuan-dist run --scheduler df://sched-host:50050 /shared/demo-tables --out /shared/out"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a corpus with the library's loader and write it as city-partitioned Parquet
    /// tables (merchants without `commercial`).
    Export {
        /// Write Parquet (the only format).
        #[arg(long, required = true)]
        parquet: bool,
        /// Corpus folder (the contract's .jsonl files)
        corpus: PathBuf,
        /// Output folder (new or empty)
        #[arg(long)]
        out: PathBuf,
    },
    /// Run the plan: author summaries, every city's pipeline, the lists, scoreboards and
    /// gaps as Parquet and JSON Lines under OUT.
    Run {
        /// Run on an in-process cluster.
        #[arg(
            long,
            conflicts_with = "scheduler",
            required_unless_present = "scheduler"
        )]
        standalone: bool,
        /// Run on the cluster whose scheduler is at this URL (df://HOST:PORT); INPUT must
        /// then be exported tables on storage every executor reads at the same path.
        #[arg(long, value_name = "URL")]
        scheduler: Option<String>,
        /// A corpus folder (exported first, into OUT/tables) or an `export --parquet` folder
        input: PathBuf,
        /// Output folder
        #[arg(long)]
        out: PathBuf,
        /// Executors of the in-process cluster
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        executors: u16,
        /// Task slots per executor (in-process); the plan's partitions for a remote cluster
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=256))]
        vcores: u16,
        /// The instant to score at (RFC 3339 or a date); default: the corpus's latest
        /// timestamp, as for `jingxuan score`
        #[arg(long, value_name = "T")]
        as_of: Option<String>,
        /// Only this city
        #[arg(long)]
        city: Option<String>,
    },
    /// Run a scheduler that knows jingxuan's functions (until killed).
    Scheduler {
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:50050")]
        bind: SocketAddr,
    },
    /// Run an executor that knows jingxuan's functions (until killed).
    Executor {
        /// The scheduler, HOST:PORT
        #[arg(long, default_value = "localhost:50050")]
        scheduler: String,
        /// Host to listen on
        #[arg(long, default_value = "127.0.0.1")]
        bind_host: String,
        /// Name others reach this executor by (default: its bind host)
        #[arg(long)]
        external_host: Option<String>,
        /// Arrow Flight port (shuffle reads)
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// gRPC port
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Task slots
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=256))]
        vcores: u16,
        /// Folder for shuffle files
        #[arg(long)]
        work_dir: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

async fn dispatch(command: Command) -> Result<(), DistError> {
    match command {
        Command::Export { corpus, out, .. } => {
            let loaded = corpus::load(&corpus, &LoadOptions::default())?;
            let s = export::export_parquet(&loaded.corpus, &out)?;
            println!(
                "wrote {} ({} files, {} bytes, {} rows, {} cities)",
                out.display(),
                s.files,
                s.bytes,
                s.rows,
                s.cities
            );
            Ok(())
        }
        Command::Run {
            standalone,
            scheduler,
            input,
            out,
            executors,
            vcores,
            as_of,
            city,
        } => {
            let as_of = as_of
                .map(|t| {
                    Timestamp::parse_date_or_rfc3339(&t)
                        .map(|t| t.to_rfc3339())
                        .map_err(|reason| {
                            DistError::Corpus(
                                UserError::InvalidArgument {
                                    what: format!("--as-of {t:?}"),
                                    reason,
                                }
                                .into(),
                            )
                        })
                })
                .transpose()?;
            let ctx = if standalone {
                cluster::standalone(executors.into(), vcores.into()).await?
            } else {
                let url = scheduler.unwrap_or_default();
                cluster::remote(&url, vcores.into()).await?
            };
            let tables = run::prepare_input(&input, &out)?;
            let report =
                run::run_to(&ctx, &tables, &out, as_of.as_deref(), city.as_deref()).await?;
            for c in &report.cities {
                eprintln!(
                    "{}: {} documents, {} ms in the pipeline, {} listed",
                    c.city, c.documents, c.millis, c.listed
                );
            }
            println!(
                "wrote {}: {} cities as of {} in {} ms",
                out.display(),
                report.cities.len(),
                report.as_of,
                report.millis
            );
            Ok(())
        }
        Command::Scheduler { bind } => cluster::run_scheduler(bind).await,
        Command::Executor {
            scheduler,
            bind_host,
            external_host,
            port,
            grpc_port,
            vcores,
            work_dir,
        } => {
            let (host, port_s) = scheduler.rsplit_once(':').ok_or_else(|| {
                DistError::Usage(format!("--scheduler {scheduler:?}: give HOST:PORT"))
            })?;
            let scheduler_port = port_s.parse().map_err(|_| {
                DistError::Usage(format!(
                    "--scheduler {scheduler:?}: the port is not a number"
                ))
            })?;
            cluster::run_executor(ExecutorOptions {
                bind_host,
                external_host,
                port,
                grpc_port,
                scheduler_host: host.to_string(),
                scheduler_port,
                vcores: vcores.into(),
                work_dir,
            })
            .await
        }
    }
}
