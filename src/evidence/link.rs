//! Merchant mention linking.
//!
//! Many notes carry no POI tag and only name the shop in their text (`周末去了隐巷，拿铁
//! 绝了`). A note with no `merchant_ids` whose city is known (its `ip_city`, or a tag that
//! names a city such as `杭州` or `杭州探店`) is linked to every merchant of that city whose
//! name, alias or name-with-branch it contains. A name shared by two merchants of the city
//! (two `老王面馆`, or a chain's name without the branch) is never guessed.

use compact_str::CompactString;
use std::collections::{BTreeMap, BTreeSet};

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;

use crate::corpus::{Corpus, Merchant, Note};
use crate::text::normalize;

/// How a note was tied to merchants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkSource {
    /// The note's own `merchant_ids` (POI tags).
    Tag,
    /// A merchant's name or alias found in the note's text.
    Mention,
}

/// How many notes were linked, and how.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LinkStats {
    /// Notes linked by their own POI tags.
    pub by_tag: u64,
    /// Untagged notes linked by a name found in their text.
    pub by_mention: u64,
    /// Untagged notes not linked to any merchant.
    pub unlinked: u64,
    /// Of the unlinked: notes that named only ambiguous names (left unguessed).
    pub ambiguous: u64,
    /// Of the unlinked: notes whose city could not be told.
    pub no_city: u64,
}

/// Merchants each note speaks of.
#[derive(Debug, Clone, Default)]
pub struct NoteLinks {
    by_note: BTreeMap<CompactString, (LinkSource, Vec<CompactString>)>,
    stats: LinkStats,
}

/// Names shorter than this many characters are too likely to occur by accident (`茶`).
const MIN_NAME_CHARS: usize = 2;

/// One city's names, ready to be searched for.
struct CityNames {
    matcher: AhoCorasick,
    /// Pattern index → merchants bearing that name.
    owners: Vec<Vec<String>>,
    patterns: Vec<String>,
}

impl CityNames {
    fn build(merchants: &[&Merchant]) -> Option<Self> {
        let mut by_name: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for m in merchants {
            for name in names_of(m) {
                let key = normalize(&name).text;
                if key.trim().chars().count() >= MIN_NAME_CHARS {
                    by_name.entry(key).or_default().insert(m.id.clone());
                }
            }
        }
        if by_name.is_empty() {
            return None;
        }
        let patterns: Vec<String> = by_name.keys().cloned().collect();
        let owners = by_name
            .into_values()
            .map(|s| s.into_iter().collect())
            .collect();
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .ok()?;
        Some(Self {
            matcher,
            owners,
            patterns,
        })
    }

    /// Merchants unambiguously named in `text` (normalised), and whether an ambiguous name
    /// was seen.
    fn find(&self, text: &str) -> (BTreeSet<String>, bool) {
        let mut found = BTreeSet::new();
        let mut ambiguous = false;
        for m in self.matcher.find_iter(text) {
            let pattern = &self.patterns[m.pattern().as_usize()];
            if !on_word_boundary(text, m.start(), m.end(), pattern) {
                continue;
            }
            match self.owners[m.pattern().as_usize()].as_slice() {
                [only] => {
                    found.insert(only.clone());
                }
                _ => ambiguous = true,
            }
        }
        (found, ambiguous)
    }
}

/// Every way people write this merchant's name.
fn names_of(m: &Merchant) -> Vec<String> {
    let mut names = vec![m.name.clone()];
    names.extend(m.aliases.iter().cloned());
    if let Some(branch) = &m.branch {
        names.push(format!("{}{}", m.name, branch));
        names.push(m.display_name());
        names.push(format!("{}({})", m.name, branch));
    }
    names
}

/// A Latin name (`manner`) must not match inside a longer Latin word (`mannerism`); Han
/// text has no spaces, so Han names match anywhere.
fn on_word_boundary(text: &str, start: usize, end: usize, pattern: &str) -> bool {
    let latin_edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let first = pattern.chars().next();
    let last = pattern.chars().last();
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !(latin_edge(first) && latin_edge(before) || latin_edge(last) && latin_edge(after))
}

