//! The fields of the search index.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};

use super::tokenizer::TOKENIZER_NAME;

/// Field handles of the index schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// Note or review id; the upsert key.
    pub doc_id: Field,
    /// `note` or `review`.
    pub kind: Field,
    /// Merchants the document speaks of (multi-valued).
    pub merchant_ids: Field,
    /// Cities of those merchants, or the note's IP city (multi-valued).
    pub city: Field,
    /// Full category paths of those merchants, stored for display.
    pub category: Field,
    /// Every prefix of every category path (`美食`, `美食/火锅`), indexed for filtering.
    pub category_prefix: Field,
    /// Creation instant (UTC), indexed and fast for range queries and sorting.
    pub created_at: Field,
    /// Creation time as written, with the writer's offset, for display.
    pub created_at_text: Field,
    /// Note title + body, or review text, segmented by the jingxuan analyzer.
    pub text: Field,
}

pub(crate) const DOC_ID: &str = "doc_id";
const KIND: &str = "kind";
const MERCHANT_IDS: &str = "merchant_ids";
const CITY: &str = "city";
const CATEGORY: &str = "category";
const CATEGORY_PREFIX: &str = "category_prefix";
const CREATED_AT: &str = "created_at";
const CREATED_AT_TEXT: &str = "created_at_text";
const TEXT: &str = "text";

/// The schema every jingxuan index is created with.
pub(crate) fn build_schema() -> Schema {
    let mut b = Schema::builder();
    b.add_text_field(DOC_ID, STRING | STORED);
    b.add_text_field(KIND, STRING | STORED);
    b.add_text_field(MERCHANT_IDS, STRING | STORED);
    b.add_text_field(CITY, STRING | STORED);
    b.add_text_field(CATEGORY, STORED);
    b.add_text_field(CATEGORY_PREFIX, STRING);
    b.add_date_field(CREATED_AT, INDEXED | STORED | FAST);
    b.add_text_field(CREATED_AT_TEXT, STORED);
    // Frequencies without positions: search ranks by BM25 over term queries and makes its
    // snippets from the stored text, so nothing reads positions; recording them cost the
    // indexing thread a position per token and the folder 10% of its size. (Folders made
    // with positions, before this, answer the same and are updated alike: tantivy keeps
    // each index's own schema.)
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER_NAME)
        .set_index_option(IndexRecordOption::WithFreqs);
    b.add_text_field(
        TEXT,
        TextOptions::default()
            .set_indexing_options(indexing)
            .set_stored(),
    );
    b.build()
}

impl Fields {
    /// Looks every field up; `Err` names the first one missing (a foreign schema).
    pub(crate) fn resolve(schema: &Schema) -> Result<Self, String> {
        let get = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| format!("its schema has no field {name:?}"))
        };
        Ok(Self {
            doc_id: get(DOC_ID)?,
            kind: get(KIND)?,
            merchant_ids: get(MERCHANT_IDS)?,
            city: get(CITY)?,
            category: get(CATEGORY)?,
            category_prefix: get(CATEGORY_PREFIX)?,
            created_at: get(CREATED_AT)?,
            created_at_text: get(CREATED_AT_TEXT)?,
            text: get(TEXT)?,
        })
    }
}
