//! Text fingerprints for near-duplicate search: character shingles of the folded text,
//! their MinHash signature (the `gaoya` crate's hashers) cut into locality-sensitive bands.
//! Made when a text is read (and kept with its reading), compared in trust's template
//! search.

use gaoya::minhash::{MinHasher, MinHasher32};

use crate::text::fold;
use crate::text::hash::fnv1a;

/// Shingle width in characters: Chinese words are one to three characters long.
const SHINGLE: usize = 3;
/// Shorter texts (after dropping punctuation) say too little to call them copies.
const MIN_CHARS: usize = 16;
/// MinHash functions, in LSH bands of four rows: at a Jaccard similarity of 0.8 (trust's template threshold) a pair
/// shares a band with probability above 0.999; the band only proposes the pair, the exact
/// similarity of the shingle sets decides.
const NUM_HASHES: usize = 64;
/// LSH bands per signature.
pub(crate) const BANDS: usize = 16;

/// Jaccard similarity of two sorted, deduplicated sets.
pub(crate) fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        0.0
    } else {
        both as f64 / union as f64
    }
}

/// Character 3-grams of the folded text, punctuation dropped, each packed into a `u64`
/// (21 bits a char) so that hashing them is cheap.
pub(crate) fn shingles(text: &str) -> Vec<u64> {
    let chars: Vec<char> = fold(text).chars().filter(|c| c.is_alphanumeric()).collect();
    if chars.len() < MIN_CHARS {
        return Vec::new();
    }
    let mut out: Vec<u64> = chars
        .windows(SHINGLE)
        .map(|w| w.iter().fold(0u64, |acc, &c| (acc << 21) | u64::from(c)))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// One hash per LSH band of a text's MinHash signature: what near-duplicate search keeps
/// of each document.
pub type Bands = [u64; BANDS];

/// Makes [`Bands`]; build one and share it (its hash functions are fixed).
pub struct BandHasher(MinHasher32<fnv::FnvBuildHasher>);

impl Default for BandHasher {
    fn default() -> Self {
        BandHasher(MinHasher32::new(NUM_HASHES))
    }
}

impl BandHasher {
    /// The bands of `text`, `None` when it is too short to call a copy.
    pub fn bands(&self, text: &str) -> Option<Bands> {
        let shingles = shingles(text);
        if shingles.is_empty() {
            return None;
        }
        let signature = self.0.create_signature(shingles.iter());
        let mut bands = [0u64; BANDS];
        for (band, rows) in bands.iter_mut().zip(signature.chunks(NUM_HASHES / BANDS)) {
            *band = fnv1a(rows.iter().flat_map(|r| r.to_le_bytes()));
        }
        Some(bands)
    }
}
