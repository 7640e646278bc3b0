//! The attack space in the world: campaigns drawn from [`crate::campaign`], and honest
//! behaviour that looks like an attack, so that holding honest shops is measured too.

use super::*;
use crate::banks::{COPIED_PRAISE, COPIED_SCORN, FREE_MEAL, TPL_CLOSE, TPL_MID, TPL_OPEN};
use crate::campaign::{CampaignInfo, CampaignSpace, Direction, Family, Params, Proof, Style};

const HOUR: i64 = 3_600;

/// Honest behaviour drawn per world.
#[derive(Debug, Clone, Copy)]
pub(super) struct HonestMix {
    /// Share of honest documents written by an account that writes nothing else.
    one_shot: f64,
    /// Share of honest documents that mention a 霸王餐 or say there is no partnership.
    mention: f64,
    /// Share of one-shot and look-alike accounts that are real-name verified.
    verified: f64,
}

/// What every post of one campaign shares.
struct Ctx {
    index: usize,
    family: Family,
    params: Params,
    city: City,
    range: Range<usize>,
    targets: Vec<usize>,
    start: i64,
    copied: Vec<&'static str>,
    skeleton: (&'static str, &'static str, &'static str),
}

impl Ctx {
    fn influencer(&self) -> bool {
        matches!(
            self.family,
            Family::InfluencerDeclared | Family::InfluencerUndeclared
        )
    }
}

impl Builder<'_> {
    pub(super) fn draw_mix(&mut self) -> HonestMix {
        HonestMix {
            one_shot: 0.05 + 0.3 * self.rng.unit(),
            mention: 0.01 + 0.04 * self.rng.unit(),
            verified: 0.1 + 0.3 * self.rng.unit(),
        }
    }

    /// An honest account created for this one document, or `a` unchanged.
    pub(super) fn maybe_one_shot(
        &mut self,
        mix: HonestMix,
        a: usize,
        at: i64,
    ) -> (usize, Option<&'static str>) {
        if !self.rng.chance(mix.one_shot) {
            return (a, None);
        }
        let home = self.authors[a].home_city;
        (self.ordinary_account(mix, at, home), Some("one_shot"))
    }

    /// A new ordinary honest account, 4 days to ~4 years old at `at` (older than the
    /// visit before its document, which can be up to three days earlier).
    fn ordinary_account(&mut self, mix: HonestMix, at: i64, home: Option<City>) -> usize {
        let kind = if self.rng.chance(mix.verified) {
            Kind::Verified
        } else if self.rng.chance(0.3) {
            Kind::New
        } else {
            Kind::Local
        };
        let age = if kind == Kind::New {
            self.rng.int(4 * DAY, 30 * DAY)
        } else {
            self.rng.int(4 * DAY, 1_500 * DAY)
        };
        self.add_author(kind, at - age, home)
    }

    /// `text` with a 霸王餐 / 没有合作 remark, at the mix's rate.
    pub(super) fn free_meal_mention(&mut self, mix: HonestMix, text: &str) -> Option<String> {
        if !self.rng.chance(mix.mention) {
            return None;
        }
        let remark = self.rng.word(FREE_MEAL);
        Some(if self.rng.chance(0.5) {
            format!("{remark}。{text}")
        } else {
            format!("{text}{remark}。")
        })
    }

