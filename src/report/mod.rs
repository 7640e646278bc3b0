//! A visual report of one city's 精选 list for curators and merchant teams, as one
//! self-contained HTML page: the list as cards (score with its uncertainty, reasons,
//! evidence, flags), a map of every merchant, the district × category coverage grid with
//! its gaps, the review queue, what changed since the previous list, and a manipulation
//! summary.
//!
//! The page opens offline: inline CSS and SVG only, no script, font or image is fetched.
//! Every string from the corpus is escaped where it enters the page, and nothing reads the
//! wall clock (the date shown is the analysis's `as_of`), so the same input renders to the
//! same bytes.
//!
//! ```
//! use jingxuan::corpus::{self, LoadOptions};
//! use jingxuan::report::Report;
//! use jingxuan::selection::{ListRequest, SelectionPolicy};
//! use jingxuan::Engine;
//!
//! let loaded = corpus::load("fixtures/tiny".as_ref(), &LoadOptions::default())?;
//! let engine = Engine::for_corpus(&loaded.corpus)?;
//! let analysis = engine.analyze(loaded.corpus, None);
//! let list = analysis.select("杭州", &SelectionPolicy::default(), &ListRequest::default())?;
//! let report = Report::new(&analysis, &list)?;
//! let html = report.render_html();
//! // A card per listed store, and the same input renders to the same bytes.
//! for pick in &list.stores {
//!     assert!(html.contains(&format!("data-merchant=\"{}\"", pick.merchant_id)));
//! }
//! assert_eq!(html, Report::new(&analysis, &list)?.render_html());
//! // `report.write_html("report.html".as_ref())?` writes the page to a file.
//! # Ok::<(), jingxuan::Error>(())
//! ```

mod html;
mod map;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use crate::corpus::{LatLng, MerchantStatus, Timestamp};
use crate::engine::Analysis;
use crate::error::{Result, UserError};
use crate::reputation::MerchantScore;
use crate::selection::{Placement, Selection, SelectionPolicy};
use crate::trust::{Direction, FlagKind};

pub use html::escape_html;
use html::{escape_html as esc, f1};

/// Evidence snippets shown per card.
const CARD_EVIDENCE: usize = 2;
/// Gaps listed in words under the coverage grid.
const GAPS_LISTED: usize = 8;

/// One merchant of the city, as the report shows it.
#[derive(Debug, Clone)]
struct Shop {
    id: String,
    name: String,
    category: String,
    top: String,
    district: Option<String>,
    location: Option<LatLng>,
    status: MerchantStatus,
}

/// How much of a merchant's evidence trust discounted, as of the report's instant.
#[derive(Debug, Clone, Copy, Default)]
struct Discounted {
    /// Notes and reviews with at least one discount.
    docs: usize,
    /// Evidence weight (credibility × visit bonus × recency) the discounts took away.
    weight: f64,
    /// Evidence weight before any discount.
    before: f64,
}

/// Everything the page shows, gathered from one analysis; render with
/// [`render_html`](Report::render_html). See the [module](self)'s example.
#[derive(Debug, Clone)]
pub struct Report {
    city: String,
    as_of: Timestamp,
    policy: SelectionPolicy,
    selection: Selection,
    /// Whether the list was made against a previous one (the page then shows changes).
    previous: bool,
    /// The city's merchants, by id.
    shops: Vec<Shop>,
    scores: BTreeMap<String, MerchantScore>,
    discounted: BTreeMap<String, Discounted>,
    /// Standard errors below the mean the score is taken at.
    z: f64,
}

