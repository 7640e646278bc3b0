//! The HTML report: structure on the committed demo (a card per pick, a map mark per
//! located merchant, gaps marked in the grid), self-containment, determinism, escaping,
//! and — where Chromium is installed — that a browser renders it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::report::{escape_html, Report};
use jingxuan::selection::{ListRequest, SelectionPolicy};
use jingxuan::{Analysis, Engine};

mod common;
use common::{analysis, demo};

const CITY: &str = "杭州";

/// The list of `city` and its report, as a caller makes them: select, then report.
fn build(
    analysis: &Analysis,
    city: &str,
    policy: &SelectionPolicy,
    previous: Option<&[String]>,
) -> jingxuan::Result<Report> {
    let request = ListRequest {
        previous,
        ..Default::default()
    };
    Report::new(analysis, &analysis.select(city, policy, &request)?)
}

fn report() -> &'static (Report, String) {
    static R: OnceLock<(Report, String)> = OnceLock::new();
    R.get_or_init(|| {
        let r = build(analysis(), CITY, &SelectionPolicy::default(), None).unwrap();
        let html = r.render_html();
        (r, html)
    })
}

/// The text between `start` (inclusive) and the first `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} missing"));
    let j = html[i..].find(end).map_or(html.len(), |j| i + j);
    &html[i..j]
}

/// Values of `attr="…"` in `html`, in order.
fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let key = format!("{attr}=\"");
    html.match_indices(&key)
        .filter_map(|(i, _)| {
            let rest = &html[i + key.len()..];
            rest.find('"').map(|j| &rest[..j])
        })
        .collect()
}

#[test]
fn every_pick_has_a_card() {
    let (r, html) = report();
    let picks = &r.selection().stores;
    assert!(picks.len() >= 20, "the demo list has {} picks", picks.len());
    let cards = between(html, "<section id=\"list\">", "</section>");
    for p in picks {
        let card = format!(
            "<article class=\"card\" id=\"m-{0}\" data-merchant=\"{0}\">",
            p.merchant_id
        );
        assert!(cards.contains(&card), "no card for {}", p.merchant_id);
    }
    assert_eq!(
        cards.matches("<article class=\"card\"").count(),
        picks.len()
    );
    // Each card shows the Chinese reasons, two of the pick's cited documents with their
    // ids, and the score's uncertainty.
    for p in picks {
        let card = between(
            cards,
            &format!("data-merchant=\"{}\"", p.merchant_id),
            "</article>",
        );
        for r in &p.reasons {
            assert!(card.contains(&escape_html(r)), "{r} missing");
        }
        let cited = p
            .evidence
            .iter()
            .filter(|e| card.contains(&format!(" {} · ", e.doc_id)))
            .count();
        assert_eq!(cited, p.evidence.len().min(2), "{}", p.merchant_id);
        assert_eq!(card.matches("<blockquote").count(), cited);
        assert!(card.contains("标准误") && card.contains(&format!("{:.1}", p.score)));
    }
}

#[test]
fn the_map_has_one_mark_per_merchant_with_coordinates() {
    let (r, html) = report();
    let located: BTreeSet<&str> = demo()
        .merchants
        .values()
        .filter(|m| m.city == CITY && m.location.is_some())
        .map(|m| m.id.as_str())
        .collect();
    assert!(located.len() > 100);
    let svg = between(html, "<svg class=\"map\"", "</svg>");
    assert!(svg.contains("viewBox=\"0 0 "));
    assert!(svg.contains("width=\"100%\""));
    assert_eq!(svg.matches("<circle ").count(), located.len());
    let marked = attr_values(svg, "data-merchant");
    assert_eq!(marked.len(), located.len(), "one mark each");
    assert_eq!(marked.iter().copied().collect::<BTreeSet<_>>(), located);
    assert_eq!(
        svg.matches("<title>").count(),
        located.len(),
        "a tooltip each"
    );
    // Picks are highlighted.
    assert_eq!(
        svg.matches("<circle class=\"sel\"").count(),
        r.selection().stores.len()
    );
}