    /// Viral weeks and opening rushes: many genuine reviews in a short time.
    pub(super) fn honest_lookalikes(&mut self, city: City, range: Range<usize>) {
        let Some(mix) = self.mix else {
            return;
        };
        for _ in 0..self.rng.int(1, 3) {
            let Some(m) = self.pick_target(range.clone(), |_| true) else {
                break;
            };
            self.merchants[m].pattern = Some("viral_week");
            let w0 = self.recent_start(self.merchants[m].opened_at, 7 * DAY);
            for _ in 0..self.rng.int(10, 40) {
                let at = w0 + self.rng.int(0, 7 * DAY);
                self.lookalike_doc(mix, city, m, at, "viral_week");
            }
        }
        let as_of = self.as_of();
        let fresh: Vec<usize> = range
            .filter(|&i| {
                let m = &self.merchants[i];
                !self.planted.contains(&i)
                    && m.is_open()
                    && m.opened_at > as_of - 200 * DAY
                    && m.opened_at < as_of - 20 * DAY
            })
            .collect();
        let mut used = BTreeSet::new();
        for _ in 0..self.rng.int(1, 2) {
            if fresh.is_empty() {
                break;
            }
            let m = fresh[self.rng.below(fresh.len())];
            if !used.insert(m) {
                continue;
            }
            self.planted.insert(m);
            self.merchants[m].pattern = Some("opening_rush");
            let opened = self.merchants[m].opened_at;
            for _ in 0..self.rng.int(10, 30) {
                let at = opened + self.rng.int(HOUR, 14 * DAY);
                self.lookalike_doc(mix, city, m, at, "opening_rush");
            }
        }
    }

    /// One genuine document of a viral week or opening rush, by an existing local or a new
    /// ordinary account.
    fn lookalike_doc(
        &mut self,
        mix: HonestMix,
        city: City,
        m: usize,
        at: i64,
        pattern: &'static str,
    ) {
        let pool: Vec<usize> = self
            .honest
            .iter()
            .copied()
            .filter(|&a| {
                self.authors[a].home_city == Some(city) && self.authors[a].created_at < at - DAY
            })
            .collect();
        let a = if !pool.is_empty() && self.rng.chance(0.5) {
            pool[self.rng.below(pool.len())]
        } else {
            self.ordinary_account(mix, at, Some(city))
        };
        let q = self.merchants[m].quality;
        if self.rng.chance(0.2) {
            let rating = half_step(1.0 + 4.0 * (q + 0.16 * self.rng.normal()) + POSITIVITY + 0.3);
            let poi = self.rng.chance(0.75);
            let n = self.push_note(a, at, vec![m], rating, poi, Label::Honest, None, 1.0);
            self.notes[n].pattern = Some(pattern);
            return;
        }
        let rating = half_step(1.0 + 4.0 * (q + 0.16 * self.rng.normal()) + POSITIVITY);
        let text = text::review(&mut self.rng, &self.asap, &self.merchants[m], rating);
        let aspects = self.rng.chance(0.6).then(|| self.aspects_near(m, rating));
        let vv = if self.rng.chance(0.45) {
            let kind = if self.rng.chance(0.7) {
                "payment"
            } else {
                "redemption"
            };
            let v_at = at - self.rng.int(1_800, 6 * HOUR);
            self.visits.push(Visit {
                author: a,
                merchant: m,
                at: v_at,
                kind,
            });
            Some(true)
        } else {
            Some(false)
        };
        self.push_review(a, m, at, rating, Some(text), aspects, vv, Label::Honest);
        if let Some(r) = self.reviews.last_mut() {
            r.pattern = Some(pattern);
        }
    }

    /// A start that leaves `span` before `as_of`, recent more often than not (an old
    /// campaign has mostly decayed).
    fn recent_start(&mut self, opened: i64, span: i64) -> i64 {
        let lo = self.start.max(opened + 30 * DAY);
        let hi = self.as_of() - span - 2 * DAY;
        if self.rng.chance(0.6) {
            self.rng.int(lo.max(hi - 120 * DAY), hi)
        } else {
            self.rng.int(lo, hi)
        }
    }

    pub(super) fn campaign_space(
        &mut self,
        space: &CampaignSpace,
        city: City,
        range: Range<usize>,
    ) {
        let families = if space.families.is_empty() {
            Family::ALL.to_vec()
        } else {
            space.families.clone()
        };
        for _ in 0..space.per_city {
            let family = families[self.rng.below(families.len())];
            self.campaign(family, city, range.clone());
        }
    }

    /// Praise targets are mostly weak shops, but drawn across the quality range.
    fn praise_target(&mut self, range: Range<usize>) -> Option<usize> {
        let r = self.rng.unit();
        let (lo, hi) = if r < 0.6 {
            (0.0, 0.4)
        } else if r < 0.85 {
            (0.4, 0.65)
        } else {
            (0.65, 1.01)
        };
        self.pick_target(range.clone(), |m| m.quality >= lo && m.quality < hi)
            .or_else(|| self.pick_target(range, |_| true))
    }

