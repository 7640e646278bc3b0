//! Commercial content: the platform's `sponsored` label, undeclared soft ads (软文) found
//! by their markers, and by their shape (an influencer praising many unrelated shops within
//! days). Commercial evidence counts for nothing in reputation; it stays reportable.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::corpus::{Corpus, DocKind};
use crate::evidence::EvidenceSet;
// Marker matching reads text only; it sits on the ground floor so that the evidence stage
// can use it too (an advertiser must not teach the learned reader).
use crate::text::markers::Wording;
pub use crate::text::markers::{marker_in, programme_in};

/// Why a document is treated as commercial.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "by", content = "detail")]
pub enum Commercial {
    /// The platform's own label.
    Declared,
    /// A marker such as `受邀` or `#品牌合作` in the text.
    Marker(String),
    /// One of many glowing notes an influencer posted about unrelated shops in a short time.
    Shape {
        /// How many glowing notes the author posted in the window.
        notes_in_window: usize,
    },
}

/// Documents that mention a platform programme, by document index, with the phrase (see
/// [`programme_in`]). A document already judged commercial by [`detect`] is not listed.
pub fn programmes_in(
    evidence: &EvidenceSet,
    commercial: &BTreeMap<usize, Commercial>,
) -> BTreeMap<usize, String> {
    // From each document's wording, found as its text was read.
    evidence
        .docs
        .iter()
        .enumerate()
        .filter(|(i, _)| !commercial.contains_key(i))
        .filter_map(|(i, d)| Some((i, Wording::programme_of(&d.wording)?.to_string())))
        .collect()
}

/// Followers from which an account counts as an influencer.
pub const INFLUENCER_FOLLOWERS: u64 = 10_000;
/// Shape rule: at least this many praising notes …
pub(crate) const SHAPE_MIN_NOTES: usize = 7;
/// … within this many days.
pub(crate) const SHAPE_WINDOW_DAYS: f64 = 14.0;
/// … of which at least this many different shops (brands) are tagged or named …
pub(crate) const SHAPE_MIN_SHOPS: usize = 4;
/// … where a note this positive (text polarity) counts as praise.
const PRAISE: f64 = 0.3;

/// [`detect`] and [`programmes_in`] of its result.
pub fn detect_with_programmes(
    corpus: &Corpus,
    evidence: &EvidenceSet,
) -> (BTreeMap<usize, Commercial>, BTreeMap<usize, String>) {
    let out = detect(corpus, evidence);
    let programmes = programmes_in(evidence, &out);
    (out, programmes)
}

/// Documents judged commercial, by document index. No text is searched here: each
/// document's markers and programmes were found as its text was read
/// ([`Document::wording`](crate::evidence::extract::Document::wording)), once, and an
/// update's reused readings keep theirs.
pub fn detect(corpus: &Corpus, evidence: &EvidenceSet) -> BTreeMap<usize, Commercial> {
    let mut out: BTreeMap<usize, Commercial> = BTreeMap::new();
    for (i, d) in evidence.docs.iter().enumerate() {
        if d.declared_sponsored == Some(true) {
            out.insert(i, Commercial::Declared);
        } else if let Some(m) = Wording::marker_of(&d.wording)
            // 感谢大众点评及商家提供的这次免费体验，抽中了霸王餐: the programme's own
            // wording (免费体验, 商家提供) is no soft ad; see `programmes_in`.
            .filter(|_| Wording::programme_of(&d.wording).is_none())
        {
            out.insert(i, Commercial::Marker(m.to_string()));
        }
    }

    // Shape: per influencer, praising notes in time order (linked to a merchant or not: a
    // campaign's notes do not all carry a POI tag); any window of SHAPE_WINDOW_DAYS holding
    // SHAPE_MIN_NOTES of them, about at least SHAPE_MIN_SHOPS different brands, marks them.
    let mut praising: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in evidence.docs.iter().enumerate() {
        if d.kind == DocKind::Note && f64::from(d.reading.polarity) >= PRAISE {
            praising.entry(d.author_id.as_str()).or_default().push(i);
        }
    }
    for (author, mut docs) in praising {
        let followers = corpus
            .authors
            .get(author)
            .and_then(|a| a.followers)
            .unwrap_or(0);
        if followers < INFLUENCER_FOLLOWERS {
            continue;
        }
        docs.sort_by_key(|&i| (evidence.docs[i].created_at, i));
        let mut start = 0;
        for end in 0..docs.len() {
            while evidence.docs[docs[start]]
                .created_at
                .days_until(evidence.docs[docs[end]].created_at)
                > SHAPE_WINDOW_DAYS
            {
                start += 1;
            }
            let window = &docs[start..=end];
            let brands: std::collections::BTreeSet<String> = window
                .iter()
                .flat_map(|&i| evidence.docs[i].merchant_ids.iter())
                .map(|m| {
                    corpus
                        .merchants
                        .get(m.as_str())
                        .and_then(|m| m.brand.clone())
                        .unwrap_or_else(|| m.to_string())
                })
                .collect();
            if window.len() >= SHAPE_MIN_NOTES && brands.len() >= SHAPE_MIN_SHOPS {
                for &i in window {
                    out.entry(i).or_insert(Commercial::Shape {
                        notes_in_window: window.len(),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_found_in_folded_text_and_honest_text_is_left_alone() {
        assert_eq!(
            marker_in("本次探店由品牌方提供，味道真的不错").as_deref(),
            Some("本次探店由")
        );
        assert_eq!(
            marker_in("＃品牌合作 新店打卡").as_deref(),
            Some("#品牌合作")
        );
        assert_eq!(marker_in("受邀来试吃，环境很好").as_deref(), Some("受邀"));
        assert_eq!(marker_in("和朋友来吃的，合作愉快的一餐"), None);
        assert_eq!(
            marker_in("和星河小酒馆合作。今天去了江南西").as_deref(),
            Some("和星河小酒馆合作")
        );
        assert_eq!(
            marker_in("感谢隐巷咖啡的邀请，拿铁不错").as_deref(),
            Some("感谢隐巷咖啡的邀请")
        );
        assert_eq!(marker_in("和老公一起来的，服务员很热情地招呼"), None);
        assert_eq!(marker_in("自己花钱来的，拿铁好喝"), None);
    }

    #[test]
    fn denials_disclaimers_and_programmes_are_not_soft_ads() {
        // Real wording from honest reviews.
        assert_eq!(marker_in("和大众点评已经没有合作了，但是菜还是好吃"), None);
        assert_eq!(marker_in("非商家邀请，自费来的"), None);
        assert_eq!(marker_in("没有受邀，纯路人"), None);
        assert_eq!(marker_in("这次是抽中了大众点评的霸王餐"), None);
        assert_eq!(
            programme_in("这次是抽中了大众点评的霸王餐").as_deref(),
            Some("霸王餐")
        );
        assert_eq!(programme_in("不是霸王餐，自己买单的"), None);
        assert_eq!(programme_in("自己买单，味道不错"), None);
        assert_eq!(marker_in("感谢大众点评的邀请，菜品不错"), None);
        // A marker that is not denied still counts.
        assert_eq!(marker_in("受邀来试吃，不是很辣").as_deref(), Some("受邀"));
    }
}
