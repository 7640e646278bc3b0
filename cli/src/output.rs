//! Tables for people (aligned by display width, so Chinese lines up) and JSON for programs.

use std::io::Write;

use unicode_width::UnicodeWidthStr;

/// Cells wider than this are cut with `…`, so one long name cannot wreck the layout.
const MAX_CELL_WIDTH: usize = 40;
/// The last column (a snippet, a list of flags) may run longer: nothing follows it.
const MAX_LAST_CELL_WIDTH: usize = 140;

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        let last = self.header.len().saturating_sub(1);
        self.rows.push(
            cells
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    let max = if i == last {
                        MAX_LAST_CELL_WIDTH
                    } else {
                        MAX_CELL_WIDTH
                    };
                    truncate(&c, max)
                })
                .collect(),
        );
    }

    pub fn print(&self) {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.width());
            }
        }
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let mut line = |cells: &[String]| {
            let mut s = String::new();
            for (i, cell) in cells.iter().enumerate().take(columns) {
                s.push_str(cell);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(widths[i] - cell.width() + 2));
                }
            }
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = writeln!(out, "{}", s.trim_end());
        };
        line(&self.header);
        for row in &self.rows {
            line(row);
        }
    }
}

fn truncate(cell: &str, max: usize) -> String {
    if cell.width() <= max {
        return cell.to_string();
    }
    let mut out = String::new();
    for c in cell.chars() {
        if out.width() + 2 > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Pretty JSON on stdout, one document per run.
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = writeln!(out);
}

/// `println!` that ends the process quietly when stdout is closed (`jingxuan … | head`)
/// instead of panicking like `println!` does.
macro_rules! outln {
    () => { $crate::output::write_line(format_args!("")) };
    ($($arg:tt)*) => { $crate::output::write_line(format_args!($($arg)*)) };
}
pub(crate) use outln;

/// Writes one line to stdout; a broken pipe exits with success, as `head` asked for no more.
pub fn write_line(args: std::fmt::Arguments<'_>) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = writeln!(out, "{args}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// How a command prints its answer: JSON for programs (`--json`), tables and lines for
/// people. Every subcommand's output shapes are below, so the command-line contract
/// (`docs/corpus-format.md`) is read in one file.
pub mod render {
    use jingxuan::corpus::{Corpus, Loaded};
    use jingxuan::evidence::link::NoteLinks;
    use jingxuan::index::SearchHit;
    use jingxuan::reputation::Scoreboard;
    use jingxuan::selection::Selection;
    use jingxuan::{Contribution, Explanation};

    use super::{print_json, Table};

    /// `score`: every merchant of the board (JSON), or the first `limit` as a table.
    pub fn board(board: &Scoreboard, corpus: &Corpus, limit: usize, json: bool) {
        let merchants = &corpus.merchants;
        if json {
            let rows: Vec<_> = board
                .merchants
                .iter()
                .map(|s| {
                    let m = merchants.get(&s.merchant_id);
                    serde_json::json!({
                        "merchant_id": s.merchant_id,
                        "score": s.score,
                        "eligible": s.eligible,
                        "flags": s.flags.iter().map(|f| f.kind).collect::<Vec<_>>(),
                        "name": m.map(|m| m.display_name()),
                        "category": m.map(|m| &m.category),
                        "district": m.and_then(|m| m.district.as_ref()),
                        "mean": s.mean,
                        "prior": s.prior,
                        "credible_weight": s.credible_weight,
                        "effective_opinions": s.effective_opinions,
                        "evidence_count": s.evidence_count,
                        "discounted_count": s.discounted_count,
                        "ineligible": s.ineligible,
                        "ineligible_reason": s.ineligible.as_ref().map(|r| r.explain_zh()),
                        "flag_details": s.flags,
                    })
                })
                .collect();
            print_json(&serde_json::json!({
                "city": board.city,
                "as_of": board.as_of,
                "merchants": rows,
            }));
            return;
        }
        let mut table = Table::new(&[
            "#", "merchant", "name", "category", "score", "opinions", "eligible", "flags",
        ]);
        for (i, s) in board.merchants.iter().take(limit).enumerate() {
            let m = merchants.get(&s.merchant_id);
            table.row(vec![
                (i + 1).to_string(),
                s.merchant_id.clone(),
                m.map(|m| m.display_name()).unwrap_or_default(),
                m.map(|m| m.category.clone()).unwrap_or_default(),
                format!("{:.1}", s.score),
                format!("{} ({:.1})", s.evidence_count, s.effective_opinions),
                match &s.ineligible {
                    None => "yes".into(),
                    Some(r) => format!("no: {}", r.explain_zh()),
                },
                s.flags
                    .iter()
                    .map(|f| f.kind.label_zh())
                    .collect::<Vec<_>>()
                    .join(", "),
            ]);
        }
        table.print();
        outln!(
            "{} merchants in {} as of {}; showing {}",
            board.merchants.len(),
            board.city,
            board.as_of,
            limit.min(board.merchants.len())
        );
    }

    /// `explain`.
    pub fn explanation(x: &Explanation, json: bool) {
        if json {
            print_json(x);
            return;
        }
        outln!(
            "{}  {}  {}  ({})",
            x.merchant_id,
            x.name,
            x.category,
            x.city
        );
        outln!("as of {}", x.as_of);
        for line in &x.summary {
            outln!("  {line}");
        }
        if !x.why_not.is_empty() {
            outln!();
            outln!("为什么没有入选 (why not on the list, default policy):");
            for line in &x.why_not {
                outln!("  - {line}");
            }
        }
        let show = |title: &str, list: &[Contribution]| {
            if list.is_empty() {
                return;
            }
            outln!();
            outln!("{title}");
            let mut table = Table::new(&[
                "doc",
                "kind",
                "star",
                "opinion",
                "weight",
                "pull",
                "discounts",
                "text",
            ]);
            for c in list {
                table.row(vec![
                    c.doc_id.clone(),
                    c.kind.as_str().to_string(),
                    c.star
                        .map(|s| format!("{s:.1}"))
                        .unwrap_or_else(|| "-".into()),
                    format!("{:.0}", c.opinion),
                    format!("{:.3}", c.weight),
                    format!("{:+.3}", c.pull),
                    c.discounts
                        .iter()
                        .map(|d| d.label_zh())
                        .collect::<Vec<_>>()
                        .join(", "),
                    c.snippet.clone(),
                ]);
            }
            table.print();
        };
        show("最有力的好评 (pulled the score up most):", &x.strongest_for);
        show(
            "最有力的差评 (pulled the score down most):",
            &x.strongest_against,
        );
        show("被降权的内容 (discounted by trust):", &x.discounted);
    }

    /// `select`: the list, the review queue, changes (with a previous list) and gaps.
    pub fn selection(sel: &Selection, json: bool) {
        if json {
            print_json(sel);
            return;
        }
        outln!(
            "精选门店 · {} · as of {} · {} stores from {} qualified",
            sel.city,
            sel.as_of,
            sel.stores.len(),
            sel.qualified
        );
        let mut table = Table::new(&[
            "#", "merchant", "name", "category", "district", "score", "reasons",
        ]);
        for p in &sel.stores {
            table.row(vec![
                p.rank.to_string(),
                p.merchant_id.clone(),
                p.name.clone(),
                p.category.clone(),
                p.district.clone().unwrap_or_default(),
                format!("{:.1}", p.score),
                p.reasons.join("；"),
            ]);
        }
        table.print();
        for r in &sel.relaxed {
            outln!(
                "relaxed {}: {} → {} ({})",
                r.constraint,
                r.from,
                r.to,
                r.reason
            );
        }
        if !sel.review_queue.is_empty() {
            outln!();
            outln!("待人工复核 (review queue): {}", sel.review_queue.len());
            let mut q = Table::new(&["merchant", "name", "score", "reason"]);
            for r in &sel.review_queue {
                q.row(vec![
                    r.merchant_id.clone(),
                    r.name.clone(),
                    format!("{:.1}", r.score),
                    r.reason.clone(),
                ]);
            }
            q.print();
        }
        if sel.had_previous() {
            outln!();
            for c in &sel.entered {
                outln!("+ {}  {}", c.merchant_id, c.reason);
            }
            for c in &sel.left {
                outln!("- {}  {}", c.merchant_id, c.reason);
            }
        }
        if !sel.gaps.is_empty() {
            outln!();
            outln!(
                "供给缺口 (supply gaps, biggest first; {} in all):",
                sel.gaps.len()
            );
            for g in sel.gaps.iter().take(10) {
                outln!("  {}", g.note);
            }
        }
    }

    /// `report`: one line about the page written.
    pub fn report_written(out: &std::path::Path, bytes: usize, sel: &Selection) {
        outln!(
            "wrote {} ({} bytes): 精选 {} of {} qualified in {}, {} in review, {} gaps, as of {}",
            out.display(),
            bytes,
            sel.stores.len(),
            sel.qualified,
            sel.city,
            sel.review_queue.len(),
            sel.gaps.len(),
            sel.as_of
        );
    }

    /// `search`.
    pub fn hits(city: &str, text: &str, hits: &[SearchHit], json: bool) {
        if json {
            print_json(&serde_json::json!({
                "city": city,
                "query": text,
                "hits": hits,
            }));
        } else if hits.is_empty() {
            outln!("no notes or reviews in {city} match {text:?}");
        } else {
            let mut table = Table::new(&["#", "doc", "kind", "merchants", "score", "snippet"]);
            for (i, h) in hits.iter().enumerate() {
                table.row(vec![
                    (i + 1).to_string(),
                    h.doc_id.clone(),
                    h.kind.as_str().to_string(),
                    h.merchant_ids.join(","),
                    format!("{:.2}", h.score),
                    h.snippet.replace('\n', " "),
                ]);
            }
            table.print();
        }
    }

    /// `check`, for people: every problem, the line accounting, links and counts.
    pub fn check_table(loaded: &Loaded, links: &NoteLinks) {
        let report = &loaded.report;
        for f in &report.files {
            for p in &f.problems {
                outln!("{p}");
            }
        }
        let mut table = Table::new(&[
            "file", "lines", "blank", "accepted", "edits", "deleted", "skipped",
        ]);
        for f in &report.files {
            if !f.present {
                table.row(vec![f.file.to_string(), "absent".into()]);
                continue;
            }
            let skipped: u64 = f.skipped.values().sum();
            let detail = if f.skipped.is_empty() {
                skipped.to_string()
            } else {
                let reasons: Vec<String> =
                    f.skipped.iter().map(|(k, v)| format!("{k} {v}")).collect();
                format!("{skipped} ({})", reasons.join(", "))
            };
            table.row(vec![
                f.file.to_string(),
                f.lines.to_string(),
                f.blank.to_string(),
                f.accepted.to_string(),
                f.replaced.to_string(),
                f.deleted.to_string(),
                detail,
            ]);
        }
        table.print();
        for w in &report.warnings {
            outln!("warning: {w}");
        }
        if report.warning_count > report.warnings.len() as u64 {
            outln!(
                "warning: … {} more warnings",
                report.warning_count - report.warnings.len() as u64
            );
        }
        let s = links.stats();
        outln!(
            "notes linked to merchants: {} by POI tag, {} by name in text, {} not linked ({} ambiguous name, {} no city)",
            s.by_tag, s.by_mention, s.unlinked, s.ambiguous, s.no_city
        );
        let c = &loaded.corpus;
        outln!(
            "corpus: {} merchants, {} authors, {} notes, {} reviews, {} visits, {} curation decisions",
            c.merchants.len(),
            c.authors.len(),
            c.notes.len(),
            c.reviews.len(),
            c.visits.len(),
            c.curation.len()
        );
        if report.is_clean() {
            outln!("clean");
        }
    }
}
