//! The generated world: cities, merchants, authors and documents, before rendering.

use std::collections::BTreeSet;

use crate::banks::{self, Category, District, CATEGORIES, CHAINS, NAME_PREFIXES};
use crate::clock::DAY;
use crate::rng::Rand;

/// A city the generator knows streets and 商圈 of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum City {
    Shanghai,
    Hangzhou,
    Guangzhou,
}

impl City {
    /// Every supported city.
    pub const ALL: [City; 3] = [City::Shanghai, City::Hangzhou, City::Guangzhou];

    /// The name people write, e.g. `杭州`.
    pub fn name(self) -> &'static str {
        match self {
            City::Shanghai => "上海",
            City::Hangzhou => "杭州",
            City::Guangzhou => "广州",
        }
    }

    /// Parses a Chinese name (`杭州`) or a pinyin/short name (`hangzhou`, `hz`).
    pub fn parse(s: &str) -> Option<City> {
        match s.trim().to_ascii_lowercase().as_str() {
            "上海" | "shanghai" | "sh" => Some(City::Shanghai),
            "杭州" | "hangzhou" | "hz" => Some(City::Hangzhou),
            "广州" | "guangzhou" | "gz" => Some(City::Guangzhou),
            _ => None,
        }
    }

    pub(crate) fn code(self) -> &'static str {
        match self {
            City::Shanghai => "sh",
            City::Hangzhou => "hz",
            City::Guangzhou => "gz",
        }
    }

    pub(crate) fn districts(self) -> &'static [District] {
        match self {
            City::Shanghai => banks::SHANGHAI,
            City::Hangzhou => banks::HANGZHOU,
            City::Guangzhou => banks::GUANGZHOU,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Commercial {
    pub ad_spend_30d: Option<u64>,
    pub paid_partner: Option<bool>,
    pub discount_pct: Option<u32>,
    pub commission_rate: Option<f64>,
}

pub struct Merchant {
    pub id: String,
    pub name: String,
    pub branch: Option<String>,
    pub aliases: Vec<String>,
    pub brand: Option<&'static str>,
    pub city: City,
    pub district: &'static str,
    pub area: &'static str,
    pub cat: &'static Category,
    pub lat: f64,
    pub lng: f64,
    pub price: u32,
    pub status: &'static str,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    pub commercial: Option<Commercial>,
    pub quality: f64,
    pub popularity: f64,
    pub manipulation: Vec<&'static str>,
    pub attacked: bool,
    /// Indices into [`World::campaigns`] of the campaigns aimed at this shop.
    pub campaigns: Vec<usize>,
    /// Honest behaviour that looks like an attack (`viral_week`, `opening_rush`).
    pub pattern: Option<&'static str>,
}

impl Merchant {
    /// The last instant a customer could have been there.
    pub fn last_open(&self, as_of: i64) -> i64 {
        self.closed_at.unwrap_or(as_of)
    }

    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Local,
    Verified,
    Influencer,
    New,
    Farm,
    Merchant,
    Banned,
    /// An account bought or run for a campaign (see `campaign.rs`).
    Campaign,
    /// A personal account of a shop's staff.
    Staff,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Local => "local",
            Kind::Verified => "verified",
            Kind::Influencer => "influencer",
            Kind::New => "new",
            Kind::Farm => "farm",
            Kind::Merchant => "merchant",
            Kind::Banned => "banned",
            Kind::Campaign => "campaign",
            Kind::Staff => "staff",
        }
    }
}

pub struct Author {
    pub id: String,
    pub created_at: i64,
    pub followers: u64,
    pub verified: bool,
    pub home_city: Option<City>,
    pub merchant: Option<usize>,
    pub banned: bool,
    pub kind: Kind,
    pub group: Option<String>,
    /// Relative posting frequency of honest authors.
    pub activity: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Honest,
    Burst,
    Farm,
    Template,
    SoftAd,
    DeclaredAd,
    SelfPromo,
    Attack,
    /// Praise written for a campaign (the family is in the document's campaign tag).
    Campaign,
    /// Honest-looking writing by a campaign account about a shop outside the campaign.
    Camouflage,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Honest => "honest",
            Label::Burst => "burst",
            Label::Farm => "farm",
            Label::Template => "template",
            Label::SoftAd => "soft_ad",
            Label::DeclaredAd => "declared_ad",
            Label::SelfPromo => "self_promo",
            Label::Attack => "attack",
            Label::Campaign => "campaign",
            Label::Camouflage => "camouflage",
        }
    }
}

