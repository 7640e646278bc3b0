//! One JSON object → one validated record, or every problem found in it.
//!
//! Validation reads the parsed `serde_json` object field by field instead of deriving
//! `Deserialize`, so that one line reports *all* its problems, each naming its field, and
//! each problem carries a short reason kind (`missing-field`, `out-of-range`, …) that
//! lenient mode counts by.

use compact_str::CompactString;
use serde_json::{Map, Value};

use super::json::{Obj, Val};

use super::records::*;
use super::time::Timestamp;

/// One problem with one field of one line; the loader adds file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issue {
    pub field: String,
    /// Short stable reason kind, the key of `FileReport::skipped`.
    pub kind: &'static str,
    pub reason: String,
}

impl Issue {
    pub(crate) fn new(
        field: impl Into<String>,
        kind: &'static str,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            kind,
            reason: reason.into(),
        }
    }
}

/// Reason kinds (keys of `FileReport::skipped`).
pub(crate) mod kind {
    pub const INVALID_UTF8: &str = "invalid-utf8";
    pub const LINE_TOO_LONG: &str = "line-too-long";
    pub const INVALID_JSON: &str = "invalid-json";
    pub const NOT_AN_OBJECT: &str = "not-an-object";
    pub const MISSING_FIELD: &str = "missing-field";
    pub const WRONG_TYPE: &str = "wrong-type";
    pub const EMPTY: &str = "empty-value";
    pub const OUT_OF_RANGE: &str = "out-of-range";
    pub const BAD_TIMESTAMP: &str = "invalid-timestamp";
    pub const UNKNOWN_VALUE: &str = "unknown-enum-value";
    pub const LAT_LNG: &str = "lat-lng-pair";
    pub const UNKNOWN_MERCHANT: &str = "unknown-merchant";
    pub const TOO_LONG: &str = "too-long";
    pub const TOO_MANY: &str = "too-many";
}

/// Size caps on one record (from `LoadOptions`), so that a hostile line cannot make the
/// engine hold or analyse absurd values. Each is checked before anything is copied.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Free text: note title and body, review text, curation reason. In chars.
    pub text_chars: usize,
    /// Every other string: ids, names, cities, categories, tags, aliases. In chars.
    pub field_chars: usize,
    pub tags: usize,
    pub merchant_ids: usize,
    pub aliases: usize,
}

/// Which `LoadOptions` field sets a cap, for messages that say how to raise it.
fn option_of_list(field: &str) -> &'static str {
    match field {
        "tags" => "max_tags",
        "merchant_ids" => "max_merchant_ids",
        _ => "max_aliases",
    }
}

/// Reads typed fields from one JSON object, collecting issues. `null` counts as absent.
pub(crate) struct Fields<'a> {
    obj: &'a Obj<'a>,
    limits: Limits,
    pub issues: Vec<Issue>,
}

impl<'a> Fields<'a> {
    pub fn new(obj: &'a Obj<'a>, limits: Limits) -> Self {
        Self {
            obj,
            limits,
            issues: Vec::new(),
        }
    }

