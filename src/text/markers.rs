//! Phrases of commercial content found in folded text: soft-ad markers (受邀, #品牌合作, a
//! partnership stated in passing) and platform programmes (霸王餐), each unless denied
//! (没有受邀, 和大众点评已经没有合作). Text alone decides, so both the evidence stage (which
//! accounts teach the learned reader) and trust (`trust::sponsored`) use it.

use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};

use crate::text::fold;

const MARKERS: &str = include_str!("../../data/trust/soft_ad_markers.txt");
const PROGRAMMES: &str = include_str!("../../data/trust/platform_programmes.txt");

fn matcher(
    list: &'static str,
    cell: &'static OnceLock<Option<AhoCorasick>>,
) -> Option<&'static AhoCorasick> {
    cell.get_or_init(|| {
        let words: Vec<String> = list
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("# "))
            .map(fold)
            .collect();
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(words)
            .ok()
    })
    .as_ref()
}

fn markers() -> Option<&'static AhoCorasick> {
    static M: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    matcher(MARKERS, &M)
}

fn programmes() -> Option<&'static AhoCorasick> {
    static M: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    matcher(PROGRAMMES, &M)
}

/// Words that deny what follows them (非商家邀请, 没有受邀, 不是霸王餐, 并非合作探店).
const DENIALS: [&str; 8] = ["不是", "并非", "并不是", "没有", "没", "不", "非", "绝非"];

/// Whether a denial stands right before byte `at` of `norm` (only 已经, 再 or 是 between).
fn denied(norm: &str, at: usize) -> bool {
    let mut before = &norm[..at];
    for filler in ["已经", "再", "是"] {
        before = before.strip_suffix(filler).unwrap_or(before);
    }
    DENIALS.iter().any(|d| before.ends_with(d))
}

/// The first phrase of `list` in `norm` that is not denied.
fn first_undenied(ac: Option<&AhoCorasick>, norm: &str) -> Option<String> {
    ac?.find_iter(norm)
        .find(|m| !denied(norm, m.start()))
        .map(|m| norm[m.start()..m.end()].to_string())
}

/// The first soft-ad marker in `text`, if any. A denied marker (没有受邀, 非商家邀请) or a
/// disclaimer (和大众点评已经没有合作) is none.
pub fn marker_in(text: &str) -> Option<String> {
    marker_in_folded(&fold(text))
}

fn marker_in_folded(norm: &str) -> Option<String> {
    first_undenied(markers(), norm).or_else(|| partner_phrase(norm))
}

/// The first mention of a platform programme in `text` (霸王餐: the platform draws free
/// diners by lot and asks them for a review), if any.
///
/// Such a review is not bought by the shop and is no reason to hold it, but it was not paid
/// for either: the trust stage should count it as one of a batch of related documents (not
/// independent), never as a soft ad. See `trust::sponsored::programmes_in`.
pub fn programme_in(text: &str) -> Option<String> {
    first_undenied(programmes(), &fold(text))
}

/// Whether `text` holds a soft-ad marker ([`marker_in`]) or a platform programme
/// ([`programme_in`]): both from one folding of the text, for a caller that asks both.
pub fn has_marker_or_programme(text: &str) -> bool {
    Wording::of(text).is_some()
}

/// What a text says of commercial ties: its first soft-ad marker ([`marker_in`]) and its
/// first platform programme ([`programme_in`]), found with one folding of the text.
///
/// It depends on the text alone, so an analysis finds it once, while the text is read,
/// and keeps it with the reading: the detectors that ask it of every document (which
/// accounts teach the learned reader, which documents are commercial) then search no
/// text, and an update asks nothing of a text it has read before. Most texts have
/// neither, and are `None` (see [`Wording::of`]).
///
/// ```
/// use jingxuan::text::markers::Wording;
///
/// let w = Wording::of("受邀来试吃，这次还抽中了霸王餐").expect("both are there");
/// assert_eq!(w.marker.as_deref(), Some("受邀"));
/// assert_eq!(w.programme.as_deref(), Some("霸王餐"));
/// assert!(Wording::of("没有受邀，自己买单的").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wording {
    /// The first soft-ad marker, as [`marker_in`] finds it.
    pub marker: Option<String>,
    /// The first platform programme, as [`programme_in`] finds it.
    pub programme: Option<String>,
}

