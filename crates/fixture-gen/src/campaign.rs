//! The attack space: manipulation campaigns drawn at random, with wide parameters, from
//! named families, for a merchant or against it.
//!
//! A detector tuned on one shape of attack learns that shape. Each family here fixes only
//! what makes it that kind of attack (who writes, which way it points, how it is paid
//! for); everything else — how many accounts, how old, how verified, how followed, over
//! how long, in which words, with what camouflage and proof of visit — is drawn per
//! campaign. Evaluations tune on [`Family::TUNING`] and report on the rest.

use crate::rng::Rand;

/// Which way a campaign pushes its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// For the target: bought or self-written praise.
    Praise,
    /// Against the target: a competitor's scorn.
    Scorn,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Praise => "praise",
            Direction::Scorn => "scorn",
        }
    }
}

/// A family of campaigns. Parameter ranges are in [`Family::describe`] and the
/// generator's README.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Identical (or slot-templated) 5★ text from mostly fresh accounts within hours or days.
    CopiedPraise,
    /// Individually worded praise from aged accounts within days to two weeks.
    ParaphrasedPraise,
    /// Praise drip-fed over two to six months, one or two posts at a time.
    DripPraise,
    /// Fake orders: each account redeems a coupon (sometimes pays) before its 5★ review.
    FakeOrders,
    /// A ring of accounts praising 2–4 shops in lock-step, each member also reviewing
    /// 1–3 other shops in honest-looking words.
    PraiseRing,
    /// The shop's staff praising it repeatedly from personal accounts over months; in half
    /// the campaigns the shop's own 商家号 joins later.
    Staff,
    /// Influencers paid for notes, declared (`sponsored: true`, `#品牌合作`).
    InfluencerDeclared,
    /// Influencers paid for notes, undeclared (a third carry a soft disclosure marker).
    InfluencerUndeclared,
    /// A few dozen mostly new accounts posting the same few insulting sentences within days.
    CopiedScorn,
    /// 1–2★ in varied words from accounts most of a year to years old over about two weeks.
    VariedScorn,
    /// Food-safety smears (拉肚子, 不干净, 吃出头发/虫子) among varied 1–2★ posts.
    SafetySmear,
}

impl Family {
    /// Every family, in a fixed order.
    pub const ALL: [Family; 11] = [
        Family::CopiedPraise,
        Family::ParaphrasedPraise,
        Family::DripPraise,
        Family::FakeOrders,
        Family::PraiseRing,
        Family::Staff,
        Family::InfluencerDeclared,
        Family::InfluencerUndeclared,
        Family::CopiedScorn,
        Family::VariedScorn,
        Family::SafetySmear,
    ];

    /// The families thresholds may be tuned on; every other family is held out and only
    /// reported on.
    pub const TUNING: [Family; 4] = [
        Family::CopiedPraise,
        Family::FakeOrders,
        Family::CopiedScorn,
        Family::Staff,
    ];

    /// The snake_case name used in `truth.jsonl` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Family::CopiedPraise => "copied_praise",
            Family::ParaphrasedPraise => "paraphrased_praise",
            Family::DripPraise => "drip_praise",
            Family::FakeOrders => "fake_orders",
            Family::PraiseRing => "praise_ring",
            Family::Staff => "staff",
            Family::InfluencerDeclared => "influencer_declared",
            Family::InfluencerUndeclared => "influencer_undeclared",
            Family::CopiedScorn => "copied_scorn",
            Family::VariedScorn => "varied_scorn",
            Family::SafetySmear => "safety_smear",
        }
    }

    pub fn parse(s: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == s.trim())
    }

    pub fn direction(self) -> Direction {
        match self {
            Family::CopiedScorn | Family::VariedScorn | Family::SafetySmear => Direction::Scorn,
            _ => Direction::Praise,
        }
    }

    pub fn is_tuning(self) -> bool {
        Family::TUNING.contains(&self)
    }

    /// One line on what is fixed and what is drawn.
    pub fn describe(self) -> &'static str {
        match self {
            Family::CopiedPraise => "5–60 accounts, 60–100% fresh (1–30 days), 1–3 identical sentences or a slot template, hours–days",
            Family::ParaphrasedPraise => "5–60 accounts, 70–100% aged (60–1,500 days), individually worded or real ASAP text, days–two weeks",
            Family::DripPraise => "5–60 accounts of any age, 1–2 posts each spread over 2–6 months, any non-copied style",
            Family::FakeOrders => "5–60 accounts, a coupon redemption (15%: payment) 10 min–6 h before each review, days–months",
            Family::PraiseRing => "5–60 accounts praising 2–4 shops in lock-step (60–95% of members per shop), 1–3 camouflage reviews each",
            Family::Staff => "2–8 aged staff accounts, 2–6 posts each over 3–13 months; in half, the 商家号 posts 1–4 times later",
            Family::InfluencerDeclared => "3–15 influencers (500–300,000 followers), notes marked sponsored, days–two weeks",
            Family::InfluencerUndeclared => "3–15 influencers (500–300,000 followers), unmarked notes, a third with a soft marker",
            Family::CopiedScorn => "5–60 accounts, 60–100% fresh, 1–3 identical insulting sentences, hours–days",
            Family::VariedScorn => "5–60 accounts, 70–100% aged, individually worded or real ASAP 1★ text, about two weeks (some days)",
            Family::SafetySmear => "5–60 accounts of any age, 30–80% of posts carry a food-safety complaint, days–two weeks, food shops",
        }
    }
}