    fn campaign(&mut self, family: Family, city: City, range: Range<usize>) {
        let params = Params::draw(&mut self.rng, family);
        let targets: Vec<usize> = match family.direction() {
            Direction::Praise => {
                let n = if family == Family::PraiseRing {
                    self.rng.int(2, 4)
                } else {
                    1
                };
                (0..n)
                    .filter_map(|_| self.praise_target(range.clone()))
                    .collect()
            }
            Direction::Scorn => {
                let food = family == Family::SafetySmear;
                self.pick_target(range.clone(), |m| m.quality >= 0.7 && (m.cat.food || !food))
                    .into_iter()
                    .collect()
            }
        };
        if targets.is_empty() {
            return;
        }
        let index = self.campaigns.len();
        let prefix = format!("c-{}-", city.code());
        let n = self
            .campaigns
            .iter()
            .filter(|c| c.id.starts_with(&prefix))
            .count();
        self.campaigns.push(CampaignInfo {
            id: format!("{prefix}{}", n + 1),
            family,
            params: params.clone(),
        });
        for &m in &targets {
            self.merchants[m].campaigns.push(index);
            match family.direction() {
                Direction::Praise => self.merchants[m].manipulation.push(family.name()),
                Direction::Scorn => self.merchants[m].attacked = true,
            }
        }
        let newest_open = targets
            .iter()
            .map(|&m| self.merchants[m].opened_at)
            .max()
            .unwrap_or(self.start);
        let start = self.recent_start(newest_open, params.span);
        let bank = match family.direction() {
            Direction::Praise => COPIED_PRAISE,
            Direction::Scorn => COPIED_SCORN,
        };
        let mut copied = Vec::new();
        for _ in 0..self.rng.int(1, 3) {
            let s = self.rng.word(bank);
            if !copied.contains(&s) {
                copied.push(s);
            }
        }
        let skeleton = (
            self.rng.word(TPL_OPEN),
            self.rng.word(TPL_MID),
            self.rng.word(TPL_CLOSE),
        );
        let ctx = Ctx {
            index,
            family,
            params,
            city,
            range,
            targets,
            start,
            copied,
            skeleton,
        };
        if family == Family::Staff {
            self.staff_campaign(&ctx);
        } else {
            self.account_campaign(&ctx);
        }
    }

    /// Clamps a post time into the shop's open life and before `as_of`.
    fn post_time(&self, m: usize, at: i64) -> i64 {
        at.min(self.as_of() - HOUR)
            .max(self.merchants[m].opened_at + DAY)
    }

    fn account_campaign(&mut self, ctx: &Ctx) {
        let p = &ctx.params;
        let n_targets = ctx.targets.len() as i64;
        // Rings work in lock-step: each target gets its window, every member posts in it.
        let hit = 0.6 + 0.35 * self.rng.unit();
        let window = (p.span / n_targets).max(2 * HOUR);
        for _ in 0..p.accounts {
            let mut posts: Vec<(usize, i64)> = Vec::new();
            for (j, &m) in ctx.targets.iter().enumerate() {
                if ctx.family == Family::PraiseRing {
                    if self.rng.chance(hit) {
                        let at = ctx.start + window * j as i64 + self.rng.int(0, window);
                        posts.push((m, self.post_time(m, at)));
                    }
                } else {
                    let k = if ctx.family == Family::DripPraise {
                        self.rng.int(1, 2)
                    } else {
                        1
                    };
                    for _ in 0..k {
                        let at = ctx.start + self.rng.int(0, p.span);
                        posts.push((m, self.post_time(m, at)));
                    }
                }
            }
            let (Some(first), Some(last)) = (
                posts.iter().map(|x| x.1).min(),
                posts.iter().map(|x| x.1).max(),
            ) else {
                continue;
            };
            let kind = if ctx.influencer() {
                Kind::Influencer
            } else {
                Kind::Campaign
            };
            let a = self.campaign_account(ctx, kind, first);
            for (m, at) in posts {
                self.campaign_post(ctx, a, m, at);
            }
            self.camouflage(ctx, a, first, last);
        }
    }

