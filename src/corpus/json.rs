//! One line's JSON as the validator reads it: `serde_json::Value`'s shape, but strings
//! borrowed from the line where they hold no escape, and objects as their fields in line
//! order rather than an ordered map.
//!
//! Parsing a million lines into `Value` trees allocated every key and string and built a
//! `BTreeMap` per object, only for the validator to look a dozen fields up and copy the
//! strings out again. The same `serde_json` parser reads the line (same syntax errors,
//! same nesting limit, same numbers), so only the tree differs; a duplicate key is read
//! as `Value` reads it: the last one wins.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A JSON value; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val<'a> {
    Null,
    Bool(bool),
    Number(Number),
    Str(Cow<'a, str>),
    Array(Vec<Val<'a>>),
    Object(Obj<'a>),
}

/// A JSON object's fields in line order (duplicates kept; [`Obj::get`] reads the last).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Obj<'a>(Vec<(Cow<'a, str>, Val<'a>)>);

impl<'a> Obj<'a> {
    /// The value of `key`: the last one written, as in a `serde_json::Map`.
    pub fn get(&self, key: &str) -> Option<&Val<'a>> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// As a `serde_json::Map` (what a merchant's commercial terms are kept as).
    pub fn to_map(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for (k, v) in &self.0 {
            m.insert(k.to_string(), v.to_value());
        }
        m
    }
}

impl Val<'_> {
    /// As a `serde_json::Value`.
    pub fn to_value(&self) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Number(n) => Value::Number(n.clone()),
            Val::Str(s) => Value::String(s.to_string()),
            Val::Array(items) => Value::Array(items.iter().map(Val::to_value).collect()),
            Val::Object(o) => Value::Object(o.to_map()),
        }
    }

    /// `a string`, `an object`, … as messages name a JSON type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "a boolean",
            Val::Number(_) => "a number",
            Val::Str(_) => "a string",
            Val::Array(_) => "an array",
            Val::Object(_) => "an object",
        }
    }

    /// The number as an `f64`, as `Value::as_f64` gives it.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Number(n) => n.as_f64(),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Val<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Val<'de>, E> {
        Ok(Val::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Val<'de>, E> {
        Ok(Val::Number(i.into()))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Val<'de>, E> {
        Ok(Val::Number(u.into()))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Val<'de>, E> {
        // As `Value` does: a non-finite double (never parsed from JSON) is null.
        Ok(Number::from_f64(f).map_or(Val::Null, Val::Number))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(s.to_string())))
    }

    fn visit_string<E>(self, s: String) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(s)))
    }

    fn visit_none<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }

    fn visit_unit<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Val<'de>, D::Error> {
        Deserialize::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Val::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some(Key(k)) = map.next_key()? {
            fields.push((k, map.next_value()?));
        }
        Ok(Val::Object(Obj(fields)))
    }
}

/// An object's key, borrowed from the line when it holds no escape.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines with escapes, duplicates, nesting, every number form and odd spacing read
    /// the same as through `Value`.
    #[test]
    fn reads_what_value_reads() {
        let lines = [
            r#"{"id":"n-1","body":"好吃\n再来","n":-3,"u":18446744073709551615,"f":1.5e3}"#,
            r#"{"a":1,"a":"two","b":{"x":[1,{"y":null}],"x":true},"\u6c34":"\ud83d\ude00"}"#,
            r#" { "deep" : [[[[[]]]]] , "big": 18446744073709551616, "neg0": -0.0 } "#,
            r#"["not","an","object"]"#,
            r#""just a string""#,
            "null",
        ];
        for line in lines {
            let want: Value = serde_json::from_str(line).unwrap();
            let got: Val = serde_json::from_str(line).unwrap();
            assert_eq!(got.to_value(), want, "{line}");
        }
        let got: Val = serde_json::from_str(r#"{"a":1,"a":"two"}"#).unwrap();
        let Val::Object(o) = got else { panic!() };
        assert_eq!(o.get("a"), Some(&Val::Str("two".into())));
        assert_eq!(o.get("b"), None);
    }

    /// Broken lines fail with `Value`'s message, which the loader reports.
    #[test]
    fn fails_where_value_fails_with_its_message() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let lines = [
            r#"{"a":1"#,
            r#"{"a":NaN}"#,
            r#"{"a":1e400}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":1,}"#,
            r#"{a:1}"#,
            r#"{"a":1} x"#,
            deep.as_str(),
        ];
        for line in lines {
            let want = serde_json::from_str::<Value>(line).unwrap_err().to_string();
            let got = serde_json::from_str::<Val>(line).unwrap_err().to_string();
            assert_eq!(got, want, "{line}");
        }
    }
}
