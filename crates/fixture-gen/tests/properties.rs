//! For any seed and sizing, the generator is reproducible and its output meets the contract.

mod common;

use common::*;
use jingxuan_fixture_gen::{generate_to_memory, City, GenConfig, DEFAULT_AS_OF};
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
}
