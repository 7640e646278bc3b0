//! Builds the world: merchants, honest authors and documents, then planted manipulation.

use std::collections::BTreeSet;
use std::ops::Range;

use crate::asap::Asap;
use crate::banks::{AD_MARKERS, TEMPLATES};
use crate::clock::DAY;
use crate::model::*;
use crate::rng::{cumulative, Rand};
use crate::text::{self, half_step};
use crate::GenConfig;

mod attacks;

/// Documents span this long before `as_of`.
const SPAN_DAYS: i64 = 730;
/// Reviewers' leniency: real ratings skew towards 4–5 stars.
const POSITIVITY: f64 = 0.4;
/// Share of honest documents that are notes rather than reviews.
const NOTE_SHARE: f64 = 0.3;

struct Builder<'a> {
    cfg: &'a GenConfig,
    rng: Rand,
    asap: Asap,
    start: i64,
    merchants: Vec<Merchant>,
    cities: Vec<(City, Range<usize>)>,
    authors: Vec<Author>,
    /// Honest authors, for picking writers of honest and soft-ad documents.
    honest: Vec<usize>,
    notes: Vec<Note>,
    reviews: Vec<Review>,
    visits: Vec<Visit>,
    curation: Vec<Curation>,
    /// Merchants already chosen as a planted target, so scenarios do not overlap.
    planted: BTreeSet<usize>,
    /// Campaigns of the attack space, when [`GenConfig::campaigns`] is on.
    campaigns: Vec<crate::campaign::CampaignInfo>,
    /// Honest behaviour that looks like an attack, drawn per world with the attack space.
    mix: Option<attacks::HonestMix>,
}

pub fn build(cfg: &GenConfig) -> World {
    let mut rng = Rand::new(cfg.seed);
    let mut merchants = Vec::new();
    let mut cities = Vec::new();
    let mut seen = BTreeSet::new();
    for &city in &cfg.cities {
        if !seen.insert(city) {
            continue;
        }
        let from = merchants.len();
        merchants.extend(merchants_for(
            &mut rng,
            city,
            cfg.merchants_per_city.max(30),
            cfg.as_of,
        ));
        cities.push((city, from..merchants.len()));
    }
    let mut b = Builder {
        cfg,
        rng,
        asap: Asap::load(),
        start: cfg.as_of - SPAN_DAYS * DAY,
        merchants,
        cities,
        authors: Vec::new(),
        honest: Vec::new(),
        notes: Vec::new(),
        reviews: Vec::new(),
        visits: Vec::new(),
        curation: Vec::new(),
        planted: BTreeSet::new(),
        campaigns: Vec::new(),
        mix: None,
    };
    if b.cities.is_empty() {
        return b.finish();
    }
    if let Some(space) = &cfg.campaigns {
        // Same merchants as without campaigns; everything after is drawn from a stream
        // that also depends on the attack space's own seed.
        b.rng = Rand::new(cfg.seed ^ space.seed.rotate_left(29) ^ 0x5bd1_e995_3c6e_f372);
        b.honest_authors();
        b.mix = Some(b.draw_mix());
        for i in 0..b.cities.len() {
            let (city, range) = b.cities[i].clone();
            b.honest_lookalikes(city, range.clone());
            b.campaign_space(space, city, range.clone());
            b.declared_ads(city, range);
        }
        b.quiet_coffee();
        let planted_docs = b.notes.len() + b.reviews.len();
        b.honest_docs(cfg.target_docs.saturating_sub(planted_docs));
        b.idle_visits();
        b.curate();
        return b.finish();
    }
    b.honest_authors();
    for i in 0..b.cities.len() {
        let (city, range) = b.cities[i].clone();
        b.bursts(city, range.clone());
        b.attacks(city, range.clone());
        b.farms(city, range.clone());
        b.templates(city, range.clone());
        b.soft_ads(city, range.clone());
        b.declared_ads(city, range.clone());
        b.self_promo(city, range.clone());
    }
    b.quiet_coffee();
    let planted_docs = b.notes.len() + b.reviews.len();
    b.honest_docs(cfg.target_docs.saturating_sub(planted_docs));
    b.idle_visits();
    b.curate();
    b.finish()
}

