//! The whole pipeline behind one type: corpus → text → evidence → trust → reputation.
//!
//! ```no_run
//! use jingxuan::corpus::{self, LoadOptions};
//! use jingxuan::Engine;
//!
//! let loaded = corpus::load("fixtures/demo".as_ref(), &LoadOptions::default())?;
//! let engine = Engine::for_corpus(&loaded.corpus)?;
//! let analysis = engine.analyze(&loaded.corpus, None);
//! let board = analysis.score_city("杭州")?;
//! for m in board.merchants.iter().take(3) {
//!     println!("{} {:.1} eligible={}", m.merchant_id, m.score, m.eligible);
//! }
//! # Ok::<(), jingxuan::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::corpus::{Corpus, DocKind, Timestamp};
use crate::error::{Result, UserError};
use crate::evidence::extract::{Reading, ReadingRef};
use crate::evidence::link::NoteLinks;
use crate::evidence::sentiment::SentimentModel;
use crate::evidence::EvidenceSet;
use crate::reputation::{self, MerchantScore, Scoreboard, ScoringConfig};
use crate::selection::{self, Selection, SelectionPolicy};
use crate::text::{snippet, Analyzer};
use crate::trust::{self, Credibility, Discount};

/// The shared, immutable parts of scoring: build once per corpus and reuse (also across
/// threads).
#[derive(Clone)]
pub struct Engine {
    analyzer: Arc<Analyzer>,
    sentiment: Arc<SentimentModel>,
    config: ScoringConfig,
}

impl Engine {
    /// An engine whose analyzer keeps this corpus's merchant names whole.
    pub fn for_corpus(corpus: &Corpus) -> Result<Engine> {
        Ok(Engine {
            analyzer: Analyzer::builder()
                .words(corpus.merchant_names())
                .build_shared(),
            sentiment: Arc::new(SentimentModel::new()?),
            config: ScoringConfig::default(),
        })
    }

    /// Replaces the aggregation settings. They are checked
    /// ([`ScoringConfig::validate`]) by every method of an [`Analysis`] that scores, which
    /// then fails with a user error instead of giving NaN scores.
    pub fn with_config(mut self, config: ScoringConfig) -> Engine {
        self.config = config;
        self
    }

    /// The analyzer in use (the same one the search index should use).
    pub fn analyzer(&self) -> &Arc<Analyzer> {
        &self.analyzer
    }