/// The attack space of a generated world ([`crate::GenConfig::campaigns`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignSpace {
    /// Families campaigns are drawn from, uniformly; empty means every family.
    pub families: Vec<Family>,
    /// Campaigns per city (a praise ring counts once, whatever its number of targets).
    pub per_city: usize,
    /// Seed of the campaign draws, mixed with the world's seed: the merchants stay those
    /// of [`crate::GenConfig::seed`], the writing changes with both.
    pub seed: u64,
}

impl CampaignSpace {
    /// Every family, six campaigns per city.
    pub fn all(seed: u64) -> CampaignSpace {
        CampaignSpace {
            families: Family::ALL.to_vec(),
            per_city: 6,
            seed,
        }
    }

    /// Only `family`, six campaigns per city.
    pub fn only(family: Family, seed: u64) -> CampaignSpace {
        CampaignSpace {
            families: vec![family],
            ..CampaignSpace::all(seed)
        }
    }
}

/// One drawn campaign, as recorded in the truth.
#[derive(Debug, Clone)]
pub struct CampaignInfo {
    /// `c-<city code>-<n>`.
    pub id: String,
    pub family: Family,
    pub params: Params,
}

/// How a campaign's text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// 1–3 sentences copied verbatim.
    Copied,
    /// One skeleton, slots filled per post.
    Templated,
    /// Individually worded from varied phrase banks.
    Paraphrased,
    /// Real sentences from the ASAP sample of the matching polarity.
    Real,
}

impl Style {
    pub fn as_str(self) -> &'static str {
        match self {
            Style::Copied => "copied",
            Style::Templated => "templated",
            Style::Paraphrased => "paraphrased",
            Style::Real => "real",
        }
    }
}

/// What proof of a visit campaign posts carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    None,
    Redemption,
    Payment,
}

/// The parameters drawn for one campaign.
#[derive(Debug, Clone)]
pub struct Params {
    pub accounts: usize,
    /// Share of accounts 60–1,500 days old at posting; the rest are 1–30 days old.
    pub aged_share: f64,
    pub verified_share: f64,
    /// Followers are drawn in 0..=max (influencers: from tiers up to 300,000).
    pub max_followers: u64,
    /// Seconds from the first to the last post.
    pub span: i64,
    pub style: Style,
    /// Honest-looking reviews of other shops per account: 0..=camouflage.
    pub camouflage: usize,
    pub proof: Proof,
    /// Share of posts that are notes rather than reviews.
    pub note_share: f64,
    /// Safety smears: share of posts with a food-safety complaint.
    pub safety_share: f64,
}

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

fn span(rng: &mut Rand, kinds: &[u8]) -> i64 {
    match kinds[rng.below(kinds.len())] {
        0 => rng.int(2 * HOUR, 23 * HOUR),
        1 => rng.int(2 * DAY, 6 * DAY),
        2 => rng.int(10 * DAY, 16 * DAY),
        _ => rng.int(60 * DAY, 180 * DAY),
    }
}

fn style(rng: &mut Rand, weights: [f64; 4]) -> Style {
    let cum = crate::rng::cumulative(weights);
    [
        Style::Copied,
        Style::Templated,
        Style::Paraphrased,
        Style::Real,
    ][rng.weighted(&cum)]
}