impl Builder<'_> {
    fn as_of(&self) -> i64 {
        self.cfg.as_of
    }

    fn city_count(&self) -> usize {
        self.cities.len().max(1)
    }

    fn add_author(&mut self, kind: Kind, created_at: i64, home: Option<City>) -> usize {
        let a = new_author(&mut self.rng, kind, created_at, home);
        self.authors.push(a);
        self.authors.len() - 1
    }

    fn honest_authors(&mut self) {
        let n = (self.cfg.target_docs / 4).max(60);
        let as_of = self.as_of();
        for _ in 0..n {
            let roll = self.rng.unit();
            let (kind, created) = if roll < 0.62 {
                (Kind::Local, as_of - self.rng.int(400, 3_000) * DAY)
            } else if roll < 0.87 {
                (Kind::Verified, as_of - self.rng.int(300, 3_000) * DAY)
            } else if roll < 0.92 {
                (Kind::Influencer, as_of - self.rng.int(500, 2_500) * DAY)
            } else {
                (Kind::New, as_of - self.rng.int(3, 60) * DAY)
            };
            let created = created - self.rng.int(0, DAY);
            let home = if self.rng.chance(0.05) {
                None
            } else {
                Some(self.cities[self.rng.below(self.cities.len())].0)
            };
            let i = self.add_author(kind, created, home);
            self.honest.push(i);
        }
    }

    /// An unplanted open merchant of `range` satisfying `pred`, marked as planted.
    fn pick_target(
        &mut self,
        range: Range<usize>,
        pred: impl Fn(&Merchant) -> bool,
    ) -> Option<usize> {
        let min_age = self.as_of() - 150 * DAY;
        let candidates: Vec<usize> = range
            .filter(|&i| {
                let m = &self.merchants[i];
                !self.planted.contains(&i) && m.is_open() && m.opened_at < min_age && pred(m)
            })
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let i = candidates[self.rng.below(candidates.len())];
        self.planted.insert(i);
        Some(i)
    }

    /// A campaign start that leaves `len_days` before `as_of` and follows the opening.
    fn campaign_start(&mut self, merchant_opened: i64, len_days: i64) -> i64 {
        let lo = self.start.max(merchant_opened + 30 * DAY);
        self.rng.int(lo, self.as_of() - (len_days + 2) * DAY)
    }

    /// An honest author of `city` matching `kinds`, if any.
    fn honest_in(&mut self, city: City, kinds: &[Kind]) -> Option<usize> {
        let pool: Vec<usize> = self
            .honest
            .iter()
            .copied()
            .filter(|&a| {
                self.authors[a].home_city == Some(city) && kinds.contains(&self.authors[a].kind)
            })
            .collect();
        if pool.is_empty() {
            None
        } else {
            Some(pool[self.rng.below(pool.len())])
        }
    }

    fn engagement(&mut self, author: usize, boost: f64) -> (u64, u64, u64, u64) {
        let followers = self.authors[author].followers as f64;
        let base = (followers.sqrt() * 0.5 * self.rng.heavy() + 5.0 * self.rng.heavy()) * boost;
        let likes = base.round() as u64;
        let collects = (likes as f64 * 0.4 * self.rng.unit()).round() as u64;
        let comments =
            (likes as f64 * 0.06 * self.rng.unit()).round() as u64 + self.rng.int(0, 3) as u64;
        let shares = (likes as f64 * 0.03 * self.rng.unit()).round() as u64;
        (likes, collects, comments, shares)
    }

    #[allow(clippy::too_many_arguments)]
    fn push_note(
        &mut self,
        author: usize,
        at: i64,
        about: Vec<usize>,
        rating: f64,
        poi: bool,
        label: Label,
        sponsored: Option<bool>,
        boost: f64,
    ) -> usize {
        let subjects: Vec<&Merchant> = about.iter().map(|&i| &self.merchants[i]).collect();
        let (title, body, tags) = text::note(&mut self.rng, &self.asap, &subjects, rating, !poi);
        let city = subjects.first().map(|m| m.city.name());
        let home = self.authors[author].home_city.map(City::name);
        let ip_city = match (city, home) {
            (Some(c), Some(h)) if c != h && self.rng.chance(0.3) => Some(h.to_string()),
            (Some(c), _) if self.rng.chance(0.97) => Some(c.to_string()),
            _ => Some((*self.rng.pick(&["北京", "成都", "南京", "苏州", "深圳"])).to_string()),
        };
        let (likes, collects, comments, shares) = self.engagement(author, boost);
        let images = if self.rng.chance(0.1) {
            0
        } else {
            self.rng.int(1, 9) as u32
        };
        self.notes.push(Note {
            id: String::new(),
            at,
            author,
            title,
            body,
            tags,
            about,
            poi,
            ip_city,
            likes,
            collects,
            comments,
            shares,
            images,
            sponsored,
            label,
            deleted: false,
            campaign: None,
            pattern: None,
        });
        self.notes.len() - 1
    }

    #[allow(clippy::too_many_arguments)]
    fn push_review(
        &mut self,
        author: usize,
        merchant: usize,
        at: i64,
        rating: f64,
        text: Option<String>,
        aspects: Option<Aspects>,
        verified_visit: Option<bool>,
        label: Label,
    ) {
        let likes = (self.rng.heavy() * 1.5).floor() as u64;
        let images = if self.rng.chance(0.55) {
            0
        } else {
            self.rng.int(1, 9) as u32
        };
        self.reviews.push(Review {
            id: String::new(),
            at,
            author,
            merchant,
            rating,
            aspects,
            text,
            images,
            likes,
            verified_visit,
            label,
            edit: None,
            campaign: None,
            pattern: None,
        });
    }

    fn aspects_near(&mut self, merchant: usize, rating: f64) -> Aspects {
        let food = self.merchants[merchant].cat.food;
        let one = |rng: &mut Rand| (rating + 0.8 * rng.normal()).round().clamp(1.0, 5.0) as u8;
        Aspects {
            taste: if food { Some(one(&mut self.rng)) } else { None },
            environment: one(&mut self.rng),
            service: one(&mut self.rng),
            value: one(&mut self.rng),
        }
    }

    fn flat_aspects(&self, merchant: usize, v: u8) -> Aspects {
        Aspects {
            taste: self.merchants[merchant].cat.food.then_some(v),
            environment: v,
            service: v,
            value: v,
        }
    }

    /// Bought 5★ bursts on weak shops: many new accounts within three days.
    fn bursts(&mut self, city: City, range: Range<usize>) {
        for _ in 0..(range.len() / 80).max(1) {
            let Some(m) = self.pick_target(range.clone(), |m| m.quality < 0.35) else {
                return;
            };
            self.merchants[m].manipulation.push("burst");
            let t0 = self.campaign_start(self.merchants[m].opened_at, 4);
            for _ in 0..self.rng.int(8, 16) {
                let created = t0 - self.rng.int(DAY, 12 * DAY);
                let a = self.add_author(Kind::New, created, Some(city));
                let at = t0 + self.rng.int(0, 3 * DAY);
                let rating = if self.rng.chance(0.8) { 5.0 } else { 4.5 };
                let text = self.rng.chance(0.9).then(|| text::burst(&mut self.rng));
                let aspects = self.rng.chance(0.5).then(|| self.flat_aspects(m, 5));
                let vv = self.rng.chance(0.7).then_some(false);
                self.push_review(a, m, at, rating, text, aspects, vv, Label::Burst);
            }
        }
    }

    /// Competitors' 1★ bursts from new accounts against good shops.
    fn attacks(&mut self, city: City, range: Range<usize>) {
        for _ in 0..(range.len() / 100).max(1) {
            let Some(m) = self.pick_target(range.clone(), |m| m.quality > 0.72) else {
                return;
            };
            self.merchants[m].attacked = true;
            let t0 = self.campaign_start(self.merchants[m].opened_at, 5);
            for _ in 0..self.rng.int(6, 12) {
                let created = t0 - self.rng.int(DAY, 10 * DAY);
                let a = self.add_author(Kind::New, created, Some(city));
                let at = t0 + self.rng.int(0, 4 * DAY);
                let rating = if self.rng.chance(0.7) { 1.0 } else { 1.5 };
                let text = Some(text::attack(&mut self.rng, &self.merchants[m]));
                let aspects = self.rng.chance(0.5).then(|| self.flat_aspects(m, 1));
                self.push_review(a, m, at, rating, text, aspects, Some(false), Label::Attack);
            }
        }
    }

    /// Farm rings: a group of fresh, unverified accounts reviewing the same paid shops.
    fn farms(&mut self, city: City, range: Range<usize>) {
        for g in 0..1 + range.len() / 300 {
            let targets: Vec<usize> = (0..self.rng.int(6, 8))
                .filter_map(|_| self.pick_target(range.clone(), |m| m.quality < 0.6))
                .collect();
            if targets.is_empty() {
                return;
            }
            for &m in &targets {
                self.merchants[m].manipulation.push("farm");
            }
            let newest_open = targets
                .iter()
                .map(|&m| self.merchants[m].opened_at)
                .max()
                .unwrap_or(self.start);
            let c0 = self.campaign_start(newest_open, 62);
            let group = format!("farm-{}-{}", city.code(), g + 1);
            for _ in 0..self.rng.int(10, 14) {
                let created = c0 - self.rng.int(DAY, 20 * DAY);
                let a = self.add_author(Kind::Farm, created, Some(city));
                self.authors[a].group = Some(group.clone());
                self.authors[a].banned = self.rng.chance(0.2);
                for &m in &targets {
                    if !self.rng.chance(0.8) {
                        continue;
                    }
                    let at = c0 + self.rng.int(0, 60 * DAY);
                    let rating = if self.rng.chance(0.7) { 5.0 } else { 4.5 };
                    let text = if self.rng.chance(0.6) {
                        text::review(&mut self.rng, &self.asap, &self.merchants[m], rating)
                    } else {
                        text::burst(&mut self.rng)
                    };
                    // Some rings pay for real redemptions, so the visit is "verified".
                    let redeemed = self.rng.chance(0.25);
                    if redeemed {
                        let v_at = at - self.rng.int(600, 7_200);
                        self.visits.push(Visit {
                            author: a,
                            merchant: m,
                            at: v_at,
                            kind: "redemption",
                        });
                    }
                    let aspects = self.rng.chance(0.4).then(|| self.flat_aspects(m, 5));
                    self.push_review(
                        a,
                        m,
                        at,
                        rating,
                        Some(text),
                        aspects,
                        Some(redeemed),
                        Label::Farm,
                    );
                }
                if self.rng.chance(0.4) {
                    let m = targets[self.rng.below(targets.len())];
                    let at = c0 + self.rng.int(0, 60 * DAY);
                    self.push_note(a, at, vec![m], 5.0, true, Label::Farm, None, 0.2);
                }
            }
        }
    }

    /// Near-duplicate template text posted by different accounts (some later banned).
    fn templates(&mut self, city: City, range: Range<usize>) {
        for g in 0..1 + range.len() / 300 {
            let targets: Vec<usize> = (0..self.rng.int(1, 2))
                .filter_map(|_| self.pick_target(range.clone(), |m| m.quality < 0.5))
                .collect();
            let Some(&first) = targets.first() else {
                return;
            };
            for &m in &targets {
                self.merchants[m].manipulation.push("template");
            }
            let template = TEMPLATES[g % TEMPLATES.len()];
            let w0 = self.campaign_start(self.merchants[first].opened_at, 22);
            for k in 0..self.rng.int(6, 9) {
                let a = if k % 2 == 0 {
                    let created = w0 - self.rng.int(30 * DAY, 600 * DAY);
                    self.add_author(Kind::Banned, created, Some(city))
                } else {
                    let created = w0 - self.rng.int(DAY, 15 * DAY);
                    self.add_author(Kind::New, created, Some(city))
                };
                for &m in &targets {
                    let at = w0 + self.rng.int(0, 21 * DAY);
                    let name = text::mention(&mut self.rng, &self.merchants[m]);
                    let body = text::template(&mut self.rng, template, &name);
                    if self.rng.chance(0.25) {
                        let n =
                            self.push_note(a, at, vec![m], 5.0, true, Label::Template, None, 0.1);
                        self.notes[n].title = format!("{}真的好", name);
                        self.notes[n].body = body;
                    } else {
                        self.push_review(
                            a,
                            m,
                            at,
                            5.0,
                            Some(body),
                            None,
                            Some(false),
                            Label::Template,
                        );
                    }
                }
            }
        }
    }

    /// Undeclared soft ads: disclosure markers in the text, and influencer sprees
    /// praising many unrelated shops within days.
    fn soft_ads(&mut self, city: City, range: Range<usize>) {
        for _ in 0..(range.len() / 50).max(2) {
            let Some(a) = self.honest_in(city, &[Kind::Influencer, Kind::Local, Kind::Verified])
            else {
                return;
            };
            let Some(m) = self.pick_target(range.clone(), |_| true) else {
                return;
            };
            self.merchants[m].manipulation.push("soft_ad");
            let lo = self.authors[a].created_at.max(self.merchants[m].opened_at) + DAY;
            let at = self.rng.int(lo.max(self.start), self.as_of() - DAY);
            let n = self.push_note(a, at, vec![m], 5.0, true, Label::SoftAd, None, 1.5);
            let marker = self
                .rng
                .pick(AD_MARKERS)
                .replace("{name}", &self.merchants[m].name);
            if self.rng.chance(0.5) {
                self.notes[n].body = format!("{}。{}", marker, self.notes[n].body);
            } else {
                self.notes[n].body.push_str(&format!("\n{}", marker));
            }
        }
        for _ in 0..1 + range.len() / 400 {
            let Some(a) = self.honest_in(city, &[Kind::Influencer]) else {
                return;
            };
            let s0 = self.rng.int(
                self.start.max(self.authors[a].created_at),
                self.as_of() - 12 * DAY,
            );
            let mut seen_cats = BTreeSet::new();
            for _ in 0..self.rng.int(8, 12) {
                let taken = seen_cats.clone();
                let Some(m) = self.pick_target(range.clone(), |m| !taken.contains(m.cat.path))
                else {
                    break;
                };
                seen_cats.insert(self.merchants[m].cat.path);
                self.merchants[m].manipulation.push("soft_ad");
                let at = s0 + self.rng.int(0, 10 * DAY);
                let poi = self.rng.chance(0.8);
                self.push_note(a, at, vec![m], 5.0, poi, Label::SoftAd, None, 2.0);
            }
        }
    }

    /// Ads the platform labels (`sponsored: true`); allowed, but not word of mouth.
    fn declared_ads(&mut self, city: City, range: Range<usize>) {
        for _ in 0..(range.len() / 60).max(2) {
            let Some(a) = self.honest_in(city, &[Kind::Influencer]) else {
                return;
            };
            let candidates: Vec<usize> = range
                .clone()
                .filter(|i| self.merchants[*i].is_open())
                .collect();
            if candidates.is_empty() {
                return;
            }
            let m = candidates[self.rng.below(candidates.len())];
            let lo = self.authors[a].created_at.max(self.merchants[m].opened_at) + DAY;
            let at = self.rng.int(lo.max(self.start), self.as_of() - DAY);
            let n = self.push_note(
                a,
                at,
                vec![m],
                5.0,
                true,
                Label::DeclaredAd,
                Some(true),
                1.5,
            );
            self.notes[n].tags.push("品牌合作".to_string());
        }
    }

    /// Merchant-owned accounts praising their own shop or chain and bashing a rival.
    fn self_promo(&mut self, city: City, range: Range<usize>) {
        for k in 0..(range.len() / 80).max(1) + range.len() / 40 {
            let posts = k < (range.len() / 80).max(1);
            let Some(m) = self.pick_target(range.clone(), |_| true) else {
                return;
            };
            if !posts {
                // An idle 商家号: the shop is not planted after all.
                self.planted.remove(&m);
            }
            let created = self.merchants[m].opened_at + self.rng.int(0, 60 * DAY);
            let a = self.add_author(
                Kind::Merchant,
                created.min(self.as_of() - 100 * DAY),
                Some(city),
            );
            self.authors[a].merchant = Some(m);
            if !posts {
                continue;
            }
            self.merchants[m].manipulation.push("self_promo");
            let brand = self.merchants[m].brand;
            let siblings: Vec<usize> = range
                .clone()
                .filter(|&i| {
                    i != m
                        && brand.is_some()
                        && self.merchants[i].brand == brand
                        && self.merchants[i].is_open()
                })
                .collect();
            let lo = self.start.max(self.authors[a].created_at + DAY);
            for _ in 0..self.rng.int(2, 4) {
                let own = if !siblings.is_empty() && self.rng.chance(0.5) {
                    siblings[self.rng.below(siblings.len())]
                } else {
                    m
                };
                if !self.merchants[own].manipulation.contains(&"self_promo") {
                    self.merchants[own].manipulation.push("self_promo");
                }
                let at = self
                    .rng
                    .int(lo.max(self.merchants[own].opened_at), self.as_of() - DAY);
                if self.rng.chance(0.4) {
                    self.push_note(a, at, vec![own], 5.0, true, Label::SelfPromo, None, 0.5);
                } else {
                    let mut t = text::review(&mut self.rng, &self.asap, &self.merchants[own], 5.0);
                    t.push_str(&format!("强烈推荐{}！", self.merchants[own].name));
                    self.push_review(
                        a,
                        own,
                        at,
                        5.0,
                        Some(t),
                        None,
                        Some(false),
                        Label::SelfPromo,
                    );
                }
            }
            let path = self.merchants[m].cat.path;
            let rivals: Vec<usize> = range
                .clone()
                .filter(|&i| {
                    let r = &self.merchants[i];
                    i != m
                        && r.cat.path == path
                        && (brand.is_none() || r.brand != brand)
                        && r.is_open()
                })
                .collect();
            for _ in 0..self.rng.int(1, 2) {
                if rivals.is_empty() {
                    break;
                }
                let r = rivals[self.rng.below(rivals.len())];
                let at = self
                    .rng
                    .int(lo.max(self.merchants[r].opened_at), self.as_of() - DAY);
                let own = text::mention(&mut self.rng, &self.merchants[m]);
                let t = format!(
                    "{}，{}。还不如去{}",
                    self.rng.pick(self.merchants[r].cat.core_neg),
                    self.rng.pick(crate::banks::SERVICE_NEG),
                    own
                );
                self.push_review(a, r, at, 1.0, Some(t), None, Some(false), Label::SelfPromo);
            }
        }
    }

    /// The search acceptance case: a Hangzhou note calling a coffee shop quiet.
    fn quiet_coffee(&mut self) {
        let Some((_, range)) = self
            .cities
            .iter()
            .find(|(c, _)| *c == City::Hangzhou)
            .cloned()
        else {
            return;
        };
        let best = range
            .clone()
            .filter(|&i| {
                let m = &self.merchants[i];
                m.cat.path == "饮品/咖啡" && m.is_open() && !self.planted.contains(&i)
            })
            .max_by(|&x, &y| {
                self.merchants[x]
                    .quality
                    .total_cmp(&self.merchants[y].quality)
            });
        let Some(m) = best else {
            return;
        };
        let Some(a) = self.honest_in(City::Hangzhou, &[Kind::Local, Kind::Verified]) else {
            return;
        };
        let at = self.as_of() - 20 * DAY - self.rng.int(0, DAY);
        let n = self.push_note(a, at, vec![m], 5.0, true, Label::Honest, None, 1.0);
        let shop = &self.merchants[m];
        self.notes[n].title = format!("{}宝藏咖啡馆｜适合一个人待一下午", shop.area);
        self.notes[n].body = format!(
            "周末去了{}的{}，这家咖啡馆很安静，靠窗的位置可以坐一下午，手冲很干净，老板也不打扰人。推荐桂花拿铁！☕",
            shop.area, shop.name
        );
        self.notes[n].tags = vec!["杭州咖啡".into(), "杭州探店".into(), shop.area.to_string()];
    }

    fn honest_docs(&mut self, count: usize) {
        let note_w = cumulative(self.honest.iter().map(|&a| {
            let au = &self.authors[a];
            au.activity
                * if au.kind == Kind::Influencer {
                    4.0
                } else {
                    1.0
                }
        }));
        let review_w = cumulative(self.honest.iter().map(|&a| {
            let au = &self.authors[a];
            au.activity
                * if au.kind == Kind::Influencer {
                    0.5
                } else {
                    1.0
                }
        }));
        let pop: Vec<Vec<f64>> = self
            .cities
            .iter()
            .map(|(_, r)| cumulative(r.clone().map(|i| self.merchants[i].popularity)))
            .collect();
        let mut made = 0;
        let mut attempts = 0;
        while made < count && attempts < count * 4 + 100 {
            attempts += 1;
            let is_note = self.rng.chance(NOTE_SHARE);
            let a = self.honest[self.rng.weighted(if is_note { &note_w } else { &review_w })];
            let home = self.authors[a]
                .home_city
                .and_then(|h| self.cities.iter().position(|(c, _)| *c == h));
            let ci = match home {
                Some(h) if self.rng.chance(0.9) => h,
                _ => self.rng.below(self.cities.len()),
            };
            let base = self.cities[ci].1.start;
            let m = base + self.rng.weighted(&pop[ci]);
            let mut about = vec![m];
            if is_note && self.rng.chance(0.12) {
                let group = self.merchants[m].cat.path.split('/').next().unwrap_or("");
                for _ in 0..12 {
                    let o = base + self.rng.weighted(&pop[ci]);
                    if !about.contains(&o) && self.merchants[o].cat.path.starts_with(group) {
                        about.push(o);
                    }
                    if about.len() == 3 {
                        break;
                    }
                }
            }
            let as_of = self.as_of();
            let lo = about
                .iter()
                .map(|&i| self.merchants[i].opened_at)
                .chain([self.start, self.authors[a].created_at + DAY])
                .max()
                .unwrap_or(self.start);
            let hi = about
                .iter()
                .map(|&i| {
                    let mm = &self.merchants[i];
                    if mm.status == "suspended" {
                        as_of - 15 * DAY
                    } else {
                        mm.last_open(as_of)
                    }
                })
                .min()
                .unwrap_or(as_of);
            if lo >= hi {
                continue;
            }
            let at = self.rng.int(lo, hi);
            let q = self.merchants[m].quality;
            let (a, pattern) = match self.mix {
                Some(mix) => self.maybe_one_shot(mix, a, at),
                None => (a, None),
            };
            if is_note {
                // People mostly post about places they liked.
                let rating =
                    half_step(1.0 + 4.0 * (q + 0.16 * self.rng.normal()) + POSITIVITY + 0.3);
                let poi = self.rng.chance(0.75);
                let sponsored = self.rng.chance(0.15).then_some(false);
                let n = self.push_note(a, at, about, rating, poi, Label::Honest, sponsored, 1.0);
                self.notes[n].pattern = pattern;
                if let Some(mix) = self.mix {
                    let body = self.notes[n].body.clone();
                    if let Some(with) = self.free_meal_mention(mix, &body) {
                        self.notes[n].body = with;
                        self.notes[n].pattern = Some("free_meal_mention");
                    }
                }
                if self.rng.chance(0.3) {
                    let kind = *self.rng.pick(&["checkin", "navigation"]);
                    let v_at = (at - self.rng.int(3_600, 3 * DAY)).max(lo);
                    self.visits.push(Visit {
                        author: a,
                        merchant: m,
                        at: v_at,
                        kind,
                    });
                }
                if self.rng.chance(0.003) {
                    self.notes[n].deleted = true;
                }
            } else {
                let rating = half_step(1.0 + 4.0 * (q + 0.16 * self.rng.normal()) + POSITIVITY);
                let text = if self.rng.chance(0.05) {
                    None
                } else {
                    Some(text::review(
                        &mut self.rng,
                        &self.asap,
                        &self.merchants[m],
                        rating,
                    ))
                };
                let aspects = self.rng.chance(0.6).then(|| self.aspects_near(m, rating));
                let roll = self.rng.unit();
                let vv = if roll < 0.45 {
                    let kind = if self.rng.chance(0.7) {
                        "payment"
                    } else {
                        "redemption"
                    };
                    let v_at = (at - self.rng.int(1_800, 3 * DAY)).max(lo);
                    self.visits.push(Visit {
                        author: a,
                        merchant: m,
                        at: v_at,
                        kind,
                    });
                    Some(true)
                } else if roll < 0.9 {
                    Some(false)
                } else {
                    None
                };
                self.push_review(a, m, at, rating, text, aspects, vv, Label::Honest);
                if let Some(mix) = self.mix {
                    let text = self.reviews.last().and_then(|r| r.text.clone());
                    let mentioned = text.and_then(|t| self.free_meal_mention(mix, &t));
                    if let Some(r) = self.reviews.last_mut() {
                        r.pattern = pattern;
                        if let Some(p) = mentioned {
                            r.text = Some(p);
                            r.pattern = Some("free_meal_mention");
                        }
                    }
                }
                if self.rng.chance(0.005) {
                    let new_rating =
                        half_step(rating + if self.rng.chance(0.5) { 0.5 } else { -0.5 });
                    let extra =
                        text::review(&mut self.rng, &self.asap, &self.merchants[m], new_rating);
                    if let Some(r) = self.reviews.last_mut() {
                        let old = r.text.clone().unwrap_or_default();
                        r.edit = Some((new_rating, format!("{}\n追评：{}", old, extra)));
                    }
                }
            }
            made += 1;
        }
    }

    /// Visits that led to no writing.
    fn idle_visits(&mut self) {
        for _ in 0..self.cfg.target_docs / 20 {
            let a = self.honest[self.rng.below(self.honest.len())];
            let m = self.rng.below(self.merchants.len());
            let lo = self
                .start
                .max(self.authors[a].created_at)
                .max(self.merchants[m].opened_at);
            let hi = self.merchants[m].last_open(self.as_of());
            if lo >= hi {
                continue;
            }
            let at = self.rng.int(lo, hi);
            let kind = *self
                .rng
                .pick(&["payment", "redemption", "navigation", "checkin"]);
            self.visits.push(Visit {
                author: a,
                merchant: m,
                at,
                kind,
            });
        }
    }

    /// A few human decisions per city, including a hold later overturned.
    fn curate(&mut self) {
        let as_of = self.as_of();
        for ci in 0..self.city_count().min(self.cities.len()) {
            let (city, range) = self.cities[ci].clone();
            let by = match city {
                City::Shanghai => "ops-sh-01",
                City::Hangzhou => "ops-hz-01",
                City::Guangzhou => "ops-gz-01",
            };
            let find = |b: &Builder, f: &dyn Fn(&Merchant) -> bool| {
                range.clone().find(|&i| f(&b.merchants[i]))
            };
            if let Some(m) = find(self, &|m| m.manipulation.contains(&"burst")) {
                self.curation.push(Curation {
                    merchant: m,
                    decision: "exclude",
                    reason: "三天内大量新注册账号五星好评，疑似刷单".into(),
                    by,
                    at: as_of - 10 * DAY,
                });
            }
            let legacy = self.cfg.campaigns.is_none();
            if let Some(m) = find(self, &|m| legacy && m.attacked) {
                self.curation.push(Curation {
                    merchant: m,
                    decision: "hold",
                    reason: "近期一星差评激增，待核实".into(),
                    by,
                    at: as_of - 9 * DAY,
                });
                self.curation.push(Curation {
                    merchant: m,
                    decision: "approve",
                    reason: "差评集中来自新注册账号，核实为恶意攻击".into(),
                    by,
                    at: as_of - 6 * DAY,
                });
            }
            if let Some(m) = find(self, &|m| m.status == "closed") {
                self.curation.push(Curation {
                    merchant: m,
                    decision: "exclude",
                    reason: "门店已闭店".into(),
                    by,
                    at: as_of - 5 * DAY,
                });
            }
            let best = range
                .clone()
                .filter(|&i| {
                    let m = &self.merchants[i];
                    m.is_open()
                        && m.manipulation.is_empty()
                        && (legacy || (m.campaigns.is_empty() && m.pattern.is_none()))
                })
                .max_by(|&x, &y| {
                    self.merchants[x]
                        .quality
                        .total_cmp(&self.merchants[y].quality)
                });
            if let Some(m) = best {
                self.curation.push(Curation {
                    merchant: m,
                    decision: "approve",
                    reason: "人工探访确认，口碑真实".into(),
                    by,
                    at: as_of - 3 * DAY,
                });
            }
        }
    }

    /// Orders everything by time and assigns ids that reveal nothing of the truth.
    fn finish(mut self) -> World {
        let mut order: Vec<usize> = (0..self.authors.len()).collect();
        order.sort_by_key(|&i| (self.authors[i].created_at, i));
        let mut new_index = vec![0; self.authors.len()];
        for (pos, &old) in order.iter().enumerate() {
            new_index[old] = pos;
        }
        let mut slots: Vec<Option<Author>> = self.authors.into_iter().map(Some).collect();
        let mut authors = Vec::with_capacity(slots.len());
        for &old in &order {
            if let Some(mut a) = slots[old].take() {
                a.id = format!("u-{:06}", authors.len() + 1);
                authors.push(a);
            }
        }
        for n in &mut self.notes {
            n.author = new_index[n.author];
        }
        for r in &mut self.reviews {
            r.author = new_index[r.author];
        }
        for v in &mut self.visits {
            v.author = new_index[v.author];
        }
        self.notes.sort_by_key(|n| n.at);
        for (i, n) in self.notes.iter_mut().enumerate() {
            n.id = format!("n-{:06}", i + 1);
        }
        self.reviews.sort_by_key(|r| r.at);
        for (i, r) in self.reviews.iter_mut().enumerate() {
            r.id = format!("r-{:06}", i + 1);
        }
        self.visits.sort_by_key(|v| (v.at, v.author, v.merchant));
        self.curation.sort_by_key(|c| (c.at, c.merchant));
        World {
            merchants: self.merchants,
            authors,
            notes: self.notes,
            reviews: self.reviews,
            visits: self.visits,
            curation: self.curation,
            campaigns: self.campaigns,
        }
    }
}
