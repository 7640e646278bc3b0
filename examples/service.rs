//! A web service over a shared [`Store`]: the shape a service author would give it.
//!
//! ```sh
//! cargo run --release --example service -- fixtures/demo 127.0.0.1:3000
//! curl 'http://127.0.0.1:3000/cities/杭州/list?limit=10&query=咖啡'
//! curl 'http://127.0.0.1:3000/merchants/m-hz-0103'
//! curl -X POST http://127.0.0.1:3000/batches -H 'content-type: application/json' \
//!      -d '{"reviews.jsonl": "{\"id\": \"r-new-1\", …}\n"}'
//! ```
//!
//! - `GET /cities/{city}/list?limit=N&query=Q`: the city's curated list (the `select`
//!   command's JSON).
//! - `GET /merchants/{id}`: everything behind one merchant's score (the `explain` JSON).
//! - `POST /batches`: a batch as a JSON object from corpus file names (`notes.jsonl`, …)
//!   to their JSON Lines; applied whole or refused whole, answered with the update's
//!   report.
//!
//! Errors map by [`ErrorKind`]: an unknown city or merchant is 404, a bad argument or
//! batch 400 (a `limit` that is no number, or past `SelectionPolicy::MAX_LIMIT`, too),
//! an internal fault 500. The library's CPU-bound calls (a city's first scoring, an
//! update) run on tokio's blocking threads, so they never stall the async workers; their
//! parallel parts use rayon's global pool (see `Engine`'s docs to use your own).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::error::ErrorKind;
use jingxuan::selection::{ListRequest, SelectionPolicy};
use jingxuan::store::{Store, StoreOptions, WarmUp};

/// The service's state: one store, shared by every request.
#[derive(Clone)]
struct App {
    store: Arc<Store>,
}

/// A library error as an HTTP answer.
struct ApiError(jingxuan::Error);

impl From<jingxuan::Error> for ApiError {
    fn from(e: jingxuan::Error) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self.0.kind() {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let body = serde_json::json!({ "error": self.0.to_string() });
        (status, Json(body)).into_response()
    }
}

/// A panic or cancellation of a blocking task: ours, not the caller's.
fn join_error(e: tokio::task::JoinError) -> ApiError {
    ApiError(jingxuan::InternalError::Invariant(format!("task failed: {e}")).into())
}

#[derive(Deserialize)]
struct ListParams {
    limit: Option<usize>,
    query: Option<String>,
}

async fn list(
    State(app): State<App>,
    Path(city): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let snapshot = app.store.snapshot();
    let list = tokio::task::spawn_blocking(move || {
        let mut policy = SelectionPolicy::default();
        if let Some(limit) = params.limit {
            policy.limit = limit;
        }
        let request = ListRequest {
            query: params.query.as_deref(),
            ..ListRequest::default()
        };
        snapshot.select(&city, &policy, &request)
    })
    .await
    .map_err(join_error)??;
    Ok(Json(list).into_response())
}

async fn explain(State(app): State<App>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let snapshot = app.store.snapshot();
    let x = tokio::task::spawn_blocking(move || snapshot.explain(&id))
        .await
        .map_err(join_error)??;
    Ok(Json(x).into_response())
}

async fn batch(
    State(app): State<App>,
    Json(files): Json<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let report = tokio::task::spawn_blocking(move || {
        let readers = files
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_bytes()));
        app.store.apply_batch_from_readers(readers)
    })
    .await
    .map_err(join_error)??;
    Ok(Json(report).into_response())
}