impl NoteLinks {
    /// Links every note of `corpus`.
    pub fn build(corpus: &Corpus) -> Self {
        let mut by_city: BTreeMap<&str, Vec<&Merchant>> = BTreeMap::new();
        for m in corpus.merchants.values() {
            by_city.entry(m.city.as_str()).or_default().push(m);
        }
        use rayon::prelude::*;
        // Each city's matcher is built on its own (in parallel: building one is a fraction
        // of a second of one core at tens of thousands of names).
        let names: BTreeMap<&str, CityNames> = by_city
            .par_iter()
            .filter_map(|(city, ms)| CityNames::build(ms).map(|n| (*city, n)))
            .collect();

        // Each note is linked on its own (in parallel: finding names in a million texts
        // is a second of one core), then recorded in note order.
        let notes: Vec<(&CompactString, &Note)> = corpus.notes.iter().collect();
        let found: Vec<Found> = notes
            .par_iter()
            .map(|(_, note)| link_note(note, &names))
            .collect();
        let mut stats = LinkStats::default();
        let mut linked = Vec::with_capacity(found.len());
        for ((id, _), f) in notes.into_iter().zip(found) {
            match f {
                Found::Tag(ids) => {
                    linked.push((id.clone(), (LinkSource::Tag, ids)));
                    stats.by_tag += 1;
                }
                Found::NoCity => {
                    stats.unlinked += 1;
                    stats.no_city += 1;
                }
                Found::Nothing { ambiguous } => {
                    stats.unlinked += 1;
                    stats.ambiguous += u64::from(ambiguous);
                }
                Found::Mention(ids) => {
                    stats.by_mention += 1;
                    linked.push((id.clone(), (LinkSource::Mention, ids)));
                }
            }
        }
        // In id order already (the corpus's): built into the map at once, its nodes full,
        // rather than inserted one at a time.
        NoteLinks {
            by_note: linked.into_iter().collect(),
            stats,
        }
    }

    /// The merchants a note speaks of (empty when none could be told), sorted.
    pub fn merchants_of(&self, note_id: &str) -> &[CompactString] {
        self.by_note
            .get(note_id)
            .map(|(_, m)| m.as_slice())
            .unwrap_or(&[])
    }

    /// The merchants a note speaks of that `known` accepts (those in the corpus), sorted
    /// and deduplicated: the merchant list of the note's document.
    pub(crate) fn known_merchants_of(
        &self,
        note_id: &str,
        known: impl Fn(&str) -> bool,
    ) -> Vec<CompactString> {
        self.merchants_of(note_id)
            .iter()
            .filter(|m| known(m))
            .cloned()
            .collect()
    }

    /// How a note was linked, if it was.
    pub fn source_of(&self, note_id: &str) -> Option<LinkSource> {
        self.by_note.get(note_id).map(|(s, _)| *s)
    }

    /// Counts of notes by how they were linked.
    pub fn stats(&self) -> LinkStats {
        self.stats
    }

    /// Every linked note, in note-id order, with its merchants.
    pub fn iter(&self) -> impl Iterator<Item = (&str, LinkSource, &[CompactString])> {
        self.by_note
            .iter()
            .map(|(id, (s, ms))| (id.as_str(), *s, ms.as_slice()))
    }
}

/// What linking found for one note.
enum Found {
    /// Its own POI tags, sorted and deduplicated.
    Tag(Vec<CompactString>),
    /// Untagged, and no city could be told.
    NoCity,
    /// Untagged and no name found (`ambiguous`: only names several merchants share).
    Nothing { ambiguous: bool },
    /// Untagged, linked by the names found in its text, sorted.
    Mention(Vec<CompactString>),
}

fn link_note(note: &Note, names: &BTreeMap<&str, CityNames>) -> Found {
    if !note.merchant_ids.is_empty() {
        let mut ids = note.merchant_ids.clone();
        ids.sort();
        ids.dedup();
        return Found::Tag(ids);
    }
    let cities = note_cities(note, names);
    if cities.is_empty() {
        return Found::NoCity;
    }
    let text = normalize(note.text()).text;
    let mut found = BTreeSet::new();
    let mut ambiguous = false;
    for city in cities {
        let (f, a) = names[city].find(&text);
        found.extend(f);
        ambiguous |= a;
    }
    if found.is_empty() {
        Found::Nothing { ambiguous }
    } else {
        Found::Mention(found.into_iter().map(CompactString::from).collect())
    }
}