impl Report {
    /// Gathers what the page of `selection` (a list [`Analysis::select`] made) shows: the
    /// city's merchants, their scores and how much trust discounted of each.
    ///
    /// Cost: cheap (the board is the analysis's cached one; one walk over the city's
    /// evidence).
    ///
    /// Errors: a selection of a city the analysis does not know
    /// ([`UserError::UnknownCity`]).
    pub fn new(analysis: &Analysis, selection: &Selection) -> Result<Report> {
        let city = selection.city.as_str();
        let policy = selection.policy();
        let selection = selection.clone();
        let board = analysis.score_city(city)?;
        let corpus = analysis.corpus();
        let shops: Vec<Shop> = corpus
            .merchants
            .values()
            .filter(|m| m.city == city)
            .map(|m| Shop {
                id: m.id.clone(),
                name: m.display_name(),
                category: m.category.clone(),
                top: m.top_category().to_string(),
                district: m.district.clone(),
                location: m.location,
                status: m.status,
            })
            .collect();

        let mut discounted: BTreeMap<String, Discounted> = BTreeMap::new();
        for shop in &shops {
            for item in analysis.merchant(&shop.id)?.evidence() {
                let (w, c) = (item.weight, item.counted);
                if c.recency <= 0.0 {
                    continue;
                }
                let before = w.credibility * w.visit * c.recency;
                let d = discounted.entry(shop.id.clone()).or_default();
                d.before += before;
                if !w.discounts.is_empty() {
                    d.docs += 1;
                    d.weight += before - w.total() * c.recency;
                }
            }
        }
        let scores = board
            .merchants
            .iter()
            .map(|s| (s.merchant_id.clone(), s.clone()))
            .collect();
        Ok(Report {
            city: city.to_string(),
            as_of: analysis.as_of(),
            policy: policy.clone(),
            previous: selection.had_previous(),
            selection,
            shops,
            scores,
            discounted,
            z: analysis.config().z,
        })
    }

    /// Each listed merchant's rank.
    fn ranks(&self) -> BTreeMap<&str, usize> {
        self.selection
            .stores
            .iter()
            .map(|p| (p.merchant_id.as_str(), p.rank))
            .collect()
    }

    /// Merchants waiting for human review.
    fn queued(&self) -> BTreeSet<&str> {
        self.selection
            .review_queue
            .iter()
            .map(|q| q.merchant_id.as_str())
            .collect()
    }

    /// The selection the report shows.
    pub fn selection(&self) -> &Selection {
        &self.selection
    }