    /// Reads, links and weighs every note and review as of `as_of` (default: the corpus's
    /// latest timestamp, so the answer never depends on the wall clock).
    pub fn analyze<'c>(&self, corpus: &'c Corpus, as_of: Option<Timestamp>) -> Analysis<'c> {
        self.analyze_from(CorpusRef::Borrowed(corpus), as_of, &HashMap::new(), None)
    }

    /// [`analyze`](Self::analyze) of a corpus the analysis shares ownership of, so that it
    /// can outlive the caller's borrow (kept in a cache, sent to another thread).
    pub fn analyze_shared(
        &self,
        corpus: Arc<Corpus>,
        as_of: Option<Timestamp>,
    ) -> Analysis<'static> {
        self.analyze_from(CorpusRef::Shared(corpus), as_of, &HashMap::new(), None)
    }

    /// [`analyze_shared`](Self::analyze_shared), reading again only the notes and reviews
    /// that are new or whose text changed since `previous`. The result is the same as a
    /// fresh analysis; only the time differs. `previous` must come from an engine with the
    /// same merchant names (see [`same_words`](Self::same_words)): a new name can change
    /// how any text is segmented.
    pub fn reanalyze(
        &self,
        corpus: Arc<Corpus>,
        as_of: Option<Timestamp>,
        previous: &Analysis<'_>,
    ) -> Analysis<'static> {
        let reuse = Arc::ptr_eq(&self.analyzer, &previous.analyzer)
            || self.same_words(previous.analyzer.extra_words());
        let before: HashMap<&str, ReadingRef<'_>> = if reuse {
            let docs = &previous.evidence.docs;
            docs.iter()
                .map(|d| (d.id.as_str(), ReadingRef::of_doc(d)))
                .collect()
        } else {
            HashMap::new()
        };
        // The learned model reads characters, not tokens: it stays valid across dictionaries.
        let readers = previous.evidence.readers.as_deref();
        self.analyze_from(CorpusRef::Shared(corpus), as_of, &before, readers)
    }

    /// [`analyze_shared`](Self::analyze_shared) reusing saved readings, which must have
    /// been made by an analyzer with this engine's words.
    pub(crate) fn analyze_with_readings(
        &self,
        corpus: Arc<Corpus>,
        as_of: Option<Timestamp>,
        readings: &[Reading],
    ) -> Analysis<'static> {
        let before: HashMap<&str, ReadingRef<'_>> = readings
            .iter()
            .map(|r| (r.id.as_str(), ReadingRef::of_saved(r)))
            .collect();
        self.analyze_from(CorpusRef::Shared(corpus), as_of, &before, None)
    }

    /// An engine for `corpus` sharing this one's sentiment model and settings; `self` again
    /// (cheaply) when the corpus's merchant names are the ones this engine keeps whole.
    pub(crate) fn for_names_of(&self, corpus: &Corpus) -> Engine {
        let names = corpus.merchant_names();
        if self.same_words(&names) {
            return self.clone();
        }
        Engine {
            analyzer: Analyzer::builder().words(&names).build_shared(),
            sentiment: Arc::clone(&self.sentiment),
            config: self.config,
        }
    }

    /// Whether this engine's analyzer keeps exactly these extra words whole.
    pub fn same_words(&self, words: &[String]) -> bool {
        self.analyzer.extra_words() == words
    }

    fn analyze_from<'c>(
        &self,
        corpus: CorpusRef<'c>,
        as_of: Option<Timestamp>,
        before: &HashMap<&str, ReadingRef<'_>>,
        previous_readers: Option<&crate::evidence::reader::Readers>,
    ) -> Analysis<'c> {
        let as_of = as_of
            .or_else(|| corpus.latest_timestamp())
            .unwrap_or(Timestamp::from_unix(0));
        // `as_of` is a point in time: whatever is dated after it (documents, visits,
        // decisions, accounts) is not part of the world being scored, so it cannot raise a
        // flag, build a history or move a baseline.
        let corpus = match corpus.as_of(as_of) {
            Some(past) => CorpusRef::Shared(Arc::new(past)),
            None => corpus,
        };
        let c: &Corpus = &corpus;
        let links = NoteLinks::build(c);
        let evidence = EvidenceSet::extract_with(
            c,
            &links,
            &self.analyzer,
            &self.sentiment,
            before,
            as_of,
            previous_readers,
        );
        let trust = trust::assess(c, &evidence, as_of);
        // Unchecked: analysis cannot fail; every scoring method validates the config.
        let counted = reputation::counted_unchecked(&evidence, &trust, as_of, &self.config);
        let ranges = evidence.merchant_ranges();
        Analysis {
            corpus,
            as_of,
            links,
            evidence,
            trust,
            config: self.config,
            analyzer: Arc::clone(&self.analyzer),
            counted,
            ranges,
            boards: Mutex::new(BTreeMap::new()),
            prepared: Mutex::new(BTreeMap::new()),
        }
    }
}

/// The corpus an analysis reads: borrowed from the caller, or shared.
enum CorpusRef<'c> {
    Borrowed(&'c Corpus),
    Shared(Arc<Corpus>),
}

impl std::ops::Deref for CorpusRef<'_> {
    type Target = Corpus;
    fn deref(&self) -> &Corpus {
        match self {
            CorpusRef::Borrowed(c) => c,
            CorpusRef::Shared(c) => c,
        }
    }
}

