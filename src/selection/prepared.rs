//! What selection needs to know about a city's merchants that no policy changes, worked out
//! once per scoreboard: each board row's merchant record and evidence range, its top-level
//! group, district and brand as small integers, the standing approvals, the supply grid of
//! open merchants, and (per H3 resolution, on first use) its map cell. [`crate::Analysis`]
//! keeps one beside each cached scoreboard, so `select` itself only walks integers.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use crate::corpus::{Corpus, Decision, Merchant, MerchantStatus};
use crate::reputation::Scoreboard;

/// Name of the district of merchants without one.
pub(super) const NO_DISTRICT: &str = "未知区域";

/// Per-merchant facts of one scoreboard, aligned with `board.merchants`.
pub struct Prepared {
    /// The merchant record of each board row (`None` when the corpus lacks it).
    pub(super) merchants: Vec<Option<Merchant>>,
    /// Each board row's range of `evidence.items`.
    pub(super) ranges: Vec<Option<Range<usize>>>,
    /// Each row's top-level group, an index into `tops`.
    pub(super) top: Vec<u32>,
    /// Each row's district, an index into `districts`.
    pub(super) district: Vec<u32>,
    /// Each row's brand, an index among the board's brands.
    pub(super) brand: Vec<Option<u32>>,
    /// Whether a reviewer's standing decision approves the row's merchant.
    pub(super) approved: Vec<bool>,
    /// Whether the row's merchant belongs to the board's city.
    pub(super) in_city: Vec<bool>,
    /// Top-level groups and districts by name: an id's order is its name's order.
    pub(super) tops: Vec<String>,
    pub(super) districts: Vec<String>,
    pub(super) brands: usize,
    /// Whether a top-level group or district occurs among the city's merchants (the
    /// supply grid's rows and columns).
    pub(super) grid_top: Vec<bool>,
    pub(super) grid_district: Vec<bool>,
    /// Open merchants of the city by `district * tops.len() + top`.
    pub(super) open: Vec<usize>,
    /// Board rows by merchant id, sorted by id.
    by_id: Vec<(String, u32)>,
    /// Map cells by H3 resolution, made on first use.
    #[cfg_attr(not(feature = "h3"), allow(dead_code))]
    cells: Mutex<BTreeMap<u8, Arc<Cells>>>,
}

/// Each board row's map cell at one resolution, as an index among the board's cells.
pub(super) struct Cells {
    pub(super) of: Vec<Option<u32>>,
    pub(super) count: usize,
}

fn id_of(names: &[&str], name: &str) -> u32 {
    names.binary_search(&name).expect("interned name") as u32
}

impl Prepared {
    /// The facts of `board`'s rows, read from `corpus` and `ranges`.
    pub fn new<'a>(
        corpus: &'a Corpus,
        board: &Scoreboard,
        ranges: &BTreeMap<String, Range<usize>>,
    ) -> Prepared {
        let city = board.city.as_str();
        let merchants: Vec<Option<&'a Merchant>> = board
            .merchants
            .iter()
            .map(|s| corpus.merchants.get(&s.merchant_id))
            .collect();
        let city_merchants: Vec<&'a Merchant> = corpus
            .merchants
            .values()
            .filter(|m| m.city == city)
            .collect();
        let district_of = |m: &'a Merchant| m.district.as_deref().unwrap_or(NO_DISTRICT);

        let listed = || merchants.iter().flatten().chain(&city_merchants).copied();
        let tops: Vec<&'a str> = listed()
            .map(Merchant::top_category)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let districts: Vec<&'a str> = listed()
            .map(district_of)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let brand_names: Vec<&'a str> = merchants
            .iter()
            .flatten()
            .filter_map(|m| m.brand.as_deref())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();

        let mut grid_top = vec![false; tops.len()];
        let mut grid_district = vec![false; districts.len()];
        let mut open = vec![0; tops.len() * districts.len()];
        for m in &city_merchants {
            let (t, d) = (
                id_of(&tops, m.top_category()) as usize,
                id_of(&districts, district_of(m)) as usize,
            );
            grid_top[t] = true;
            grid_district[d] = true;
            if m.status == MerchantStatus::Open {
                open[d * tops.len() + t] += 1;
            }
        }

        let decisions = corpus.standing_decisions();
        let n = merchants.len();
        let (mut top, mut district, mut brand) = (vec![0; n], vec![0; n], vec![None; n]);
        let (mut approved, mut in_city) = (vec![false; n], vec![false; n]);
        for (i, m) in merchants.iter().enumerate() {
            let Some(m) = m else { continue };
            top[i] = id_of(&tops, m.top_category());
            district[i] = id_of(&districts, district_of(m));
            brand[i] = m.brand.as_deref().map(|b| id_of(&brand_names, b));
            approved[i] = decisions
                .get(m.id.as_str())
                .is_some_and(|d| d.decision == Decision::Approve);
            in_city[i] = m.city == city;
        }
        let mut by_id: Vec<(&'a str, u32)> = merchants
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.map(|m| (m.id.as_str(), i as u32)))
            .collect();
        by_id.sort_unstable();
        Prepared {
            ranges: board
                .merchants
                .iter()
                .map(|s| ranges.get(&s.merchant_id).cloned())
                .collect(),
            merchants: merchants.into_iter().map(|m| m.cloned()).collect(),
            top,
            district,
            brand,
            approved,
            in_city,
            tops: tops.into_iter().map(str::to_string).collect(),
            districts: districts.into_iter().map(str::to_string).collect(),
            brands: brand_names.len(),
            grid_top,
            grid_district,
            open,
            by_id: by_id
                .into_iter()
                .map(|(id, row)| (id.to_string(), row))
                .collect(),
            cells: Mutex::new(BTreeMap::new()),
        }
    }

    /// The board row of a merchant id.
    pub(super) fn row(&self, id: &str) -> Option<usize> {
        self.by_id
            .binary_search_by(|(k, _)| k.as_str().cmp(id))
            .ok()
            .map(|k| self.by_id[k].1 as usize)
    }

    /// Each row's map cell at H3 `resolution`: `None` for a resolution H3 does not have,
    /// and in a build without the `h3` feature (picks are then spread by district only).
    pub(super) fn cells(&self, resolution: u8) -> Option<Arc<Cells>> {
        #[cfg(feature = "h3")]
        {
            let resolution = h3o::Resolution::try_from(resolution).ok()?;
            Some(self.cells_at(resolution))
        }
        #[cfg(not(feature = "h3"))]
        {
            let _ = resolution;
            None
        }
    }

    #[cfg(feature = "h3")]
    fn cells_at(&self, resolution: h3o::Resolution) -> Arc<Cells> {
        let key = u8::from(resolution);
        // A poisoned lock only means another thread panicked mid-insert; the map is still
        // a valid cache.
        let cache = || self.cells.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache().get(&key) {
            return Arc::clone(c);
        }
        let raw: Vec<Option<u64>> = self
            .merchants
            .iter()
            .map(|m| {
                let loc = m.as_ref().and_then(|m| m.location)?;
                h3o::LatLng::new(loc.lat, loc.lng)
                    .ok()
                    .map(|ll| u64::from(ll.to_cell(resolution)))
            })
            .collect();
        let mut distinct: Vec<u64> = raw.iter().flatten().copied().collect();
        distinct.sort_unstable();
        distinct.dedup();
        let cells = Arc::new(Cells {
            of: raw
                .iter()
                .map(|c| c.map(|c| distinct.binary_search(&c).expect("listed cell") as u32))
                .collect(),
            count: distinct.len(),
        });
        Arc::clone(cache().entry(key).or_insert(cells))
    }
}