impl Wording {
    /// The wording of `text`; `None` when it has neither a marker nor a programme.
    pub fn of(text: &str) -> Option<Arc<Wording>> {
        Self::of_folded(&fold(text))
    }

    /// [`Wording::of`] a text already folded (the analyzer's normalised text).
    pub(crate) fn of_folded(norm: &str) -> Option<Arc<Wording>> {
        let marker = marker_in_folded(norm);
        let programme = first_undenied(programmes(), norm);
        (marker.is_some() || programme.is_some()).then(|| Arc::new(Wording { marker, programme }))
    }

    /// The marker of a text of this wording (`None` for no wording).
    pub fn marker_of(wording: &Option<Arc<Wording>>) -> Option<&str> {
        wording.as_ref()?.marker.as_deref()
    }

    /// The programme of a text of this wording (`None` for no wording).
    pub fn programme_of(wording: &Option<Arc<Wording>>) -> Option<&str> {
        wording.as_ref()?.programme.as_deref()
    }
}

/// The platforms' own names: thanking or naming them is no business partnership.
const PLATFORMS: [&str; 5] = ["大众点评", "点评", "美团", "小红书", "抖音"];

/// Words that open a `和…合作` / `感谢…邀请` phrase naming a business partner.
const PARTNER_LEADS: [&str; 4] = ["和", "与", "跟", "感谢"];
/// Words that close it (not 款待/招待: honest diners thank a host for those).
const PARTNER_ENDS: [&str; 2] = ["合作", "邀请"];
/// The partner's name between them is at most this many characters, within one clause.
const PARTNER_MAX_CHARS: usize = 12;

/// `和星河小酒馆合作`, `感谢隐巷咖啡的邀请`: a partnership stated in passing.
fn partner_phrase(norm: &str) -> Option<String> {
    for end in PARTNER_ENDS {
        for (at, _) in norm.match_indices(end) {
            let before: Vec<(usize, char)> = norm[..at].char_indices().rev().collect();
            for (k, &(i, c)) in before.iter().enumerate() {
                if k > PARTNER_MAX_CHARS || !(c.is_alphanumeric() || c == '的') {
                    break;
                }
                let lead = PARTNER_LEADS
                    .iter()
                    .find(|l| norm[i..at].starts_with(**l) && norm[i..at].len() > l.len());
                // 和大众点评已经没有合作, 与商家无合作: a disclaimer, not a partnership.
                let between = &norm[i..at];
                // 感谢大众点评的邀请: the platform, not a business partner.
                let platform = PLATFORMS.iter().any(|p| between.contains(p));
                if lead.is_some()
                    && !platform
                    && !DENIALS.iter().any(|d| between.contains(d))
                    && !denied(norm, i)
                {
                    return Some(norm[i..at + end.len()].to_string());
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_folding_answers_as_both_searches_do() {
        for text in [
            "本次探店由品牌方提供，味道真的不错",
            "＃品牌合作 新店打卡",
            "这次是抽中了大众点评的霸王餐",
            "不是霸王餐，自己买单的",
            "和星河小酒馆合作。今天去了江南西",
            "没有受邀，纯路人",
            "自己花钱来的，拿铁好喝",
            "ＨＥＬＬＯ，受邀来试吃😋",
            "",
        ] {
            assert_eq!(
                has_marker_or_programme(text),
                marker_in(text).is_some() || programme_in(text).is_some(),
                "{text}"
            );
        }
        assert!(has_marker_or_programme("抽中了霸王餐"));
        for text in [
            "ＨＥＬＬＯ，受邀来试吃😋",
            "受邀来的，抽中了霸王餐",
            "不是霸王餐，和星河小酒馆合作",
            "自己花钱来的",
        ] {
            let w = Wording::of(text);
            assert_eq!(
                Wording::marker_of(&w).map(str::to_string),
                marker_in(text),
                "{text}"
            );
            assert_eq!(
                Wording::programme_of(&w).map(str::to_string),
                programme_in(text),
                "{text}"
            );
            assert_eq!(Wording::of_folded(&fold(text)), w);
        }
        assert!(!has_marker_or_programme("和朋友来吃的，合作愉快的一餐"));
    }
}