/// One corpus read and weighed as of one instant.
pub struct Analysis<'c> {
    corpus: CorpusRef<'c>,
    pub as_of: Timestamp,
    pub links: NoteLinks,
    pub evidence: EvidenceSet,
    pub trust: trust::Assessment,
    config: ScoringConfig,
    analyzer: Arc<Analyzer>,
    /// Each evidence item's weight under `config`, computed once.
    counted: Vec<reputation::Counted>,
    /// Each merchant's range of `evidence.items`.
    ranges: BTreeMap<String, Range<usize>>,
    /// Scoreboards under `config`, by city, made on first use: `select` then costs only
    /// the selection itself.
    boards: Mutex<BTreeMap<String, Arc<Scoreboard>>>,
    /// Each cached board with what selection needs of its merchants, by city, made on
    /// first `select`.
    prepared: Mutex<BTreeMap<String, Arc<PreparedBoard>>>,
}

/// A scoreboard and the selection facts aligned with its rows.
struct PreparedBoard {
    board: Arc<Scoreboard>,
    prepared: selection::Prepared,
}

/// One note or review's part in a merchant's score.
#[derive(Debug, Clone, Serialize)]
pub struct Contribution {
    pub doc_id: String,
    pub kind: DocKind,
    pub author_id: String,
    pub created_at: Timestamp,
    pub star: Option<f64>,
    /// The opinion read from it, 0 to 100.
    pub opinion: f64,
    /// Its final weight (trust × recency).
    pub weight: f64,
    pub credibility: f64,
    pub recency: f64,
    pub verified_visit: bool,
    pub discounts: Vec<Discount>,
    /// How far it pulled the score up (positive) or down: weight × (opinion − mean).
    pub pull: f64,
    /// The start of its text.
    pub snippet: String,
}

/// Everything behind one merchant's score.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub merchant_id: String,
    pub name: String,
    pub city: String,
    pub category: String,
    pub as_of: Timestamp,
    /// Rank within the city (1 = best), among all its merchants.
    pub rank: usize,
    pub of: usize,
    pub score: MerchantScore,
    /// Plain-Chinese summary lines.
    pub summary: Vec<String>,
    /// Contributions that pulled the score up most, strongest first.
    pub strongest_for: Vec<Contribution>,
    /// Contributions that pulled it down most, strongest first.
    pub strongest_against: Vec<Contribution>,
    /// Contributions that were discounted by trust, newest first.
    pub discounted: Vec<Contribution>,
    /// Credibility of the authors who wrote about the merchant, by author id.
    pub authors: std::collections::BTreeMap<String, Credibility>,
    /// "Why not me?": when the merchant is not on its city's list under the default
    /// policy, what holds it, in plain Chinese (see [`Analysis::why_not`]); empty when
    /// it is listed.
    pub why_not: Vec<String>,
}

/// How many contributions each list of an explanation shows.
const EXPLAIN_TOP: usize = 8;

impl<'c> Analysis<'c> {
    /// The corpus this analysis read.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// The aggregation settings scores are made with.
    pub fn config(&self) -> &ScoringConfig {
        &self.config
    }

    /// Each evidence item's weight under [`config`](Self::config), aligned with
    /// `evidence.items` (computed once, in [`Engine::analyze`]).
    pub fn counted(&self) -> &[reputation::Counted] {
        &self.counted
    }

    /// The range of `evidence.items` (and of [`counted`](Self::counted) and
    /// `trust.weights`) about one merchant; empty when nothing speaks of it.
    pub fn evidence_range(&self, merchant_id: &str) -> Range<usize> {
        self.ranges.get(merchant_id).cloned().unwrap_or_default()
    }

    /// Every merchant of `city`, best first.
    pub fn score_city(&self, city: &str) -> Result<Scoreboard> {
        self.scoreboard(city).map(|b| Scoreboard::clone(&b))
    }