    fn get(&self, field: &str) -> Option<&'a Val<'a>> {
        match self.obj.get(field) {
            None | Some(Val::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn push(&mut self, field: &str, kind: &'static str, reason: impl Into<String>) {
        self.issues.push(Issue::new(field, kind, reason));
    }

    fn missing(&mut self, field: &str) {
        self.push(field, kind::MISSING_FIELD, "required field is missing");
    }

    fn wrong_type(&mut self, field: &str, expected: &str, got: &Val<'_>) {
        let got = got.type_name();
        self.push(
            field,
            kind::WRONG_TYPE,
            format!("expected {expected}, got {got}"),
        );
    }

    /// True when `s` is within `cap` chars; otherwise records a `too-long` issue naming
    /// `option`, the `LoadOptions` field that raises the cap.
    fn within(&mut self, field: &str, s: &str, cap: usize, option: &str) -> bool {
        // A string of at most `cap` bytes has at most `cap` chars: no need to count.
        if s.len() <= cap {
            return true;
        }
        let chars = s.chars().count();
        if chars <= cap {
            return true;
        }
        self.push(
            field,
            kind::TOO_LONG,
            format!(
                "{chars} characters long; the limit is {cap} (LoadOptions::{option} raises it)"
            ),
        );
        false
    }

    /// An optional string, as written (may be empty), capped at `max_field_chars`.
    pub fn opt_str(&mut self, field: &str) -> Option<String> {
        let cap = self.limits.field_chars;
        self.opt_str_capped(field, cap, "max_field_chars")
    }

    /// An optional free text (title, body, review text), capped at `max_text_chars`.
    pub fn opt_text(&mut self, field: &str) -> Option<String> {
        let cap = self.limits.text_chars;
        self.opt_str_capped(field, cap, "max_text_chars")
    }

    /// A required free text that may be empty.
    pub fn req_text(&mut self, field: &str) -> Option<String> {
        if self.get(field).is_none() {
            self.missing(field);
            return None;
        }
        self.opt_text(field)
    }

    fn opt_str_capped(&mut self, field: &str, cap: usize, option: &str) -> Option<String> {
        self.opt_str_ref(field, cap, option).map(str::to_string)
    }

    /// An optional free text, borrowed from the line (for a record that keeps it shared).
    pub fn opt_text_ref(&mut self, field: &str) -> Option<&'a str> {
        let cap = self.limits.text_chars;
        self.opt_str_ref(field, cap, "max_text_chars")
    }

    fn opt_str_ref(&mut self, field: &str, cap: usize, option: &str) -> Option<&'a str> {
        match self.get(field)? {
            Val::Str(s) => self.within(field, s, cap, option).then_some(&**s),
            other => {
                self.wrong_type(field, "a string", other);
                None
            }
        }
    }

    /// A required string that may be empty.
    pub fn req_str(&mut self, field: &str) -> Option<String> {
        if self.get(field).is_none() {
            self.missing(field);
            return None;
        }
        self.opt_str(field)
    }

    /// A required string with some non-blank content (ids, names).
    pub fn req_nonempty(&mut self, field: &str) -> Option<String> {
        let s = self.req_str(field)?;
        if s.trim().is_empty() {
            self.push(field, kind::EMPTY, "must not be empty");
            return None;
        }
        Some(s)
    }

    /// An optional string; a blank one counts as absent (exports often write `""` for
    /// "unknown", and the contract puts no constraint on these).
    pub fn opt_nonempty(&mut self, field: &str) -> Option<String> {
        self.opt_str(field).filter(|s| !s.trim().is_empty())
    }

    /// An optional list of strings (`tags`, `merchant_ids` or `aliases`), blank entries
    /// dropped, at most as many entries as that list's cap allows.
    pub fn str_list(&mut self, field: &str) -> Vec<String> {
        let Some(v) = self.get(field) else {
            return Vec::new();
        };
        let Val::Array(items) = v else {
            self.wrong_type(field, "an array of strings", v);
            return Vec::new();
        };
        let cap = match field {
            "tags" => self.limits.tags,
            "merchant_ids" => self.limits.merchant_ids,
            _ => self.limits.aliases,
        };
        if items.len() > cap {
            // One issue for the list, not one per entry: a million entries must not make a
            // million messages.
            self.push(
                field,
                kind::TOO_MANY,
                format!(
                    "{} entries; the limit is {cap} (LoadOptions::{} raises it)",
                    items.len(),
                    option_of_list(field)
                ),
            );
            return Vec::new();
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item {
                // A blank entry names nothing; dropping it keeps `""` from matching all.
                Val::Str(s) if s.trim().is_empty() => {}
                Val::Str(s) => {
                    let cap = self.limits.field_chars;
                    if self.within(&format!("{field}[{i}]"), s, cap, "max_field_chars") {
                        out.push(s.to_string());
                    }
                }
                other => self.wrong_type(&format!("{field}[{i}]"), "a string", other),
            }
        }
        out
    }

    /// An optional boolean.
    pub fn opt_bool(&mut self, field: &str) -> Option<bool> {
        match self.get(field)? {
            Val::Bool(b) => Some(*b),
            other => {
                self.wrong_type(field, "true or false", other);
                None
            }
        }
    }

    /// An optional integer ≥ 0.
    pub fn opt_count(&mut self, field: &str) -> Option<u64> {
        let v = self.get(field)?;
        match v {
            Val::Number(n) => {
                if let Some(u) = n.as_u64() {
                    Some(u)
                } else if n.as_i64().is_some_and(|i| i < 0) || n.as_f64().is_some_and(|f| f < 0.0) {
                    self.push(field, kind::OUT_OF_RANGE, format!("must be ≥ 0, got {n}"));
                    None
                } else {
                    self.push(
                        field,
                        kind::WRONG_TYPE,
                        format!("expected a whole number, got {n}"),
                    );
                    None
                }
            }
            other => {
                self.wrong_type(field, "a whole number ≥ 0", other);
                None
            }
        }
    }

    /// An optional finite number.
    pub fn opt_number(&mut self, field: &str) -> Option<f64> {
        let v = self.get(field)?;
        match v.as_f64() {
            Some(f) if f.is_finite() => Some(f),
            Some(_) => {
                self.push(field, kind::OUT_OF_RANGE, "number is out of range");
                None
            }
            None => {
                self.wrong_type(field, "a number", v);
                None
            }
        }
    }

    /// An optional number within `[lo, hi]`.
    pub fn opt_in_range(&mut self, field: &str, lo: f64, hi: f64) -> Option<f64> {
        let f = self.opt_number(field)?;
        if f < lo || f > hi {
            self.push(
                field,
                kind::OUT_OF_RANGE,
                format!("must be between {lo} and {hi}, got {f}"),
            );
            return None;
        }
        Some(f)
    }

    /// A required RFC 3339 timestamp with offset.
    pub fn req_timestamp(&mut self, field: &str) -> Option<Timestamp> {
        let s = self.req_str(field)?;
        self.timestamp_of(field, &s, false)
    }

    /// An optional RFC 3339 timestamp; with `date_ok`, a plain `YYYY-MM-DD` too.
    pub fn opt_timestamp(&mut self, field: &str, date_ok: bool) -> Option<Timestamp> {
        let s = self.opt_str(field)?;
        self.timestamp_of(field, &s, date_ok)
    }

    fn timestamp_of(&mut self, field: &str, s: &str, date_ok: bool) -> Option<Timestamp> {
        let parsed = if date_ok {
            Timestamp::parse_date_or_rfc3339(s)
        } else {
            Timestamp::parse_rfc3339(s)
        };
        match parsed {
            Ok(t) => Some(t),
            Err(e) => {
                self.push(field, kind::BAD_TIMESTAMP, e);
                None
            }
        }
    }

    /// A string that must be one of `allowed` (given as `(spelling, value)` pairs).
    pub fn enum_of<T: Copy>(
        &mut self,
        field: &str,
        required: bool,
        allowed: &[(&str, T)],
    ) -> Option<T> {
        let s = if required {
            self.req_str(field)?
        } else {
            self.opt_str(field)?
        };
        if let Some((_, v)) = allowed.iter().find(|(name, _)| *name == s) {
            return Some(*v);
        }
        let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
        self.push(
            field,
            kind::UNKNOWN_VALUE,
            format!("{s:?} is not one of {}", names.join(", ")),
        );
        None
    }

    /// An optional JSON object, returned as written.
    pub fn opt_object(&mut self, field: &str) -> Option<&'a Obj<'a>> {
        match self.get(field)? {
            Val::Object(m) => Some(m),
            other => {
                self.wrong_type(field, "an object", other);
                None
            }
        }
    }
}

/// True when the object is a tombstone (`"deleted": true`). A non-boolean `deleted` is an
/// issue.
pub(crate) fn tombstone(f: &mut Fields<'_>) -> bool {
    f.opt_bool("deleted").unwrap_or(false)
}

/// Checks made against what was loaded before (merchants for references).
pub(crate) trait Known {
    fn has_merchant(&self, id: &str) -> bool;
}

fn check_merchant_ref(f: &mut Fields<'_>, known: &dyn Known, field: &str, id: &str) {
    if !known.has_merchant(id) {
        f.push(
            field,
            kind::UNKNOWN_MERCHANT,
            format!("no merchant with id {id:?} in merchants.jsonl"),
        );
    }
}

/// Finishes a record: `Ok` only when no issue was found.
fn done<T>(f: Fields<'_>, record: Option<T>) -> Result<T, Vec<Issue>> {
    match record {
        Some(r) if f.issues.is_empty() => Ok(r),
        _ => Err(f.issues),
    }
}

/// A merchant's `commercial` object as written.
pub(crate) type CommercialTerms = Map<String, Value>;

/// Most values (keys' values, array items, nested ones, counted all the way down) one
/// `commercial` object may hold.
pub(crate) const MAX_COMMERCIAL_VALUES: usize = 1_000;

/// A merchant's commercial terms: none, the object as written, or why it was ignored.
pub(crate) type CommercialOutcome = Result<Option<CommercialTerms>, String>;

/// Reads `commercial`. Never an issue of the merchant's line: a malformed commercial value
/// is ignored (the loader warns) and the merchant kept, so that money data, even broken,
/// cannot change which merchants are loaded and hence any score or list.
fn commercial_terms(value: Option<&Val<'_>>, limits: Limits) -> CommercialOutcome {
    let obj = match value {
        None | Some(Val::Null) => return Ok(None),
        Some(Val::Object(m)) => m.to_map(),
        Some(other) => return Err(format!("expected an object, got {}", other.type_name())),
    };
    let obj = &obj;
    // Bounded like every other field: a count of values and the length of each string.
    let cap = limits.field_chars;
    let too_long = |what: &str, s: &str| {
        let long = s.len() > cap && s.chars().count() > cap;
        long.then(|| {
            let n = s.chars().count();
            format!(
                "{what} is {n} characters long; the limit is {cap} (LoadOptions::max_field_chars)"
            )
        })
    };
    let mut values = 0usize;
    let mut objects = vec![obj];
    let mut stack: Vec<&Value> = Vec::new();
    loop {
        for m in objects.drain(..) {
            if let Some(why) = m.keys().find_map(|k| too_long("a key", k)) {
                return Err(why);
            }
            stack.extend(m.values());
        }
        let Some(v) = stack.pop() else { break };
        values += 1;
        if values > MAX_COMMERCIAL_VALUES {
            return Err(format!("holds more than {MAX_COMMERCIAL_VALUES} values"));
        }
        match v {
            Value::String(s) => {
                if let Some(why) = too_long("a string", s) {
                    return Err(why);
                }
            }
            Value::Array(items) => stack.extend(items),
            Value::Object(m) => objects.push(m),
            _ => {}
        }
    }
    Ok(Some(obj.clone()))
}

/// A merchant and its commercial terms (kept apart from the record). The terms never make
/// the merchant invalid: see [`commercial_terms`].
pub(crate) fn merchant(
    mut f: Fields<'_>,
    origin: Origin,
) -> Result<(Merchant, CommercialOutcome), Vec<Issue>> {
    let id = f.req_nonempty("id");
    let name = f.req_nonempty("name");
    let branch = f.opt_nonempty("branch");
    let aliases = f.str_list("aliases");
    let brand = f.opt_nonempty("brand");
    let city = f.req_nonempty("city");
    let district = f.opt_nonempty("district");
    let area = f.opt_nonempty("area");
    let category = f.req_nonempty("category");
    if let Some(c) = &category {
        if c.split('/').any(|seg| seg.trim().is_empty()) {
            f.push(
                "category",
                kind::EMPTY,
                format!("{c:?} has an empty segment (write e.g. 美食/火锅)"),
            );
        }
    }
    let lat = f.opt_in_range("lat", -90.0, 90.0);
    let lng = f.opt_in_range("lng", -180.0, 180.0);
    let location = match (lat, lng) {
        (Some(lat), Some(lng)) => Some(LatLng { lat, lng }),
        (None, None) => None,
        // Only report the pairing when the present one was itself valid.
        (Some(_), None) if f.get("lng").is_none() => {
            f.push(
                "lng",
                kind::LAT_LNG,
                "lat is given without lng: give both or neither",
            );
            None
        }
        (None, Some(_)) if f.get("lat").is_none() => {
            f.push(
                "lat",
                kind::LAT_LNG,
                "lng is given without lat: give both or neither",
            );
            None
        }
        _ => None,
    };
    let price_per_person = f.opt_number("price_per_person");
    if price_per_person.is_some_and(|p| p < 0.0) {
        f.push("price_per_person", kind::OUT_OF_RANGE, "must be ≥ 0");
    }
    let status = f
        .enum_of(
            "status",
            false,
            &[
                ("open", MerchantStatus::Open),
                ("closed", MerchantStatus::Closed),
                ("suspended", MerchantStatus::Suspended),
            ],
        )
        .unwrap_or_default();
    let opened_at = f.opt_timestamp("opened_at", true);
    let commercial = commercial_terms(f.obj.get("commercial"), f.limits);
    let record = (|| {
        Some(Merchant {
            id: id?,
            name: name?,
            branch,
            aliases,
            brand,
            city: city?,
            district,
            area,
            category: category?,
            location,
            price_per_person,
            status,
            opened_at,
            origin,
        })
    })();
    done(f, record.map(|m| (m, commercial)))
}

pub(crate) fn author(
    mut f: Fields<'_>,
    origin: Origin,
    known: &dyn Known,
) -> Result<Author, Vec<Issue>> {
    let id = f.req_nonempty("id");
    let created_at = f.opt_timestamp("created_at", false);
    let followers = f.opt_count("followers");
    let verified = f.opt_bool("verified").unwrap_or(false);
    let home_city = f.opt_nonempty("home_city");
    let merchant_id = f.opt_nonempty("merchant_id");
    if let Some(m) = &merchant_id {
        check_merchant_ref(&mut f, known, "merchant_id", m);
    }
    let banned = f.opt_bool("banned").unwrap_or(false);
    let record = id.map(|id| Author {
        id,
        created_at,
        followers,
        verified,
        home_city,
        merchant_id,
        banned,
        origin,
    });
    done(f, record)
}

pub(crate) fn note(
    mut f: Fields<'_>,
    origin: Origin,
    known: &dyn Known,
) -> Result<Note, Vec<Issue>> {
    let id = f.req_nonempty("id");
    let author_id = f.req_nonempty("author_id");
    let created_at = f.req_timestamp("created_at");
    let title = f.opt_text("title");
    let body = f.req_text("body");
    let tags = f.str_list("tags");
    let merchant_ids = f.str_list("merchant_ids");
    for (i, m) in merchant_ids.iter().enumerate() {
        check_merchant_ref(&mut f, known, &format!("merchant_ids[{i}]"), m);
    }
    let ip_city = f.opt_nonempty("ip_city");
    let likes = f.opt_count("likes").unwrap_or(0);
    let collects = f.opt_count("collects").unwrap_or(0);
    let comments = f.opt_count("comments").unwrap_or(0);
    let shares = f.opt_count("shares").unwrap_or(0);
    let images = f.opt_count("images").unwrap_or(0);
    let sponsored = f.opt_bool("sponsored");
    let record = (|| {
        Some(Note {
            id: id?.into(),
            author_id: author_id?.into(),
            created_at: created_at?,
            content: NoteText::new(title.as_deref(), &body?),
            tags: tags.into_iter().map(CompactString::from).collect(),
            merchant_ids: merchant_ids.into_iter().map(CompactString::from).collect(),
            ip_city,
            likes,
            collects,
            comments,
            shares,
            images,
            sponsored,
            origin,
        })
    })();
    done(f, record)
}

fn rating_steps_ok(r: f64) -> bool {
    (r * 2.0).fract() == 0.0
}

pub(crate) fn review(
    mut f: Fields<'_>,
    origin: Origin,
    known: &dyn Known,
) -> Result<Review, Vec<Issue>> {
    let id = f.req_nonempty("id");
    let author_id = f.req_nonempty("author_id");
    let merchant_id = f.req_nonempty("merchant_id");
    if let Some(m) = &merchant_id {
        check_merchant_ref(&mut f, known, "merchant_id", m);
    }
    let created_at = f.req_timestamp("created_at");
    if f.get("rating").is_none() {
        f.missing("rating");
    }
    let rating = f.opt_in_range("rating", 1.0, 5.0);
    if rating.is_some_and(|r| !rating_steps_ok(r)) {
        f.push(
            "rating",
            kind::OUT_OF_RANGE,
            format!(
                "must be in steps of 0.5, got {}",
                rating.unwrap_or_default()
            ),
        );
    }
    let mut aspects = Aspects::default();
    if let Some(obj) = f.opt_object("aspects") {
        let mut sub = Fields::new(obj, f.limits);
        aspects.taste = sub.opt_in_range("taste", 1.0, 5.0);
        aspects.environment = sub.opt_in_range("environment", 1.0, 5.0);
        aspects.service = sub.opt_in_range("service", 1.0, 5.0);
        aspects.value = sub.opt_in_range("value", 1.0, 5.0);
        for mut issue in sub.issues {
            issue.field = format!("aspects.{}", issue.field);
            f.issues.push(issue);
        }
    }
    let text: std::sync::Arc<str> = f.opt_text_ref("text").unwrap_or_default().into();
    let images = f.opt_count("images").unwrap_or(0);
    let likes = f.opt_count("likes").unwrap_or(0);
    let verified_visit = f.opt_bool("verified_visit").unwrap_or(false);
    let record = (|| {
        Some(Review {
            id: id?.into(),
            author_id: author_id?.into(),
            merchant_id: merchant_id?.into(),
            created_at: created_at?,
            rating: rating?,
            aspects,
            text,
            images,
            likes,
            verified_visit,
            origin,
        })
    })();
    done(f, record)
}

pub(crate) fn visit(
    mut f: Fields<'_>,
    origin: Origin,
    known: &dyn Known,
) -> Result<Visit, Vec<Issue>> {
    let author_id = f.req_nonempty("author_id");
    let merchant_id = f.req_nonempty("merchant_id");
    if let Some(m) = &merchant_id {
        check_merchant_ref(&mut f, known, "merchant_id", m);
    }
    let at = f.req_timestamp("at");
    let kind = f.enum_of(
        "kind",
        true,
        &[
            ("payment", VisitKind::Payment),
            ("redemption", VisitKind::Redemption),
            ("navigation", VisitKind::Navigation),
            ("checkin", VisitKind::Checkin),
        ],
    );
    let record = (|| {
        Some(Visit {
            author_id: author_id?.into(),
            merchant_id: merchant_id?.into(),
            at: at?,
            kind: kind?,
            origin,
        })
    })();
    done(f, record)
}

pub(crate) fn curation(
    mut f: Fields<'_>,
    origin: Origin,
    known: &dyn Known,
) -> Result<CurationDecision, Vec<Issue>> {
    let merchant_id = f.req_nonempty("merchant_id");
    if let Some(m) = &merchant_id {
        check_merchant_ref(&mut f, known, "merchant_id", m);
    }
    let decision = f.enum_of(
        "decision",
        true,
        &[
            ("approve", Decision::Approve),
            ("hold", Decision::Hold),
            ("exclude", Decision::Exclude),
        ],
    );
    let reason = f.req_text("reason").filter(|r| {
        let blank = r.trim().is_empty();
        if blank {
            f.push("reason", kind::EMPTY, "must not be empty");
        }
        !blank
    });
    let by = f.req_nonempty("by");
    let at = f.req_timestamp("at");
    let record = (|| {
        Some(CurationDecision {
            merchant_id: merchant_id?,
            decision: decision?,
            reason: reason?,
            by: by?,
            at: at?,
            origin,
        })
    })();
    done(f, record)
}