/// The service's routes over `store`.
fn router(store: Arc<Store>) -> Router {
    Router::new()
        .route("/cities/{city}/list", get(list))
        .route("/merchants/{id}", get(explain))
        .route("/batches", post(batch))
        .with_state(App { store })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let corpus_dir = args.next().unwrap_or_else(|| "fixtures/demo".into());
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:3000".into());
    let loaded = corpus::load(corpus_dir.as_ref(), &LoadOptions::default())?;
    // Every generation is scored and listed before it is published, so no request (the
    // first after a batch included) pays for a city's scoreboard.
    let options = StoreOptions {
        warm: WarmUp::All,
        ..StoreOptions::default()
    };
    let store = tokio::task::spawn_blocking(move || Store::build(loaded, options)).await??;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("serving {corpus_dir} on http://{addr}");
    axum::serve(listener, router(Arc::new(store))).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    fn demo() -> Router {
        static STORE: std::sync::OnceLock<Arc<Store>> = std::sync::OnceLock::new();
        let store = STORE.get_or_init(|| {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo");
            let loaded = corpus::load(dir.as_ref(), &LoadOptions::default()).unwrap();
            Arc::new(Store::build(loaded, StoreOptions::default()).unwrap())
        });
        router(Arc::clone(store))
    }

    async fn call(req: Request<Body>) -> (StatusCode, serde_json::Value) {
        let res = demo().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 64 << 20)
            .await
            .unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    async fn get(uri: &str) -> (StatusCode, serde_json::Value) {
        call(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    /// `杭州` percent-encoded, as a client sends it.
    const HZ: &str = "%E6%9D%AD%E5%B7%9E";

    #[tokio::test]
    async fn lists_explains_and_answers_4xx_for_bad_requests() {
        let (status, list) = get(&format!("/cities/{HZ}/list?limit=5")).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let stores = list["stores"].as_array().unwrap();
        assert!(!stores.is_empty() && stores.len() <= 5);
        let id = stores[0]["merchant_id"].as_str().unwrap();

        let (status, x) = get(&format!("/merchants/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{x}");
        assert_eq!(x["merchant_id"], id);
        assert!(
            x["why_not"].as_array().unwrap().is_empty(),
            "a listed shop has no why-not"
        );

        // Unknown city or merchant: 404, naming it.
        let (status, e) = get("/cities/%E5%8C%97%E4%BA%AC/list").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(e["error"].as_str().unwrap().contains("北京"));
        assert_eq!(get("/merchants/m-nobody").await.0, StatusCode::NOT_FOUND);
        // A limit past the policy's bound, a negative or non-numeric one, a blank query: 400.
        for q in [
            "limit=10001",
            "limit=18446744073709551615",
            "limit=-1",
            "limit=abc",
            "query=%20",
        ] {
            let (status, _) = get(&format!("/cities/{HZ}/list?{q}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        }
    }

    #[tokio::test]
    async fn a_batch_posted_as_json_is_applied_and_read_by_the_next_request() {
        // A store of its own: this test changes it.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo");
        let loaded = corpus::load(dir.as_ref(), &LoadOptions::default()).unwrap();
        let store = Arc::new(Store::build(loaded, StoreOptions::default()).unwrap());
        let app = router(Arc::clone(&store));
        let review = r#"{"id":"r-svc-1","author_id":"u-000483","merchant_id":"m-gz-0002","created_at":"2023-11-03T00:00:00+08:00","rating":5.0,"text":"又来了一次，精酿还是很好喝"}"#;
        let body = serde_json::json!({ "reviews.jsonl": format!("{review}\n") }).to_string();
        let req = Request::post("/batches")
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(report["generation"], 2, "{report}");
        assert_eq!(store.snapshot().generation(), 2);
        assert!(store.snapshot().corpus().reviews.contains_key("r-svc-1"));
        let req = Request::get("/merchants/m-gz-0002")
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.oneshot(req).await.unwrap().status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a_bad_batch_is_refused_whole_with_a_400() {
        let body = serde_json::json!({ "reviews.jsonl": "{\"id\": 1}\n" }).to_string();
        let req = Request::post("/batches")
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let (status, e) = call(req).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
        assert!(
            e["error"].as_str().unwrap().contains("reviews.jsonl"),
            "{e}"
        );
        let body = serde_json::json!({ "menu.jsonl": "" }).to_string();
        let req = Request::post("/batches")
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        assert_eq!(call(req).await.0, StatusCode::BAD_REQUEST);
    }
}