    /// [`score_city`](Self::score_city) without the copy: the board is computed once per
    /// city and shared.
    pub fn scoreboard(&self, city: &str) -> Result<Arc<Scoreboard>> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still
        // a valid cache.
        let boards = || self.boards.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = boards().get(city) {
            return Ok(Arc::clone(b));
        }
        // Scored outside the lock, so other cities are not held up; a race only computes
        // the same board twice, and the first one stored is kept.
        let board = Arc::new(self.score_city_with(city, &self.config)?);
        Ok(Arc::clone(
            boards().entry(city.to_string()).or_insert(board),
        ))
    }

    /// The board of `city` if it was computed already.
    pub(crate) fn cached_board(&self, city: &str) -> Option<Arc<Scoreboard>> {
        let boards = self.boards.lock().unwrap_or_else(|e| e.into_inner());
        boards.get(city).cloned()
    }

    /// Takes `board` as this analysis's board of `city`: for a board of an earlier analysis
    /// whose inputs for that city are unchanged.
    pub(crate) fn adopt_board(&self, city: &str, board: Arc<Scoreboard>) {
        let mut boards = self.boards.lock().unwrap_or_else(|e| e.into_inner());
        boards.insert(city.to_string(), board);
    }

    /// [`score_city`](Self::score_city) with other aggregation settings; the evidence and
    /// trust weights are reused, so trying settings is cheap.
    pub fn score_city_with(&self, city: &str, config: &ScoringConfig) -> Result<Scoreboard> {
        config.validate()?;
        if !self.corpus.merchants.values().any(|m| m.city == city) {
            return Err(UserError::UnknownCity {
                city: city.to_string(),
                known: self.corpus.cities(),
            }
            .into());
        }
        let other;
        let counted = if *config == self.config {
            &self.counted
        } else {
            other = reputation::counted(&self.evidence, &self.trust, self.as_of, config)?;
            &other
        };
        reputation::score_city_from(
            &reputation::CityInputs {
                corpus: &self.corpus,
                evidence: &self.evidence,
                trust: &self.trust,
                counted,
                ranges: &self.ranges,
            },
            city,
            self.as_of,
            config,
        )
    }

    /// The curated list of `city` under `policy`. `previous` is the last published list
    /// (merchant ids), so the list only changes as the policy's stability margin allows.
    /// A policy out of its bounds ([`SelectionPolicy::validate`]) is a user error.
    pub fn select(
        &self,
        city: &str,
        policy: &SelectionPolicy,
        previous: Option<&[String]>,
    ) -> Result<Selection> {
        policy.validate()?;
        let prepared = self.prepared(city)?;
        let inputs = selection::Inputs {
            corpus: &self.corpus,
            board: &prepared.board,
            evidence: &self.evidence,
            trust: &self.trust,
            counted: &self.counted,
            ranges: &self.ranges,
            analyzer: &self.analyzer,
        };
        Ok(selection::select_prepared(
            &inputs,
            &prepared.prepared,
            policy,
            previous,
        ))
    }

    /// The city's board with its selection facts, made once per city like the board.
    fn prepared(&self, city: &str) -> Result<Arc<PreparedBoard>> {
        let cache = || self.prepared.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = cache().get(city) {
            return Ok(Arc::clone(p));
        }
        let board = self.scoreboard(city)?;
        let prepared = selection::Prepared::new(&self.corpus, &board, &self.ranges);
        let made = Arc::new(PreparedBoard { board, prepared });
        Ok(Arc::clone(cache().entry(city.to_string()).or_insert(made)))
    }

    /// Every signal behind one merchant's score.
    pub fn explain(&self, merchant_id: &str) -> Result<Explanation> {
        let merchant =
            self.corpus
                .merchants
                .get(merchant_id)
                .ok_or_else(|| UserError::UnknownMerchant {
                    id: merchant_id.to_string(),
                })?;
        let board = self.scoreboard(&merchant.city)?;
        let (rank, score) = board
            .merchants
            .iter()
            .enumerate()
            .find(|(_, s)| s.merchant_id == merchant_id)
            .map(|(i, s)| (i + 1, s.clone()))
            .ok_or_else(|| {
                crate::error::InternalError::Invariant(format!(
                    "merchant {merchant_id} missing from its city's scoreboard"
                ))
            })?;
        let mean = score.mean / 100.0;
        let mut contributions = Vec::new();
        let mut authors = std::collections::BTreeMap::new();
        let range = self.evidence_range(merchant_id);
        for (k, e) in self.evidence.items[range.clone()].iter().enumerate() {
            let k = range.start + k;
            let d = self.evidence.doc(e);
            if d.created_at > self.as_of {
                continue;
            }
            let w = &self.trust.weights[k];
            let c = self.counted[k];
            if let Some(cred) = self.trust.credibility.get(&d.author_id) {
                authors.insert(d.author_id.clone(), *cred);
            }
            contributions.push(Contribution {
                doc_id: d.id.clone(),
                kind: d.kind,
                author_id: d.author_id.clone(),
                created_at: d.created_at,
                star: d.star,
                opinion: round2(100.0 * e.value),
                weight: round4(c.weight()),
                credibility: round4(w.credibility),
                recency: round4(c.recency),
                verified_visit: e.verified_visit,
                discounts: w.discounts.clone(),
                pull: round4(c.weight() * (e.value - mean)),
                snippet: snippet(&d.text, 60),
            });
        }
        let by_pull = |up: bool| {
            let mut v: Vec<Contribution> = contributions
                .iter()
                .filter(|c| if up { c.pull > 0.0 } else { c.pull < 0.0 })
                .cloned()
                .collect();
            v.sort_by(|a, b| {
                b.pull
                    .abs()
                    .total_cmp(&a.pull.abs())
                    .then_with(|| a.doc_id.cmp(&b.doc_id))
            });
            v.truncate(EXPLAIN_TOP);
            v
        };
        let strongest_for = by_pull(true);
        let strongest_against = by_pull(false);
        let mut discounted: Vec<Contribution> = contributions
            .iter()
            .filter(|c| !c.discounts.is_empty())
            .cloned()
            .collect();
        discounted.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| a.doc_id.cmp(&b.doc_id))
        });
        let summary = summary_zh(&score, rank, board.merchants.len(), contributions.len());
        let why_not = self.why_not(merchant_id, &SelectionPolicy::default())?;
        Ok(Explanation {
            merchant_id: merchant.id.clone(),
            name: merchant.display_name(),
            city: merchant.city.clone(),
            category: merchant.category.clone(),
            as_of: self.as_of,
            rank,
            of: board.merchants.len(),
            score,
            summary,
            strongest_for,
            strongest_against,
            discounted,
            authors,
            why_not,
        })
    }

    /// Why a merchant is not on its city's list under `policy`, in plain Chinese: what
    /// holds it (and which evidence was discounted, and why), or which rule of the list it
    /// lost to. Empty when it is listed. Merchants ask this first, so every answer also
    /// says that no payment can change it.
    pub fn why_not(&self, merchant_id: &str, policy: &SelectionPolicy) -> Result<Vec<String>> {
        let merchant =
            self.corpus
                .merchants
                .get(merchant_id)
                .ok_or_else(|| UserError::UnknownMerchant {
                    id: merchant_id.to_string(),
                })?;
        let list = self.select(&merchant.city, policy, None)?;
        if list.stores.iter().any(|p| p.merchant_id == merchant_id) {
            return Ok(Vec::new());
        }
        let board = self.scoreboard(&merchant.city)?;
        let Some(s) = board
            .merchants
            .iter()
            .find(|s| s.merchant_id == merchant_id)
        else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        if let Some(q) = list
            .review_queue
            .iter()
            .find(|q| q.merchant_id == merchant_id)
        {
            out.push(format!("在人工复核队列中：{}", q.reason));
        } else if let Some(r) = &s.ineligible {
            out.push(format!("不能入选：{}", r.explain_zh()));
        } else if s.score < policy.min_score {
            out.push(format!(
                "口碑分 {:.1} 低于入选门槛 {:.1}",
                s.score, policy.min_score
            ));
        } else if s.credible_weight < policy.min_credible_weight {
            out.push(format!(
                "可信口碑的权重 {:.1} 低于入选要求 {:.1}：需要更多有真实消费或长期评价记录的用户来写",
                s.credible_weight, policy.min_credible_weight
            ));
        } else {
            out.push(self.lost_to(merchant, s, &list, policy));
        }
        for f in s.flags.iter().filter(|f| f.favours()) {
            let holds = matches!(&s.ineligible, Some(crate::reputation::Ineligible::UnderReview { flags }) if flags.contains(&f.kind));
            out.push(format!(
                "{}：{}（{} 条内容，已降权）{}",
                f.kind.label_zh(),
                f.detail,
                f.docs.len(),
                if holds {
                    "；人工复核通过前不能入选，复核之后新出现的同类内容会重新触发复核"
                } else {
                    "；影响很小，不影响入选资格"
                }
            ));
        }
        for f in s
            .flags
            .iter()
            .filter(|f| f.direction == trust::Direction::Against)
        {
            out.push(format!(
                "发现对这家店不利的可疑内容：{}，{}（{} 条），已降权，不影响入选资格，也不会让评分低于可信用户评价所支持的水平",
                f.kind.label_zh(),
                f.detail,
                f.docs.len()
            ));
        }
        out.push(
            "名单只看真实口碑：广告、佣金、合作等任何付费都不能改变评分、排名或是否入选".into(),
        );
        Ok(out)
    }

    /// Which rule of the list an eligible, qualified merchant lost to.
    fn lost_to(
        &self,
        merchant: &crate::corpus::Merchant,
        s: &MerchantScore,
        list: &Selection,
        policy: &SelectionPolicy,
    ) -> String {
        let listed: Vec<&crate::corpus::Merchant> = list
            .stores
            .iter()
            .filter_map(|p| self.corpus.merchants.get(&p.merchant_id))
            .collect();
        if let Some(brand) = &merchant.brand {
            let same: Vec<&&crate::corpus::Merchant> = listed
                .iter()
                .filter(|m| m.brand.as_ref() == Some(brand))
                .collect();
            if same.len() >= policy.max_per_brand {
                return format!(
                    "同品牌的「{}」已入选，每个品牌最多入选 {} 家，把位置留给独立小店",
                    same.first().map_or(String::new(), |m| m.display_name()),
                    policy.max_per_brand
                );
            }
        }
        let top = merchant.top_category();
        let same_top = listed.iter().filter(|m| m.top_category() == top).count();
        let cap = (policy.max_category_share * policy.limit as f64).floor() as usize;
        if same_top >= cap.max(1) && list.relaxed.is_empty() {
            return format!(
                "「{top}」类已有 {same_top} 家入选，达到单一品类最多占名单 {:.0}% 的上限",
                100.0 * policy.max_category_share
            );
        }
        let last = list
            .stores
            .iter()
            .map(|p| p.score)
            .fold(f64::INFINITY, f64::min);
        if list.stores.len() < policy.limit {
            return format!(
                "口碑分 {:.1} 达到门槛，但名单按品类和区域的多样性挑选时没有轮到它",
                s.score
            );
        }
        format!(
            "名单已满（{} 家）：按口碑分并兼顾品类、区域多样性挑选，入选门店最低分 {:.1}，这家店 {:.1}",
            list.stores.len(),
            last,
            s.score
        )
    }
}

fn summary_zh(s: &MerchantScore, rank: usize, of: usize, n: usize) -> Vec<String> {
    let mut out = vec![format!(
        "口碑分 {:.1}（城市同类先验 {:.1}，加权平均 {:.1}），在本城 {of} 家店中排第 {rank}",
        s.score, s.prior, s.mean
    )];
    out.push(format!(
        "共 {n} 条笔记和点评，有效意见约 {:.1} 条，其中 {} 条因可信度问题被降权",
        s.effective_opinions, s.discounted_count
    ));
    match &s.ineligible {
        None => out.push("可以入选".into()),
        Some(r) => out.push(format!("不能入选：{}", r.explain_zh())),
    }
    for f in &s.flags {
        out.push(format!(
            "⚠ {}：{}（涉及 {} 条）",
            f.kind.label_zh(),
            f.detail,
            f.docs.len()
        ));
    }
    out
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}