    /// An account of the campaign whose first post is at `first`.
    fn campaign_account(&mut self, ctx: &Ctx, kind: Kind, first: i64) -> usize {
        let p = &ctx.params;
        let age = if self.rng.chance(p.aged_share) {
            self.rng.int(60 * DAY, 1_500 * DAY)
        } else {
            self.rng.int(DAY, 30 * DAY)
        };
        let home = if self.rng.chance(0.9) {
            Some(ctx.city)
        } else {
            None
        };
        let a = self.add_author(kind, first - age, home);
        let followers = if ctx.influencer() {
            // Tiers instead of a power law: only arithmetic on uniforms (see rng.rs).
            match self.rng.below(3) {
                0 => self.rng.int(500, 3_000),
                1 => self.rng.int(3_000, 20_000),
                _ => self.rng.int(20_000, p.max_followers as i64),
            }
        } else {
            self.rng.int(0, p.max_followers as i64)
        };
        let verified = self.rng.chance(p.verified_share);
        let id = self.campaigns[ctx.index].id.clone();
        let au = &mut self.authors[a];
        au.followers = followers as u64;
        au.verified = verified;
        au.group = Some(id);
        a
    }

    /// Staff praise their shop from personal accounts for months; in half the campaigns the
    /// shop's own 商家号 joins in the last third.
    fn staff_campaign(&mut self, ctx: &Ctx) {
        let m = ctx.targets[0];
        let p = &ctx.params;
        for _ in 0..p.accounts {
            let posts: Vec<i64> = (0..self.rng.int(2, 6))
                .map(|_| {
                    let at = ctx.start + self.rng.int(0, p.span);
                    self.post_time(m, at)
                })
                .collect();
            let first = posts.iter().copied().min().unwrap_or(ctx.start);
            let a = self.campaign_account(ctx, Kind::Staff, first);
            for at in posts {
                self.campaign_post(ctx, a, m, at);
            }
        }
        if self.rng.chance(0.5) {
            let created = (self.merchants[m].opened_at + self.rng.int(0, 60 * DAY)).min(ctx.start);
            let a = self.add_author(Kind::Merchant, created, Some(ctx.city));
            self.authors[a].merchant = Some(m);
            for _ in 0..self.rng.int(1, 4) {
                let at = ctx.start + p.span * 2 / 3 + self.rng.int(0, p.span / 3);
                let at = self.post_time(m, at);
                self.campaign_post(ctx, a, m, at);
            }
        }
    }

    fn campaign_text(&mut self, ctx: &Ctx, m: usize, rating: f64) -> String {
        let praise = ctx.family.direction() == Direction::Praise;
        let text = match ctx.params.style {
            Style::Copied => ctx.copied[self.rng.below(ctx.copied.len())].to_string(),
            Style::Templated => {
                text::slotted(&mut self.rng, &self.merchants[m], ctx.skeleton, praise)
            }
            Style::Paraphrased => {
                text::paraphrased(&mut self.rng, &self.asap, &self.merchants[m], rating)
            }
            Style::Real => {
                let t = text::real(&mut self.rng, &self.asap, rating);
                if t.is_empty() {
                    text::paraphrased(&mut self.rng, &self.asap, &self.merchants[m], rating)
                } else {
                    t
                }
            }
        };
        if self.rng.chance(ctx.params.safety_share) {
            text::with_safety_complaint(&mut self.rng, &text)
        } else {
            text
        }
    }

