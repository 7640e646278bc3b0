//! Seedless hashing: every hash the pipeline keeps (term hashes, text hashes, model
//! fingerprints, band hashes) must be the same on every run and machine, which std's
//! randomly seeded hasher is not.

/// 64-bit FNV-1a: small, fixed and seedless.
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A token text's hash, as kept in [`Document::terms`](crate::evidence::Document::terms).
/// Stable across runs and platforms; two of a document's words sharing a hash is vanishingly
/// unlikely.
pub fn term_hash(term: &str) -> u64 {
    fnv1a(term.bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // From the FNV reference test suite (64-bit FNV-1a).
        assert_eq!(fnv1a(*b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(*b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(*b"foobar"), 0x8594_4171_f739_67e8);
    }
}