#[test]
fn the_coverage_grid_marks_the_biggest_gap() {
    let (r, html) = report();
    let grid = between(html, "<section id=\"coverage\"", "</section>");
    let gap = &r.selection().gaps[0];
    let key = format!(
        "data-district=\"{}\" data-category=\"{}\"",
        escape_html(&gap.district),
        escape_html(&gap.category)
    );
    let at = grid.find(&key).expect("the gap's cell is in the grid");
    let td = &grid[grid[..at].rfind("<td").unwrap()..];
    let td = &td[..td.find("</td>").unwrap()];
    assert!(td.starts_with("<td class=\"gap"), "{td}");
    assert!(td.contains("缺口"), "{td}");
    // Every gap is marked, and nothing else is.
    assert_eq!(
        grid.matches("<td class=\"gap").count(),
        r.selection().gaps.len()
    );
    assert_eq!(
        grid.matches("<td ").count(),
        r.selection().coverage.len(),
        "one cell per district × category"
    );
}

#[test]
fn the_page_is_self_contained_and_deterministic() {
    let (r, html) = report();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("@import") && !html.contains("url("));
    assert!(!html.contains("<img") && !html.contains("<link"));
    assert!(html.contains("PingFang SC") && html.contains("Noto Sans CJK SC"));
    assert!(html.contains("<meta name=\"viewport\""));
    // Review queue and manipulation summary are there, with the flags' Chinese names.
    assert!(html.contains("<section id=\"review\">"));
    let flags = between(html, "<section id=\"flags\">", "</section>");
    assert!(flags.contains("疑似刷好评"), "the demo has bought bursts");
    // The same input gives the same bytes: rendered again, and built again.
    assert_eq!(&r.render_html(), html);
    let again = build(analysis(), CITY, &SelectionPolicy::default(), None).unwrap();
    assert_eq!(&again.render_html(), html);
    // And the date shown is the analysis's, not the wall clock's.
    let day = analysis().as_of().to_string();
    assert!(html.contains(&day[..10]));
}

#[test]
fn a_previous_list_shows_what_entered_and_left() {
    let (r, _) = report();
    let mut previous: Vec<String> = r
        .selection()
        .stores
        .iter()
        .skip(2)
        .map(|p| p.merchant_id.clone())
        .collect();
    previous.push("m-hz-9999".into());
    let policy = SelectionPolicy::default();
    let html = build(analysis(), CITY, &policy, Some(&previous))
        .unwrap()
        .render_html();
    let changes = between(&html, "<section id=\"changes\">", "</section>");
    assert!(changes.contains("新上榜") && changes.contains("下榜"));
    assert!(changes.contains("m-hz-9999"));
    // Without a previous list there is no such section.
    assert!(!report().1.contains("<section id=\"changes\">"));
}

#[test]
fn an_unknown_city_is_the_callers_error() {
    let e = build(analysis(), "北京", &SelectionPolicy::default(), None).unwrap_err();
    assert!(e.is_user_error());
}

/// A tiny corpus whose merchant names, districts, categories and texts are markup.
fn hostile_corpus(dir: &Path) {
    let name = "<script>alert(1)</script>";
    let merchants = [
        format!(
            r#"{{"id":"m-1","name":{},"city":"测试","district":"\"><b>区","category":"美食/<i>面","lat":30.25,"lng":120.15}}"#,
            serde_json::to_string(name).unwrap()
        ),
        r#"{"id":"m-2","name":"老实面馆 & 'Co'","city":"测试","district":"东区","category":"美食/面馆","lat":30.26,"lng":120.17}"#.to_string(),
    ];
    std::fs::write(dir.join("merchants.jsonl"), merchants.join("\n")).unwrap();
    // Distinct texts: the same words from every account would be flagged as a template.
    let praise = [
        "面很好吃，汤头浓郁",
        "服务热情，下次还来",
        "环境干净，上菜很快",
        "性价比高，分量足",
        "老板人很好，推荐牛肉面",
        "排队不久，味道正宗",
        "辣得过瘾，二刷了",
        "清淡爽口，适合早餐",
        "面条劲道，浇头新鲜",
        "小菜免费，很贴心",
        "装修朴素但是味道一流",
        "带朋友来吃都说好",
    ];
    let mut authors = Vec::new();
    let mut reviews = Vec::new();
    for (i, text) in praise.iter().enumerate() {
        authors.push(format!(
            r#"{{"id":"u-{i}","created_at":"2018-01-01T00:00:00+08:00","verified":true,"followers":50}}"#
        ));
        for m in ["m-1", "m-2"] {
            reviews.push(format!(
                r#"{{"id":"r-{m}-{i}","author_id":"u-{i}","merchant_id":"{m}","created_at":"2025-0{}-1{}T12:00:00+08:00","rating":5,"text":"<img src=x onerror=alert(1)> {m} {text}","verified_visit":true}}"#,
                1 + i % 9,
                i % 10
            ));
        }
    }
    std::fs::write(dir.join("authors.jsonl"), authors.join("\n")).unwrap();
    std::fs::write(dir.join("reviews.jsonl"), reviews.join("\n")).unwrap();
}

