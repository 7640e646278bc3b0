//! Merchant mention linking: a note with no POI tag that names a merchant of its city is
//! linked to it. PLACEHOLDER: tags only; the real linker comes with the main branch.

use std::collections::BTreeMap;

use crate::corpus::Corpus;

/// How a note was tied to merchants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkSource {
    /// The note's own `merchant_ids` (POI tags).
    Tag,
    /// A merchant's name or alias found in the note's text.
    Mention,
}

/// Merchants each note speaks of.
#[derive(Debug, Clone, Default)]
pub struct NoteLinks {
    by_note: BTreeMap<String, (LinkSource, Vec<String>)>,
}

impl NoteLinks {
    /// Links every note of `corpus`.
    pub fn build(corpus: &Corpus) -> Self {
        let mut by_note = BTreeMap::new();
        for (id, note) in &corpus.notes {
            if !note.merchant_ids.is_empty() {
                by_note.insert(id.clone(), (LinkSource::Tag, note.merchant_ids.clone()));
            }
        }
        Self { by_note }
    }

    /// The merchants a note speaks of (empty when none could be told).
    pub fn merchants_of(&self, note_id: &str) -> &[String] {
        self.by_note
            .get(note_id)
            .map(|(_, m)| m.as_slice())
            .unwrap_or(&[])
    }

    /// How a note was linked, if it was.
    pub fn source_of(&self, note_id: &str) -> Option<LinkSource> {
        self.by_note.get(note_id).map(|(s, _)| *s)
    }
}
