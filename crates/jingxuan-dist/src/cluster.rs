//! Where the plan runs: an in-process Ballista cluster (scheduler and N executors in this
//! process, talking gRPC over loopback), a remote cluster, and the two processes a real
//! cluster is made of, each with jingxuan's functions registered.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista::extension::{SessionConfigExt, SessionStateExt};
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::plan::{register_functions, register_functions_on_state};
use crate::DistError;

fn ballista_err(e: impl std::fmt::Display) -> DistError {
    DistError::Ballista(e.to_string())
}

/// A session state with DataFusion's defaults, Ballista's settings and jingxuan's
/// functions. `partitions` is the target partition count of the plan's scans and
/// repartitions (the shuffle's width).
pub fn jingxuan_state(partitions: usize) -> Result<SessionState, DistError> {
    let mut config = SessionConfig::new_with_ballista()
        .with_target_partitions(partitions.max(1))
        .with_ballista_standalone_parallelism(partitions.max(1));
    // Plain Utf8 columns: the functions read strings as Utf8.
    config
        .options_mut()
        .execution
        .parquet
        .schema_force_view_types = false;
    let mut state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .build();
    register_functions_on_state(&mut state)?;
    Ok(state)
}

/// An in-process cluster: one scheduler and `executors` executors of `vcores` task slots
/// each, all in this process (loopback gRPC and Arrow Flight, shuffle files in temporary
/// folders). The context sends every query to the scheduler.
pub async fn standalone(executors: usize, vcores: usize) -> Result<SessionContext, DistError> {
    if executors == 0 || vcores == 0 {
        return Err(DistError::Usage(
            "a cluster needs at least one executor with one task slot".into(),
        ));
    }
    // Functions go on the state before the cluster is made (the scheduler and executors
    // copy its registry) and on the client's context after (making a client state for
    // Ballista replaces the registry it was given).
    let state = jingxuan_state(executors * vcores)?;
    let addr = ballista_scheduler::standalone::new_standalone_scheduler_from_state(&state)
        .await
        .map_err(ballista_err)?;
    let url = format!("http://localhost:{}", addr.port());
    // The scheduler's server starts in a spawned task: retry until it answers, but not
    // forever (a scheduler that never listens must fail the run, not hang it).
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let scheduler = loop {
        match SchedulerGrpcClient::connect(url.clone()).await {
            Ok(s) => break s,
            Err(e) if tokio::time::Instant::now() >= deadline => {
                return Err(ballista_err(format!(
                    "the in-process scheduler at {url} did not answer within 30 s: {e}"
                )))
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    };
    for _ in 0..executors {
        ballista_executor::new_standalone_executor_from_state(scheduler.clone(), vcores, &state)
            .await
            .map_err(ballista_err)?;
    }
    let client = state.upgrade_for_ballista(url)?;
    let ctx = SessionContext::new_with_state(client);
    register_functions(&ctx);
    Ok(ctx)
}

/// A context on a remote cluster whose scheduler listens at `url` (`df://host:port`),
/// with jingxuan's functions.
pub async fn remote(url: &str, partitions: usize) -> Result<SessionContext, DistError> {
    use ballista::prelude::SessionContextExt;
    let ctx = SessionContext::remote_with_state(url, jingxuan_state(partitions)?).await?;
    register_functions(&ctx);
    Ok(ctx)
}

/// Runs a scheduler on `addr` until the process ends; its sessions know jingxuan's
/// functions.
pub async fn run_scheduler(addr: SocketAddr) -> Result<(), DistError> {
    use ballista_scheduler::cluster::BallistaCluster;
    use ballista_scheduler::config::SchedulerConfig;
    let mut config = SchedulerConfig::default()
        .with_hostname(addr.ip().to_string())
        .with_port(addr.port());
    config.bind_host = addr.ip().to_string();
    let config = config.with_override_session_builder(Arc::new(|config: SessionConfig| {
        let mut state = SessionStateBuilder::new()
            .with_default_features()
            .with_config(config)
            .build();
        register_functions_on_state(&mut state)?;
        Ok(state)
    }));
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(ballista_err)?;
    ballista_scheduler::scheduler_process::start_server(cluster, addr, Arc::new(config))
        .await
        .map_err(ballista_err)
}

/// Where an executor listens and whom it serves.
pub struct ExecutorOptions {
    pub bind_host: String,
    /// The host name the scheduler and other executors reach this one by.
    pub external_host: Option<String>,
    pub port: u16,
    pub grpc_port: u16,
    pub scheduler_host: String,
    pub scheduler_port: u16,
    pub vcores: usize,
    /// Where shuffle files go (a temporary folder when `None`).
    pub work_dir: Option<String>,
}

/// Runs an executor until the process ends; it knows jingxuan's functions.
pub async fn run_executor(opts: ExecutorOptions) -> Result<(), DistError> {
    use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
    let state = jingxuan_state(opts.vcores)?;
    let config = ExecutorProcessConfig {
        bind_host: opts.bind_host,
        external_host: opts.external_host,
        port: opts.port,
        grpc_port: opts.grpc_port,
        scheduler_host: opts.scheduler_host,
        scheduler_port: opts.scheduler_port,
        vcores: opts.vcores,
        work_dir: opts.work_dir,
        override_function_registry: Some(Arc::new((&state).into())),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(ballista_err)
}