    /// Writes [`render_html`](Report::render_html) to `path`.
    ///
    /// Errors: [`UserError::Unwritable`] naming `path` (a missing folder, no permission).
    pub fn write_html(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.render_html()).map_err(|source| {
            UserError::Unwritable {
                path: path.to_path_buf(),
                source,
            }
            .into()
        })
    }

    /// The whole page, deterministic for a given report.
    pub fn render_html(&self) -> String {
        let mut out = String::with_capacity(256 * 1024);
        let date = self.as_of.to_string();
        let day = date.get(..10).unwrap_or(&date);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>精选门店 · {} · {}</title>\n<style>{}</style>\n</head>\n<body>\n",
            esc(&self.city),
            esc(day),
            html::CSS
        );
        self.header(&mut out, day);
        out.push_str("<main>\n");
        self.overview(&mut out);
        self.cards(&mut out);
        self.review(&mut out);
        if self.previous {
            self.changes(&mut out);
        }
        self.manipulation(&mut out);
        out.push_str("</main>\n");
        self.footer(&mut out);
        out.push_str("</body>\n</html>\n");
        out
    }

    fn shop(&self, id: &str) -> Option<&Shop> {
        self.shops
            .binary_search_by(|s| s.id.as_str().cmp(id))
            .ok()
            .and_then(|i| self.shops.get(i))
    }

    fn name_of(&self, id: &str) -> String {
        self.shop(id).map(|s| s.name.clone()).unwrap_or_default()
    }

    /// Top-level categories, most merchants first, then by name: the order of the legend,
    /// the grid's columns and the palette.
    fn categories(&self) -> Vec<(String, usize)> {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &self.shops {
            *count.entry(s.top.as_str()).or_insert(0) += 1;
        }
        let mut v: Vec<(String, usize)> =
            count.into_iter().map(|(c, n)| (c.to_string(), n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    fn colours(&self) -> BTreeMap<String, &'static str> {
        self.categories()
            .into_iter()
            .enumerate()
            .map(|(i, (c, _))| (c, html::PALETTE[i % html::PALETTE.len()]))
            .collect()
    }

    fn flagged(&self) -> Vec<&MerchantScore> {
        let mut v: Vec<&MerchantScore> = self
            .scores
            .values()
            .filter(|s| !s.flags.is_empty())
            .collect();
        let weight = |s: &MerchantScore| {
            self.discounted
                .get(&s.merchant_id)
                .map_or(0.0, |d| d.weight)
        };
        v.sort_by(|a, b| {
            weight(b)
                .total_cmp(&weight(a))
                .then_with(|| a.merchant_id.cmp(&b.merchant_id))
        });
        v
    }

    fn header(&self, out: &mut String, day: &str) {
        let sel = &self.selection;
        let _ = write!(
            out,
            "<header class=\"top\">\n<h1>精选门店 · {}<small>截至 {}</small></h1>\n\
             <ul class=\"stats\"><li><b>{}</b>家入选</li><li><b>{}</b>家合格</li>\
             <li><b>{}</b>家门店</li><li><b>{}</b>家待复核</li><li><b>{}</b>个供给缺口</li>\
             <li><b>{}</b>家被标记</li></ul>\n<nav><a href=\"#map\">地图</a>\
             <a href=\"#coverage\">供给覆盖</a><a href=\"#list\">精选榜单</a>\
             <a href=\"#review\">人工复核</a>{}<a href=\"#flags\">操纵与降权</a></nav>\n</header>\n",
            esc(&self.city),
            esc(day),
            sel.stores.len(),
            sel.qualified,
            self.shops.len(),
            sel.review_queue.len(),
            sel.gaps.len(),
            self.flagged().len(),
            if self.previous {
                "<a href=\"#changes\">榜单变化</a>"
            } else {
                ""
            }
        );
    }

    fn overview(&self, out: &mut String) {
        let colours = self.colours();
        let colour = |top: &str| colours.get(top).copied().unwrap_or("#999999");
        let (rank, queued) = (self.ranks(), self.queued());
        let standing = |id: &str| match rank.get(id) {
            Some(&r) => map::Standing::Listed(r),
            None if queued.contains(id) => map::Standing::Queued,
            None => map::Standing::Other,
        };
        let score = |id: &str| self.scores.get(id).map(|s| s.score);
        let svg = map::render(&self.shops, &standing, &colour, &score);
        let located = self.shops.iter().filter(|s| s.location.is_some()).count();

        out.push_str("<div class=\"overview\">\n<section id=\"map\" class=\"panel\">\n");
        let _ = writeln!(
            out,
            "<h2>门店地图<small>{} 家有坐标，共 {} 家</small></h2>",
            located,
            self.shops.len()
        );
        if svg.is_empty() {
            out.push_str("<p class=\"note\">没有门店带坐标（lat/lng），无法绘制地图。</p>\n");
        } else {
            out.push_str(&svg);
            out.push('\n');
        }
        out.push_str("<ul class=\"legend\">");
        let listed_per: BTreeMap<&str, usize> =
            self.selection
                .stores
                .iter()
                .fold(BTreeMap::new(), |mut m, p| {
                    *m.entry(p.category.split('/').next().unwrap_or(&p.category))
                        .or_insert(0) += 1;
                    m
                });
        for (c, n) in self.categories() {
            let _ = write!(
                out,
                "<li><span class=\"sw\" style=\"background:{}\"></span>{} {}（入选 {}）</li>",
                colour(&c),
                esc(&c),
                n,
                listed_per.get(c.as_str()).copied().unwrap_or(0)
            );
        }
        out.push_str(
            "</ul>\n<p class=\"note\"><span class=\"sw sel\" style=\"background:#fff\"></span>\
             大圆、黑边、带排名：入选门店；红色虚线边：待人工复核；空心：已停业。\
             经度按平均纬度的余弦缩放（等距圆柱投影），悬停可看店名。</p>\n</section>\n",
        );
        self.coverage(out, &colour);
        out.push_str("</div>\n");
    }

    fn coverage(&self, out: &mut String, colour: &dyn Fn(&str) -> &'static str) {
        let sel = &self.selection;
        let target = self.policy.gap_target;
        let gaps: BTreeSet<(&str, &str)> = sel
            .gaps
            .iter()
            .map(|g| (g.district.as_str(), g.category.as_str()))
            .collect();
        let cells: BTreeMap<(&str, &str), (usize, usize)> = sel
            .coverage
            .iter()
            .map(|c| {
                (
                    (c.district.as_str(), c.category.as_str()),
                    (c.qualified, c.open_merchants),
                )
            })
            .collect();
        let districts: BTreeSet<&str> = sel.coverage.iter().map(|c| c.district.as_str()).collect();
        let categories = self.categories();

        let _ = writeln!(
            out,
            "<section id=\"coverage\" class=\"panel\">\n<h2>供给覆盖<small>区 × 一级品类，\
             合格门店数 / 目标 {target}</small></h2>\n<div class=\"tablewrap\"><table class=\"grid\">"
        );
        out.push_str("<thead><tr><th scope=\"col\">区</th>");
        for (c, _) in &categories {
            let _ = write!(
                out,
                "<th scope=\"col\"><span class=\"cat\" style=\"--c:{}\">{}</span></th>",
                colour(c),
                esc(c)
            );
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for d in &districts {
            let _ = write!(out, "<tr><th scope=\"row\">{}</th>", esc(d));
            for (c, _) in &categories {
                let (q, open) = cells.get(&(*d, c.as_str())).copied().unwrap_or((0, 0));
                let is_gap = gaps.contains(&(*d, c.as_str()));
                let tone = if open == 0 {
                    "empty"
                } else if q >= target {
                    "ok"
                } else if q > 0 {
                    "short"
                } else {
                    "zero"
                };
                let class = if is_gap {
                    format!("gap {tone}")
                } else {
                    tone.to_string()
                };
                let title = format!("{d}·{c}：合格 {q} 家，营业 {open} 家，目标 {target}");
                let _ = write!(
                    out,
                    "<td class=\"{class}\" data-district=\"{}\" data-category=\"{}\" title=\"{}\">\
                     <b>{q}</b>/{target}<small>营业 {open}</small>{}</td>",
                    esc(d),
                    esc(c),
                    esc(&title),
                    if is_gap {
                        "<span class=\"mark\">缺口</span>"
                    } else {
                        ""
                    }
                );
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></div>\n");
        out.push_str(
            "<ul class=\"keys\"><li><i style=\"background:var(--ok)\"></i>达到目标</li>\
             <li><i style=\"background:var(--short)\"></i>合格不足</li>\
             <li><i style=\"background:var(--zero)\"></i>有店但无合格</li>\
             <li><i style=\"background:var(--empty)\"></i>没有营业门店</li>\
             <li><b style=\"color:var(--accent)\">缺口</b>：低于目标，需提升或招商</li></ul>\n",
        );
        if !sel.gaps.is_empty() {
            let _ = write!(
                out,
                "<p class=\"note\">最大的缺口（共 {} 个）：</p><ul class=\"note\">",
                sel.gaps.len()
            );
            for g in sel.gaps.iter().take(GAPS_LISTED) {
                let _ = write!(out, "<li>{}</li>", esc(&g.note));
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</section>\n");
    }

    fn cards(&self, out: &mut String) {
        let sel = &self.selection;
        let colours = self.colours();
        let _ = writeln!(
            out,
            "<section id=\"list\">\n<h2>精选榜单<small>{} 家，合格 {} 家；口碑分为均值减 {} 个标准误，\
             条带为均值 ± 1 个标准误</small></h2>",
            sel.stores.len(),
            sel.qualified,
            f1(self.z)
        );
        for r in &sel.relaxed {
            let _ = writeln!(
                out,
                "<p class=\"note\">已放宽 {}：{} → {}（{}）</p>",
                esc(&r.constraint),
                f1(r.from
                    * if r.constraint.ends_with("share") {
                        100.0
                    } else {
                        1.0
                    }),
                f1(r.to
                    * if r.constraint.ends_with("share") {
                        100.0
                    } else {
                        1.0
                    }),
                esc(&r.reason)
            );
        }
        if sel.stores.is_empty() {
            out.push_str("<p class=\"muted\">没有门店达到入选标准。</p>\n");
        }
        out.push_str("<div class=\"cards\">\n");
        for p in &sel.stores {
            let s = self.scores.get(&p.merchant_id);
            let top = p.category.split('/').next().unwrap_or(&p.category);
            let colour = colours.get(top).copied().unwrap_or("#999999");
            let mean = s.map_or(p.score, |s| s.mean);
            let se = if self.z > 0.0 {
                ((mean - p.score) / self.z).max(0.0)
            } else {
                0.0
            };
            let _ = write!(
                out,
                "<article class=\"card\" id=\"m-{id}\" data-merchant=\"{id}\">\n\
                 <div class=\"head\"><span class=\"rank\">{}</span><div><h3>{}</h3>\
                 <p class=\"sub\"><span class=\"cat\" style=\"--c:{colour}\">{}</span> · {}</p></div>\
                 <div class=\"score\"><b>{}</b><small>±{}</small></div></div>\n",
                p.rank,
                esc(&p.name),
                esc(&p.category),
                esc(p.district.as_deref().unwrap_or("未知区域")),
                f1(p.score),
                f1(se),
                id = esc(&p.merchant_id),
            );
            // The interval bar: mean ± one standard error on a 0–100 scale, the mean as a tick.
            let lo = (mean - se).clamp(0.0, 100.0);
            let hi = (mean + se).clamp(0.0, 100.0);
            let _ = write!(
                out,
                "<div class=\"ci\" title=\"均值 {m} ± {se}\"><span style=\"left:{}%;width:{}%\"></span>\
                 <i style=\"left:{}%\"></i></div>\n<p class=\"ci-note\">口碑分 {} · 均值 {m} · \
                 标准误 {se} · 有效意见 {} 条 · 共 {} 条笔记和点评</p>\n",
                f1(lo),
                f1(hi - lo),
                f1(mean.clamp(0.0, 100.0)),
                f1(p.score),
                s.map_or("–".into(), |s| f1(s.effective_opinions)),
                s.map_or(0, |s| s.evidence_count),
                m = f1(mean),
                se = f1(se),
            );
            out.push_str("<ul class=\"reasons\">");
            for r in &p.reasons {
                let _ = write!(out, "<li>{}</li>", esc(r));
            }
            out.push_str("</ul>\n");
            // Cited documents with words first: a star without text says little on a card.
            let mut cited: Vec<&crate::selection::EvidenceRef> = p.evidence.iter().collect();
            cited.sort_by_key(|e| e.snippet.trim().is_empty());
            for e in cited.into_iter().take(CARD_EVIDENCE) {
                let kind = match e.kind {
                    crate::corpus::DocKind::Note => "笔记",
                    crate::corpus::DocKind::Review => "点评",
                };
                let _ = writeln!(
                    out,
                    "<blockquote class=\"ev\">{}<cite>{kind} {} · 意见 {}</cite></blockquote>",
                    if e.snippet.trim().is_empty() {
                        "<span class=\"muted\">（只有评分，没有文字）</span>".to_string()
                    } else {
                        esc(&e.snippet)
                    },
                    esc(&e.doc_id),
                    f1(e.opinion)
                );
            }
            out.push_str("<ul class=\"tags\">");
            let placed = match p.placed_by {
                Placement::Category => "品类覆盖入选",
                Placement::District => "区域覆盖入选",
                Placement::Score => "按口碑入选",
            };
            let _ = write!(out, "<li class=\"good\">{placed}</li>");
            if let Some(r) = p.relevance {
                let _ = write!(out, "<li>相关度 {}%</li>", f1(100.0 * r));
            }
            if let Some(s) = s {
                for f in &s.flags {
                    let _ = write!(
                        out,
                        "<li class=\"flag\" title=\"{}\">⚠ {}（{} 条）</li>",
                        esc(&f.detail),
                        f.kind.label_zh(),
                        f.docs.len()
                    );
                }
            }
            out.push_str("</ul>\n</article>\n");
        }
        out.push_str("</div>\n</section>\n");
    }

    fn review(&self, out: &mut String) {
        let q = &self.selection.review_queue;
        section_head(
            out,
            "review",
            "人工复核",
            &format!("{} 家合格但需复核后才能上榜", q.len()),
        );
        if q.is_empty() {
            return empty_section(out, "没有待复核的门店。");
        }
        out.push_str(
            "<div class=\"panel tablewrap\"><table><thead><tr><th>门店</th><th>名称</th>\
             <th class=\"num\">口碑分</th><th>原因</th><th>标记</th></tr></thead><tbody>\n",
        );
        for r in q {
            let _ = writeln!(
                out,
                "<tr data-merchant=\"{}\"><td class=\"mono\">{}</td><td>{}</td><td class=\"num\">{}</td>\
                 <td>{}</td><td>{}</td></tr>",
                esc(&r.merchant_id),
                esc(&r.merchant_id),
                esc(&r.name),
                f1(r.score),
                esc(&r.reason),
                r.flags
                    .iter()
                    .map(|f| f.label_zh())
                    .collect::<Vec<_>>()
                    .join("、")
            );
        }
        out.push_str("</tbody></table></div>\n</section>\n");
    }

    fn changes(&self, out: &mut String) {
        let sel = &self.selection;
        section_head(
            out,
            "changes",
            "榜单变化",
            &format!(
                "与上一版相比：新上榜 {} 家，下榜 {} 家",
                sel.entered.len(),
                sel.left.len()
            ),
        );
        out.push_str("<div class=\"changes\">");
        for (title, list) in [("新上榜", &sel.entered), ("下榜", &sel.left)] {
            let _ = write!(out, "<div class=\"panel\"><h3>{title}</h3>");
            if list.is_empty() {
                out.push_str("<p class=\"muted\">无</p>");
            } else {
                out.push_str("<ul>");
                for c in list {
                    let _ = write!(
                        out,
                        "<li data-merchant=\"{}\"><span class=\"mono\">{}</span> {}：{}</li>",
                        esc(&c.merchant_id),
                        esc(&c.merchant_id),
                        esc(&self.name_of(&c.merchant_id)),
                        esc(&c.reason)
                    );
                }
                out.push_str("</ul>");
            }
            out.push_str("</div>\n");
        }
        out.push_str("</div>\n</section>\n");
    }

    fn manipulation(&self, out: &mut String) {
        let flagged = self.flagged();
        section_head(
            out,
            "flags",
            "操纵与降权",
            &format!(
                "{} 家门店被标记；被降权的内容仍保留，只是几乎不计分",
                flagged.len()
            ),
        );
        if flagged.is_empty() {
            return empty_section(out, "没有发现可疑内容。");
        }
        // By kind: merchants and documents.
        let mut kinds: BTreeMap<(FlagKind, Direction), (usize, usize)> = BTreeMap::new();
        for s in &flagged {
            for f in &s.flags {
                let k = kinds.entry((f.kind, f.direction)).or_insert((0, 0));
                k.0 += 1;
                k.1 += f.docs.len();
            }
        }
        out.push_str(
            "<div class=\"panel tablewrap\"><table><thead><tr><th>标记</th>\
             <th class=\"num\">门店</th><th class=\"num\">涉及内容</th><th>对商家</th></tr></thead><tbody>\n",
        );
        for ((k, direction), (m, d)) in &kinds {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{m}</td><td class=\"num\">{d}</td><td>{}</td></tr>",
                k.label_zh(),
                match direction {
                    Direction::Favours => "有利（影响明显时上榜前需复核）",
                    Direction::Against => "不利（降权，不影响入选资格）",
                    Direction::Neutral => "中性",
                }
            );
        }
        out.push_str("</tbody></table></div>\n");

        let (listed, queued) = (self.ranks(), self.queued());
        out.push_str(
            "<div class=\"panel tablewrap\" style=\"margin-top:12px\"><table><thead><tr>\
             <th>门店</th><th>名称</th><th>标记（涉及条数）</th><th class=\"num\">降权内容</th>\
             <th class=\"num\">降权权重</th><th class=\"num\">口碑分</th><th>状态</th></tr></thead><tbody>\n",
        );
        for s in flagged {
            let d = self
                .discounted
                .get(&s.merchant_id)
                .copied()
                .unwrap_or_default();
            let share = if d.before > 0.0 {
                format!("（{}%）", f1(100.0 * d.weight / d.before))
            } else {
                String::new()
            };
            let state = if listed.contains_key(s.merchant_id.as_str()) {
                "入选".to_string()
            } else if queued.contains(s.merchant_id.as_str()) {
                "待复核".to_string()
            } else if let Some(r) = &s.ineligible {
                format!("不可入选：{}", r.explain_zh())
            } else {
                "未入选".to_string()
            };
            let flags = s
                .flags
                .iter()
                .map(|f| format!("{}（{}）", f.kind.label_zh(), f.docs.len()))
                .collect::<Vec<_>>()
                .join("、");
            let _ = writeln!(
                out,
                "<tr data-merchant=\"{}\"><td class=\"mono\">{}</td><td>{}</td><td>{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{} / {}{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&s.merchant_id),
                esc(&s.merchant_id),
                esc(&self.name_of(&s.merchant_id)),
                esc(&flags),
                d.docs,
                f1(d.weight),
                f1(d.before),
                share,
                f1(s.score),
                esc(&state)
            );
        }
        out.push_str(
            "</tbody></table></div>\n<p class=\"note\">降权权重：可信度 × 到店核验 × 时效，\
             被折扣拿走的部分 / 折扣前的总量。</p>\n</section>\n",
        );
    }

    fn footer(&self, out: &mut String) {
        let p = &self.policy;
        let _ = write!(
            out,
            "<footer>\n<p>入选规则：口碑分 ≥ {}，可信证据权重 ≥ {}，共 {} 家；单一品类占比 ≤ {}%，\
             同一品牌 ≤ {} 家；供给目标每个区 × 品类 {} 家；留榜余量 {} 分。{}</p>\n\
             <p>商家付费与合作数据从不参与评分与选择。数据截至 {}。由 jingxuan {} 生成。</p>\n</footer>\n",
            f1(p.min_score),
            f1(p.min_credible_weight),
            p.limit,
            f1(100.0 * p.max_category_share),
            p.max_per_brand,
            p.gap_target,
            f1(p.stability_margin),
            p.query
                .as_deref()
                .map(|q| format!("查询：“{}”。", esc(q)))
                .unwrap_or_default(),
            esc(&self.as_of.to_string()),
            env!("CARGO_PKG_VERSION")
        );
    }
}

/// Opens a `<section>` with its heading and the short note beside it (HTML-escaped).
fn section_head(out: &mut String, id: &str, title: &str, note: &str) {
    let _ = writeln!(
        out,
        "<section id=\"{id}\">\n<h2>{}<small>{}</small></h2>",
        esc(title),
        esc(note)
    );
}

/// Closes a section that has nothing to show with a muted line saying so.
fn empty_section(out: &mut String, message: &str) {
    let _ = writeln!(out, "<p class=\"muted\">{}</p>\n</section>", esc(message));
}