pub struct Note {
    pub id: String,
    pub at: i64,
    pub author: usize,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    /// Merchants the note is about (truth), whether or not they are POI-tagged.
    pub about: Vec<usize>,
    pub poi: bool,
    pub ip_city: Option<String>,
    pub likes: u64,
    pub collects: u64,
    pub comments: u64,
    pub shares: u64,
    pub images: u32,
    pub sponsored: Option<bool>,
    pub label: Label,
    pub deleted: bool,
    /// Index into [`World::campaigns`] of the campaign that wrote it.
    pub campaign: Option<usize>,
    /// Honest behaviour that looks like an attack (see [`Merchant::pattern`], plus
    /// `free_meal_mention` and `one_shot`).
    pub pattern: Option<&'static str>,
}

#[derive(Debug, Clone, Copy)]
pub struct Aspects {
    pub taste: Option<u8>,
    pub environment: u8,
    pub service: u8,
    pub value: u8,
}

pub struct Review {
    pub id: String,
    pub at: i64,
    pub author: usize,
    pub merchant: usize,
    pub rating: f64,
    pub aspects: Option<Aspects>,
    pub text: Option<String>,
    pub images: u32,
    pub likes: u64,
    pub verified_visit: Option<bool>,
    pub label: Label,
    /// A later line with the same id replaces this one (a user's edit).
    pub edit: Option<(f64, String)>,
    pub campaign: Option<usize>,
    pub pattern: Option<&'static str>,
}

pub struct Visit {
    pub author: usize,
    pub merchant: usize,
    pub at: i64,
    pub kind: &'static str,
}

pub struct Curation {
    pub merchant: usize,
    pub decision: &'static str,
    pub reason: String,
    pub by: &'static str,
    pub at: i64,
}

/// Everything generated, ready to render.
pub struct World {
    pub merchants: Vec<Merchant>,
    pub authors: Vec<Author>,
    pub notes: Vec<Note>,
    pub reviews: Vec<Review>,
    pub visits: Vec<Visit>,
    pub curation: Vec<Curation>,
    pub campaigns: Vec<crate::campaign::CampaignInfo>,
}

/// Rounds to 6 decimals so that coordinates print short.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

pub fn round3(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

const LATIN_ALIASES: &[&str] = &["Mori", "Lumi", "Nook", "Kumo", "Haven", "Soleil"];

fn pick_area(rng: &mut Rand, city: City) -> (&'static str, &'static banks::Area) {
    let d = rng.pick(city.districts());
    (d.name, rng.pick(d.areas))
}

fn weighted_category(rng: &mut Rand) -> &'static Category {
    let cum = crate::rng::cumulative(CATEGORIES.iter().map(|c| f64::from(c.weight)));
    &CATEGORIES[rng.weighted(&cum)]
}

fn category_of(path: &str) -> &'static Category {
    CATEGORIES
        .iter()
        .find(|c| c.path == path)
        .unwrap_or(&CATEGORIES[0])
}

/// The merchants of one city, in id order.
pub fn merchants_for(rng: &mut Rand, city: City, n: usize, as_of: i64) -> Vec<Merchant> {
    let mut out: Vec<Merchant> = Vec::with_capacity(n);
    let mut used_names = BTreeSet::new();
    // About a fifth of shops are chain branches; the coffee chain is the biggest.
    let chain_total = n / 5;
    let chain_weights: Vec<usize> = (0..CHAINS.len())
        .map(|i| if i == 0 { 3 } else { 1 })
        .collect();
    let weight_sum: usize = chain_weights.iter().sum();
    for (chain, w) in CHAINS.iter().zip(&chain_weights) {
        let branches = (chain_total * w / weight_sum).max(1);
        let mut branch_names = BTreeSet::new();
        for _ in 0..branches {
            let (district, area) = pick_area(rng, city);
            let mut branch = format!("{}店", area.name);
            for ordinal in ["二", "三", "四", "五", "六", "七", "八", "九"] {
                if !branch_names.contains(&branch) {
                    break;
                }
                branch = format!("{}{}店", area.name, ordinal);
            }
            branch_names.insert(branch.clone());
            let quality = (chain.quality + 0.08 * rng.normal()).clamp(0.05, 0.95);
            out.push(new_merchant(
                rng,
                as_of,
                MerchantSeed {
                    name: chain.name.to_string(),
                    branch: Some(branch),
                    aliases: chain.aliases.iter().map(|s| s.to_string()).collect(),
                    brand: Some(chain.brand),
                    city,
                    district,
                    area,
                    cat: category_of(chain.category),
                    quality,
                },
            ));
        }
    }
    let independents = n.saturating_sub(out.len());
    for i in 0..independents {
        // Cover every category before drawing by weight.
        let cat = match CATEGORIES.get(i) {
            Some(c) => c,
            None => weighted_category(rng),
        };
        let mut prefix = *rng.pick(NAME_PREFIXES);
        let mut name = format!("{}{}", prefix, rng.pick(cat.suffixes));
        let mut tries = 0;
        while used_names.contains(&name) {
            tries += 1;
            prefix = *rng.pick(NAME_PREFIXES);
            name = if tries < 20 {
                format!("{}{}", prefix, rng.pick(cat.suffixes))
            } else if tries < 200 {
                format!(
                    "{}{}{}",
                    prefix,
                    rng.pick(NAME_PREFIXES),
                    rng.pick(cat.suffixes)
                )
            } else {
                // Only huge benchmark cities get here; a numbered name always ends the loop.
                format!("{}{}{}号", prefix, rng.pick(cat.suffixes), out.len() + i)
            };
        }
        used_names.insert(name.clone());
        let mut aliases = Vec::new();
        if rng.chance(0.3) && prefix.chars().count() >= 2 {
            aliases.push(prefix.to_string());
        }
        if rng.chance(0.06) {
            aliases.push(rng.pick(LATIN_ALIASES).to_string());
        }
        let (district, area) = pick_area(rng, city);
        let quality = (0.5 + 0.2 * rng.normal()).clamp(0.02, 0.98);
        out.push(new_merchant(
            rng,
            as_of,
            MerchantSeed {
                name,
                branch: None,
                aliases,
                brand: None,
                city,
                district,
                area,
                cat,
                quality,
            },
        ));
    }
    // Ids must not reveal chain membership or generation order.
    rng.shuffle(&mut out);
    for (i, m) in out.iter_mut().enumerate() {
        m.id = format!("m-{}-{:04}", city.code(), i + 1);
    }
    out
}