    /// One post of the campaign about its target `m`.
    fn campaign_post(&mut self, ctx: &Ctx, a: usize, m: usize, at: i64) {
        let p = &ctx.params;
        let (rating, label) = match ctx.family.direction() {
            Direction::Praise => (
                if self.rng.chance(0.8) { 5.0 } else { 4.5 },
                Label::Campaign,
            ),
            Direction::Scorn => {
                let r = self.rng.unit();
                let rating = if r < 0.7 {
                    1.0
                } else if r < 0.85 {
                    1.5
                } else {
                    2.0
                };
                (rating, Label::Attack)
            }
        };
        let proof = match p.proof {
            Proof::None => None,
            Proof::Redemption => Some("redemption"),
            Proof::Payment => Some("payment"),
        };
        if let Some(kind) = proof {
            let v_at = at - self.rng.int(600, 6 * HOUR);
            self.visits.push(Visit {
                author: a,
                merchant: m,
                at: v_at,
                kind,
            });
        }
        let text = self.campaign_text(ctx, m, rating);
        if self.rng.chance(p.note_share) {
            let poi = self.rng.chance(0.85);
            let boost = if ctx.influencer() { 1.5 } else { 0.3 };
            let declared = ctx.family == Family::InfluencerDeclared;
            let n = self.push_note(
                a,
                at,
                vec![m],
                rating,
                poi,
                label,
                declared.then_some(true),
                boost,
            );
            // Paraphrased notes keep the note writer's own words; other styles put the
            // campaign's text after a line naming the shop.
            if p.style != Style::Paraphrased {
                let shop = &self.merchants[m];
                let named = text::mention(&mut self.rng, shop);
                self.notes[n].body = format!("今天去了{}的{}，{}", shop.area, named, text);
            }
            if declared {
                self.notes[n].tags.push("品牌合作".to_string());
            } else if ctx.family == Family::InfluencerUndeclared && self.rng.chance(1.0 / 3.0) {
                let marker = self
                    .rng
                    .pick(AD_MARKERS)
                    .replace("{name}", &self.merchants[m].name);
                self.notes[n].body.push_str(&format!("\n{marker}"));
            }
            self.notes[n].campaign = Some(ctx.index);
        } else {
            let aspects = self.rng.chance(0.5).then(|| {
                let v = rating.round() as u8;
                self.flat_aspects(m, v)
            });
            let vv = if proof.is_some() {
                Some(true)
            } else if self.rng.chance(0.7) {
                Some(false)
            } else {
                None
            };
            self.push_review(a, m, at, rating, Some(text), aspects, vv, label);
            if let Some(r) = self.reviews.last_mut() {
                r.campaign = Some(ctx.index);
            }
        }
    }

    /// 0..=camouflage honest-looking posts about other shops of the city, before the
    /// account's first campaign post or after its last.
    fn camouflage(&mut self, ctx: &Ctx, a: usize, first: i64, last: i64) {
        let others: Vec<usize> = ctx
            .range
            .clone()
            .filter(|&i| self.merchants[i].is_open() && !ctx.targets.contains(&i))
            .collect();
        if others.is_empty() {
            return;
        }
        for _ in 0..self.rng.int(0, ctx.params.camouflage as i64) {
            let o = others[self.rng.below(others.len())];
            let opened = self.merchants[o].opened_at + DAY;
            let before = (
                self.start.max(self.authors[a].created_at + DAY).max(opened),
                first - HOUR,
            );
            let after = ((last + HOUR).max(opened), self.as_of() - HOUR);
            let at = match (before.0 < before.1, after.0 < after.1) {
                (true, true) if self.rng.chance(0.5) => self.rng.int(before.0, before.1),
                (true, _) => self.rng.int(before.0, before.1),
                (_, true) => self.rng.int(after.0, after.1),
                _ => continue,
            };
            let q = self.merchants[o].quality;
            let rating = half_step(1.0 + 4.0 * (q + 0.16 * self.rng.normal()) + POSITIVITY);
            if ctx.influencer() {
                let n = self.push_note(a, at, vec![o], rating, true, Label::Camouflage, None, 1.0);
                self.notes[n].campaign = Some(ctx.index);
            } else {
                let text = text::review(&mut self.rng, &self.asap, &self.merchants[o], rating);
                let aspects = self.rng.chance(0.4).then(|| self.aspects_near(o, rating));
                self.push_review(
                    a,
                    o,
                    at,
                    rating,
                    Some(text),
                    aspects,
                    Some(false),
                    Label::Camouflage,
                );
                if let Some(r) = self.reviews.last_mut() {
                    r.campaign = Some(ctx.index);
                }
            }
        }
    }
}
