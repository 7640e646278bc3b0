//! For any seed and sizing, the generator is reproducible and its output meets the contract.

mod common;

use common::*;
use jingxuan_fixture_gen::{
    generate_to_memory, CampaignSpace, City, Family, GenConfig, DEFAULT_AS_OF,
};
use proptest::prelude::*;

fn config() -> impl Strategy<Value = GenConfig> {
    (
        any::<u64>(),
        proptest::sample::subsequence(City::ALL.to_vec(), 1..=3),
        30usize..90,
        0usize..1_200,
        0i64..400,
    )
        .prop_map(
            |(seed, cities, merchants_per_city, target_docs, days_back)| GenConfig {
                seed,
                cities,
                merchants_per_city,
                target_docs,
                notes_only: false,
                as_of: DEFAULT_AS_OF - days_back * DAY,
                campaigns: None,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn any_config_is_reproducible_and_valid(config in config()) {
        let files = generate_to_memory(&config);
        prop_assert_eq!(&files, &generate_to_memory(&config));
        let c = Corpus { files };
        check_contract(&c, config.as_of);
        check_references(&c);
        let t = truth(&c);
        let docs = c.lines("notes.jsonl").len() + c.lines("reviews.jsonl").len();
        // Edits and tombstones add lines; truth has one entry per document id.
        prop_assert!(t.docs.len() <= docs);
        prop_assert!(t.docs.len() >= config.target_docs.min(docs) * 9 / 10);
        let cities: std::collections::BTreeSet<&str> =
            config.cities.iter().map(|c| c.name()).collect();
        for m in c.lines("merchants.jsonl") {
            prop_assert!(cities.contains(s(&m, "city")));
        }
    }

    /// Any attack space on any small world: reproducible, valid, and every campaign's
    /// documents are counted on its targets.
    #[test]
    fn any_attack_space_is_reproducible_and_valid(
        config in config(),
        families in proptest::sample::subsequence(Family::ALL.to_vec(), 0..=4),
        per_city in 0usize..8,
        seed in any::<u64>(),
    ) {
        let config = config.with_campaigns(CampaignSpace { families, per_city, seed });
        let files = generate_to_memory(&config);
        prop_assert_eq!(&files, &generate_to_memory(&config));
        let c = Corpus { files };
        check_contract(&c, config.as_of);
        check_references(&c);
        let t = truth(&c);
        let aimed = t.docs.values().filter(|d| d.get("direction").is_some()).count();
        let counted: u64 = t
            .merchants
            .values()
            .flat_map(|m| m["campaigns"].as_array().cloned().unwrap_or_default())
            .map(|r| r["docs"].as_u64().unwrap_or(0))
            .sum();
        // A note about several shops counts once per shop; campaign notes name one shop.
        prop_assert_eq!(aimed as u64, counted);
    }
}