struct MerchantSeed {
    name: String,
    branch: Option<String>,
    aliases: Vec<String>,
    brand: Option<&'static str>,
    city: City,
    district: &'static str,
    area: &'static banks::Area,
    cat: &'static Category,
    quality: f64,
}

fn new_merchant(rng: &mut Rand, as_of: i64, s: MerchantSeed) -> Merchant {
    let lat = round6(s.area.lat + 0.004 * rng.normal());
    let lng = round6(s.area.lng + 0.004 * rng.normal());
    let price = rng.int(i64::from(s.cat.price.0), i64::from(s.cat.price.1)) as u32;
    let opened_at = if rng.chance(0.06) {
        as_of - rng.int(40, 200) * DAY
    } else {
        as_of - rng.int(420, 2_600) * DAY
    };
    let roll = rng.unit();
    let (status, closed_at) = if roll < 0.05 {
        let from = opened_at + 120 * DAY;
        let to = as_of - 20 * DAY;
        ("closed", Some(rng.int(from.min(to), to)))
    } else if roll < 0.07 {
        ("suspended", None)
    } else {
        ("open", None)
    };
    // Drawn without looking at quality: money and merit are independent.
    let commercial = if rng.chance(0.35) {
        Some(Commercial {
            ad_spend_30d: rng.chance(0.8).then(|| rng.int(0, 800) as u64 * 100),
            paid_partner: rng.chance(0.9).then(|| rng.chance(0.4)),
            discount_pct: rng.chance(0.5).then(|| rng.int(5, 30) as u32),
            commission_rate: rng.chance(0.5).then(|| (rng.int(5, 20) as f64) / 100.0),
        })
    } else {
        None
    };
    let popularity = rng.heavy() * (0.4 + s.quality);
    Merchant {
        id: String::new(),
        name: s.name,
        branch: s.branch,
        aliases: s.aliases,
        brand: s.brand,
        city: s.city,
        district: s.district,
        area: s.area.name,
        cat: s.cat,
        lat,
        lng,
        price,
        status,
        opened_at,
        closed_at,
        commercial,
        quality: round3(s.quality),
        popularity,
        manipulation: Vec::new(),
        attacked: false,
        campaigns: Vec::new(),
        pattern: None,
    }
}

/// A new author of `kind`; `created_at` is chosen by the caller's scenario.
pub fn new_author(rng: &mut Rand, kind: Kind, created_at: i64, home_city: Option<City>) -> Author {
    let (followers, verified, activity) = match kind {
        Kind::Local => (rng.int(0, 300) as u64, false, rng.heavy()),
        Kind::Verified => (rng.int(20, 3_000) as u64, true, 1.5 * rng.heavy()),
        Kind::Influencer => {
            let u = rng.unit();
            let f = 10_000.0 + u * u * u * 490_000.0;
            (f.round() as u64, rng.chance(0.7), 3.0 * rng.heavy())
        }
        Kind::New => (rng.int(0, 20) as u64, false, 0.3),
        Kind::Farm => (rng.int(0, 8) as u64, false, 0.0),
        Kind::Merchant => (rng.int(0, 500) as u64, rng.chance(0.5), 0.0),
        Kind::Banned => (rng.int(0, 30) as u64, false, 0.0),
        // Campaign code sets followers and verification itself.
        Kind::Campaign | Kind::Staff => (0, false, 0.0),
    };
    Author {
        id: String::new(),
        created_at,
        followers,
        verified,
        home_city,
        merchant: None,
        banned: kind == Kind::Banned,
        kind,
        group: None,
        activity,
    }
}