/// The corpus cities a note belongs to: its IP city, and any city its tags name
/// (`杭州`, `杭州探店`).
fn note_cities<'a>(note: &Note, names: &BTreeMap<&'a str, CityNames>) -> Vec<&'a str> {
    let mut cities: Vec<&'a str> = Vec::new();
    for &city in names.keys() {
        let by_ip = note.ip_city.as_deref() == Some(city);
        let by_tag = note.tags.iter().any(|t| t.starts_with(city));
        if by_ip || by_tag {
            cities.push(city);
        }
    }
    cities
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{MerchantStatus, Origin, Timestamp};

    fn merchant(
        id: &str,
        name: &str,
        branch: Option<&str>,
        aliases: &[&str],
        city: &str,
    ) -> Merchant {
        Merchant {
            id: id.into(),
            name: name.into(),
            branch: branch.map(Into::into),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            brand: None,
            city: city.into(),
            district: None,
            area: None,
            category: "饮品/咖啡".into(),
            location: None,
            price_per_person: None,
            status: MerchantStatus::Open,
            opened_at: None,
            origin: Origin {
                file: "merchants.jsonl",
                line: 1,
            },
        }
    }

    fn note(
        id: &str,
        body: &str,
        ip_city: Option<&str>,
        tags: &[&str],
        merchant_ids: &[&str],
    ) -> Note {
        Note {
            id: id.into(),
            author_id: "a1".into(),
            created_at: Timestamp::parse_rfc3339("2025-10-02T12:30:00+08:00").unwrap(),
            content: crate::corpus::NoteText::new(None, body),
            tags: tags.iter().map(|t| CompactString::from(*t)).collect(),
            merchant_ids: merchant_ids
                .iter()
                .map(|t| CompactString::from(*t))
                .collect(),
            ip_city: ip_city.map(Into::into),
            likes: 0,
            collects: 0,
            comments: 0,
            shares: 0,
            images: 0,
            sponsored: None,
            origin: Origin {
                file: "notes.jsonl",
                line: 1,
            },
        }
    }

    fn corpus() -> Corpus {
        let mut c = Corpus::default();
        for m in [
            merchant("hz1", "隐巷咖啡", None, &["隐巷"], "杭州"),
            merchant("hz2", "老王面馆", None, &[], "杭州"),
            merchant("hz3", "老王面馆", None, &[], "杭州"),
            merchant("hz4", "满记甜品", Some("湖滨银泰店"), &[], "杭州"),
            merchant("hz5", "满记甜品", Some("西溪印象城店"), &[], "杭州"),
            merchant("hz6", "Manner Coffee", None, &["manner"], "杭州"),
            merchant("sh1", "隐巷咖啡", None, &[], "上海"),
        ] {
            c.merchants.insert(m.id.clone(), m);
        }
        for n in [
            note("n1", "周末去了隐巷，拿铁绝了", Some("杭州"), &[], &[]),
            note("n2", "老王面馆的面真不错", Some("杭州"), &[], &[]),
            note(
                "n3",
                "满记甜品湖滨银泰店的杨枝甘露",
                None,
                &["杭州探店"],
                &[],
            ),
            note("n4", "满记甜品永远的神", Some("杭州"), &[], &[]),
            note("n5", "隐巷咖啡yyds", Some("北京"), &[], &[]),
            note("n6", "打卡", Some("杭州"), &[], &["hz2"]),
            note("n7", "ＭＡＮＮＥＲ的燕麦拿铁", Some("杭州"), &[], &[]),
            note("n8", "mannerism is not a shop", Some("杭州"), &[], &[]),
            note("n9", "隐巷咖啡", Some("上海"), &[], &[]),
        ] {
            c.notes.insert(n.id.clone(), n);
        }
        c
    }

    #[test]
    fn links_by_tag_name_alias_and_branch_in_the_notes_city() {
        let links = NoteLinks::build(&corpus());
        assert_eq!(links.merchants_of("n1"), ["hz1"]);
        assert_eq!(links.source_of("n1"), Some(LinkSource::Mention));
        assert_eq!(
            links.merchants_of("n3"),
            ["hz4"],
            "branch name picks one branch"
        );
        assert_eq!(links.merchants_of("n6"), ["hz2"]);
        assert_eq!(links.source_of("n6"), Some(LinkSource::Tag));
        assert_eq!(links.merchants_of("n7"), ["hz6"], "full-width Latin alias");
        assert_eq!(links.merchants_of("n9"), ["sh1"], "same name, other city");
    }

    #[test]
    fn ambiguous_or_cityless_names_are_not_guessed() {
        let links = NoteLinks::build(&corpus());
        assert!(links.merchants_of("n2").is_empty(), "two 老王面馆 in 杭州");
        assert!(
            links.merchants_of("n4").is_empty(),
            "chain name without branch"
        );
        assert!(links.merchants_of("n5").is_empty(), "北京 has no merchants");
        assert!(
            links.merchants_of("n8").is_empty(),
            "Latin name inside a longer word"
        );
        let s = links.stats();
        assert_eq!(
            (s.by_tag, s.by_mention, s.unlinked, s.ambiguous, s.no_city),
            (1, 4, 4, 2, 1)
        );
    }
}
