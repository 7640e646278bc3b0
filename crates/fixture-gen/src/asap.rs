//! Real review sentences from the ASAP sample (Meituan-Dianping, Apache-2.0), grouped by
//! the star the reviewer gave, so that borrowed text agrees with the generated rating.

const FILES: [&str; 3] = [
    include_str!("../../../data/asap/train_sample.csv"),
    include_str!("../../../data/asap/dev_sample.csv"),
    include_str!("../../../data/asap/test_sample.csv"),
];

/// Sentences by star: index 0 holds 1★ sentences … index 4 holds 5★.
pub struct Asap {
    pub by_star: [Vec<String>; 5],
}

/// Minimal RFC 4180 reader: quoted fields may hold commas, doubled quotes and newlines.
fn records(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// A borrowed sentence must read as generic, so it fits any restaurant it lands in: it
/// speaks of service, environment, taste or price in general, names no dish or ingredient,
/// no other shop, place or cuisine (those would confuse mention linking), and is of a
/// sensible length.
fn usable(s: &str) -> bool {
    const GENERIC: &[&str] = &[
        "服务",
        "环境",
        "味道",
        "价格",
        "性价比",
        "排队",
        "上菜",
        "装修",
        "分量",
        "干净",
        "卫生",
        "态度",
        "口味",
        "菜品",
        "等位",
        "座位",
        "实惠",
        "便宜",
        "贵",
    ];
    const PLACE: &[&str] = &[
        "店", "市", "区", "路", "城", "广场", "点评", "团购", "日料", "火锅", "西餐",
    ];
    let n = s.chars().count();
    (8..=60).contains(&n)
        && GENERIC.iter().any(|w| s.contains(w))
        && !PLACE.iter().any(|w| s.contains(w))
        && !s.contains(['【', '】', '\\', '(', ')', '（', '）', '"', '“', '”'])
        && !s.contains([
            '肉', '鱼', '虾', '鸡', '鸭', '牛', '羊', '猪', '串', '面', '饭', '汤', '饼', '锅',
            '蛋', '粥', '蟹', '鹅',
        ])
        && !s.chars().any(|c| c.is_ascii_alphanumeric())
}

impl Asap {
    pub fn load() -> Asap {
        let mut by_star: [Vec<String>; 5] = Default::default();
        for file in FILES {
            for row in records(file).into_iter().skip(1) {
                let (Some(body), Some(star)) = (row.get(1), row.get(2)) else {
                    continue;
                };
                let Ok(star) = star.trim().parse::<f64>() else {
                    continue;
                };
                let slot = (star.round().clamp(1.0, 5.0) as usize) - 1;
                let body = body.replace("\\n", "。");
                for s in body.split(['。', '！', '？', '!', '?', '~', '\n', '；']) {
                    let s = s.trim().trim_matches(['，', ',', ' ']);
                    if usable(s) {
                        by_star[slot].push(s.to_string());
                    }
                }
            }
        }
        Asap { by_star }
    }

    /// Sentences whose writer gave about `rating` stars (nearest non-empty band).
    pub fn for_rating(&self, rating: f64) -> &[String] {
        let want = (rating.round().clamp(1.0, 5.0) as usize) - 1;
        let order: [usize; 5] = match want {
            0 => [0, 1, 2, 3, 4],
            1 => [1, 0, 2, 3, 4],
            2 => [2, 3, 1, 4, 0],
            3 => [3, 4, 2, 1, 0],
            _ => [4, 3, 2, 1, 0],
        };
        for i in order {
            if !self.by_star[i].is_empty() {
                return &self.by_star[i];
            }
        }
        &[]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_star_band_has_real_sentences() {
        let asap = Asap::load();
        for (i, band) in asap.by_star.iter().enumerate() {
            assert!(band.len() >= 5, "{}★ has {} sentences", i + 1, band.len());
        }
        assert!(asap.by_star[4].len() > asap.by_star[0].len());
    }

    #[test]
    fn quoted_fields_keep_commas_and_quotes() {
        let rows = records("a,b\n1,\"x, \"\"y\"\"\nz\"\n");
        assert_eq!(rows[1], vec!["1".to_string(), "x, \"y\"\nz".to_string()]);
    }
}
