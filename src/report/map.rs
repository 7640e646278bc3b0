//! The map: an SVG scatter of every merchant with coordinates. A city spans a few tens of
//! kilometres, so an equirectangular projection with longitude scaled by the cosine of the
//! mean latitude keeps distances and shapes true enough to see clusters and empty areas.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::html::{escape_html as esc, f1};
use super::Shop;
use crate::corpus::MerchantStatus;

/// Width of the drawing area, in SVG units (the SVG scales to its container).
const INNER: f64 = 940.0;
/// Margin around the drawing area.
const PAD: f64 = 30.0;
/// Kilometres per degree of latitude (and of longitude × cos(latitude)).
const KM_PER_DEGREE: f64 = 111.32;

/// How a merchant stands in the selection, for its mark and tooltip.
pub(crate) enum Standing {
    Listed(usize),
    Queued,
    Other,
}

/// Renders the map. `standing` gives each merchant's place; `colour` each top-level
/// category's colour. Returns an empty string when no merchant has coordinates.
pub(crate) fn render(
    shops: &[Shop],
    standing: &dyn Fn(&str) -> Standing,
    colour: &dyn Fn(&str) -> &'static str,
    score: &dyn Fn(&str) -> Option<f64>,
) -> String {
    let placed: Vec<(&Shop, f64, f64)> = shops
        .iter()
        .filter_map(|s| {
            s.location
                .filter(|l| l.lat.is_finite() && l.lng.is_finite())
                .map(|l| (s, l.lat, l.lng))
        })
        .collect();
    if placed.is_empty() {
        return String::new();
    }
    let n = placed.len() as f64;
    let mean_lat = placed.iter().map(|p| p.1).sum::<f64>() / n;
    let k = mean_lat.to_radians().cos().abs().max(0.01);
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(_, lat, lng) in &placed {
        let (x, y) = (lng * k, lat);
        min_x = min_x.min(x);
        max_x = max_x.max(x);
        min_y = min_y.min(y);
        max_y = max_y.max(y);
    }
    // A single point (or a line) still gets an area around it of about a kilometre.
    let span_x = (max_x - min_x).max(0.01);
    let span_y = (max_y - min_y).max(0.01);
    let scale = (INNER / span_x).min(INNER / span_y);
    let width = span_x * scale + 2.0 * PAD;
    let height = span_y * scale + 2.0 * PAD;
    let project =
        |lat: f64, lng: f64| (PAD + (lng * k - min_x) * scale, PAD + (max_y - lat) * scale);

    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        r#"<svg class="map" viewBox="0 0 {} {}" width="100%" role="img" aria-label="门店地图：{} 家有坐标的门店">"#,
        f1(width),
        f1(height),
        placed.len()
    );

    // District names at the centre of their merchants, under the marks.
    let mut districts: BTreeMap<&str, (f64, f64, usize)> = BTreeMap::new();
    for &(s, lat, lng) in &placed {
        if let Some(d) = s.district.as_deref() {
            let e = districts.entry(d).or_insert((0.0, 0.0, 0));
            e.0 += lat;
            e.1 += lng;
            e.2 += 1;
        }
    }
    for (d, (lat, lng, c)) in &districts {
        let (x, y) = project(lat / *c as f64, lng / *c as f64);
        let _ = write!(
            out,
            r#"<text class="d" x="{}" y="{}">{}</text>"#,
            f1(x),
            f1(y),
            esc(d)
        );
    }

    // Listed merchants last, so they sit on top; ties in map order by id.
    let mut order: Vec<(&(&Shop, f64, f64), Standing)> =
        placed.iter().map(|p| (p, standing(&p.0.id))).collect();
    order.sort_by_key(|(p, st)| {
        let layer = match st {
            Standing::Other => 0,
            Standing::Queued => 1,
            Standing::Listed(_) => 2,
        };
        (layer, p.0.id.as_str())
    });
    for ((s, lat, lng), st) in order {
        let (x, y) = project(*lat, *lng);
        let c = colour(&s.top);
        let closed = s.status != MerchantStatus::Open;
        let (class, r, style) = match (&st, closed) {
            (Standing::Listed(_), _) => (
                "sel",
                9.0,
                format!(r##"fill="{c}" stroke="#111" stroke-width="2""##),
            ),
            (Standing::Queued, _) => (
                "queued",
                6.5,
                format!(
                    r##"fill="{c}" fill-opacity="0.85" stroke="#c8102e" stroke-width="2" stroke-dasharray="3 2""##
                ),
            ),
            (Standing::Other, true) => (
                "closed",
                4.0,
                format!(r#"fill="none" stroke="{c}" stroke-width="1.2""#),
            ),
            (Standing::Other, false) => {
                ("other", 4.5, format!(r#"fill="{c}" fill-opacity="0.55""#))
            }
        };
        let place = match st {
            Standing::Listed(rank) => format!("精选第 {rank} 名"),
            Standing::Queued => "待人工复核".into(),
            Standing::Other if closed => "已停业".into(),
            Standing::Other => "未入选".into(),
        };
        let score = score(&s.id).map(|v| format!(" · 口碑分 {}", f1(v)));
        let _ = write!(
            out,
            r#"<circle class="{class}" data-merchant="{}" cx="{}" cy="{}" r="{r}" {style}><title>{}（{} · {}）{} · {}</title></circle>"#,
            esc(&s.id),
            f1(x),
            f1(y),
            esc(&s.name),
            esc(&s.category),
            esc(s.district.as_deref().unwrap_or("未知区域")),
            score.unwrap_or_default(),
            place
        );
        if let Standing::Listed(rank) = st {
            let _ = write!(
                out,
                r#"<text class="r" x="{}" y="{}">{rank}</text>"#,
                f1(x),
                f1(y)
            );
        }
    }

    // A scale bar: the largest round length under a fifth of the width.
    let km_per_unit = KM_PER_DEGREE / scale;
    let bar_km = [
        0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0,
    ]
    .into_iter()
    .rev()
    .find(|&km| km / km_per_unit <= (width - 2.0 * PAD) / 5.0)
    .unwrap_or(0.2);
    let bar = bar_km / km_per_unit;
    let (x0, y0) = (PAD, height - 12.0);
    let _ = write!(
        out,
        r##"<g class="scale"><path d="M{} {}v-5h{}v5" fill="none" stroke="#5d6677" stroke-width="1.5"/><text class="sb" x="{}" y="{}">{} km</text></g>"##,
        f1(x0),
        f1(y0),
        f1(bar),
        f1(x0 + bar + 6.0),
        f1(y0),
        bar_km
    );
    out.push_str("</svg>");
    out
}