impl Params {
    /// Draws a campaign of `family`.
    pub fn draw(rng: &mut Rand, family: Family) -> Params {
        use Family::*;
        let accounts = match family {
            Staff => rng.int(2, 8),
            InfluencerDeclared | InfluencerUndeclared => rng.int(3, 15),
            _ => rng.int(5, 60),
        } as usize;
        let aged_share = match family {
            CopiedPraise | CopiedScorn => {
                if rng.chance(0.5) {
                    0.0
                } else {
                    0.4 * rng.unit()
                }
            }
            ParaphrasedPraise | VariedScorn => 0.7 + 0.3 * rng.unit(),
            Staff | InfluencerDeclared | InfluencerUndeclared => 1.0,
            _ => rng.unit(),
        };
        let verified_share = match family {
            InfluencerDeclared | InfluencerUndeclared => 0.3 + 0.6 * rng.unit(),
            _ => 0.5 * rng.unit(),
        };
        let max_followers = match family {
            InfluencerDeclared | InfluencerUndeclared => 300_000,
            _ => rng.int(5, 400) as u64,
        };
        let span = match family {
            CopiedPraise | CopiedScorn => span(rng, &[0, 1]),
            ParaphrasedPraise | InfluencerDeclared | InfluencerUndeclared | SafetySmear => {
                span(rng, &[1, 2])
            }
            DripPraise => span(rng, &[3]),
            FakeOrders | PraiseRing => span(rng, &[1, 2, 3]),
            Staff => rng.int(90 * DAY, 400 * DAY),
            VariedScorn => span(rng, &[1, 2, 2, 2]),
        };
        let style = match family {
            CopiedPraise => style(rng, [0.7, 0.3, 0.0, 0.0]),
            CopiedScorn => Style::Copied,
            ParaphrasedPraise | VariedScorn | SafetySmear | Staff => {
                style(rng, [0.0, 0.0, 0.6, 0.4])
            }
            InfluencerDeclared | InfluencerUndeclared => style(rng, [0.0, 0.0, 0.8, 0.2]),
            DripPraise | FakeOrders | PraiseRing => style(rng, [0.0, 0.2, 0.5, 0.3]),
        };
        let camouflage = match family {
            PraiseRing => rng.int(1, 3),
            Staff => 0,
            _ if rng.chance(0.5) => 0,
            _ => rng.int(1, 3),
        } as usize;
        let proof = match family {
            FakeOrders if rng.chance(0.85) => Proof::Redemption,
            FakeOrders => Proof::Payment,
            Staff | InfluencerDeclared | InfluencerUndeclared => Proof::None,
            _ => {
                let r = rng.unit();
                if r < 0.7 {
                    Proof::None
                } else if r < 0.85 {
                    Proof::Redemption
                } else {
                    Proof::Payment
                }
            }
        };
        let note_share = match family {
            InfluencerDeclared | InfluencerUndeclared => 1.0,
            FakeOrders => 0.0,
            _ => 0.5 * rng.unit(),
        };
        let safety_share = match family {
            SafetySmear => 0.3 + 0.5 * rng.unit(),
            _ => 0.0,
        };
        Params {
            accounts,
            aged_share,
            verified_share,
            max_followers,
            span,
            style,
            camouflage,
            proof,
            note_share,
            safety_share,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_directions_split() {
        for f in Family::ALL {
            assert_eq!(Family::parse(f.name()), Some(f));
        }
        let scorn = Family::ALL
            .iter()
            .filter(|f| f.direction() == Direction::Scorn)
            .count();
        assert_eq!(scorn, 3);
        assert!(Family::TUNING.iter().all(|f| Family::ALL.contains(f)));
    }

    #[test]
    fn drawn_parameters_stay_in_their_ranges() {
        let mut rng = Rand::new(3);
        for _ in 0..200 {
            for f in Family::ALL {
                let p = Params::draw(&mut rng, f);
                assert!((2..=60).contains(&p.accounts), "{f:?}");
                assert!((0.0..=1.0).contains(&p.aged_share));
                assert!((0.0..=0.9).contains(&p.verified_share));
                assert!(p.span >= 2 * HOUR && p.span <= 400 * DAY, "{f:?}");
                assert!(p.camouflage <= 3);
                if f == Family::FakeOrders {
                    assert_ne!(p.proof, Proof::None);
                }
                if f == Family::CopiedScorn {
                    assert_eq!(p.style, Style::Copied);
                }
            }
        }
    }
}