#[test]
fn corpus_text_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    hostile_corpus(dir.path());
    let loaded = corpus::load(dir.path(), &LoadOptions::default()).unwrap();
    let engine = Engine::for_corpus(&loaded.corpus).unwrap();
    let analysis = engine.analyze(loaded.corpus.clone(), None);
    let policy = SelectionPolicy::from_toml_str("min_score = 0\nmin_credible_weight = 0").unwrap();
    let report = build(&analysis, "测试", &policy, None).unwrap();
    let html = report.render_html();
    assert!(
        report
            .selection()
            .stores
            .iter()
            .any(|p| p.merchant_id == "m-1"),
        "the hostile merchant is listed, so its card is rendered: {:?}",
        report.selection()
    );
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "{html}");
    assert!(!lower.contains("<img"));
    assert!(!html.contains("<i>") && !html.contains("<b>区"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;&gt;&lt;b&gt;区"));
    assert!(html.contains("老实面馆 &amp; &#39;Co&#39;"));
    assert!(html.contains("&lt;img src=x"), "snippets are escaped too");
}

/// Chromium, where installed: the path given by `CHROMIUM`, `/usr/bin/chromium`, or
/// `chromium` / `chromium-browser` on PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| [d.join("chromium"), d.join("chromium-browser")])
        .find(|p| p.is_file())
}

/// Longest a screenshot may take before the browser is killed, so CI cannot hang.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether the environment promises a browser: CI sets `JINGXUAN_REQUIRE_CHROMIUM=1`
/// once it has installed one (`.ci/run`), and then a missing or failing browser is a
/// failure, not a skip.
fn chromium_required() -> bool {
    std::env::var_os("JINGXUAN_REQUIRE_CHROMIUM").is_some_and(|v| v != "0" && !v.is_empty())
}

/// Says the test skipped, and why, where the harness cannot hide it: `eprintln!` of a
/// passing test is captured and never shown, `std::io::stderr()` written directly is not.
fn announce_skip(why: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\nheadless_chromium_renders_a_screenshot: SKIPPED: {why}"
    );
}

#[test]
fn headless_chromium_renders_a_screenshot() {
    let Some(browser) = chromium() else {
        assert!(
            !chromium_required(),
            "JINGXUAN_REQUIRE_CHROMIUM is set but no chromium was found (CHROMIUM, \
             /usr/bin/chromium, or chromium / chromium-browser on PATH)"
        );
        let ci = if std::env::var("CI").is_ok_and(|v| v == "true") {
            " (CI=true, but CI did not install a browser: see .ci/run's output)"
        } else {
            ""
        };
        announce_skip(&format!(
            "chromium not found; install with apt-get install chromium{ci}"
        ));
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let png = dir.path().join("report.png");
    report().0.write_html(&page).unwrap();
    let profile = dir.path().join("profile");
    let log = dir.path().join("chromium.log");
    let mut child = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1280,2400")
        .arg(format!("file://{}", page.display()))
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        // A file, not a pipe: a chatty browser must not block on a full pipe.
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took more than {BROWSER_TIMEOUT:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(status.success(), "chromium failed ({status}):\n{stderr}");
    let bytes = std::fs::read(&png)
        .unwrap_or_else(|e| panic!("no screenshot at {} ({e}):\n{stderr}", png.display()));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // A blank page of this size compresses to a few kilobytes; the report is far busier.
    assert!(
        bytes.len() > 50_000,
        "screenshot only {} bytes: the page did not render",
        bytes.len()
    );
    eprintln!(
        "screenshot: {} bytes in {:.1} s",
        bytes.len(),
        started.elapsed().as_secs_f64()
    );
}
