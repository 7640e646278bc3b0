//! Hand-written HTML: one escape function and the page's style sheet. A template engine
//! would be a dependency for a single page; escaping every corpus string at the one place
//! it enters the page is what keeps it safe.

/// Escapes text for HTML element content and for double- or single-quoted attribute
/// values. Control characters other than tab and newline are dropped: they are invalid in
/// HTML and only a hostile corpus would hold them.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A number with one decimal, the precision the report shows scores in.
pub(crate) fn f1(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "–".into()
    }
}

/// Colours of the top-level categories, in order of their merchant count (Tableau 10: told
/// apart by most colour-blind readers, and legible on white).
pub(crate) const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// The page's style: system Chinese fonts, a card grid that collapses to one column on a
/// phone, tables that scroll sideways rather than squeeze.
pub(crate) const CSS: &str = r#"
:root{--bg:#f5f6f8;--fg:#1d2330;--muted:#5d6677;--card:#fff;--line:#e2e5eb;--accent:#c8102e;--ok:#d8efd9;--short:#fde7b0;--zero:#f7c6c4;--empty:#eceef2}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 -apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif}
header.top{background:#1d2330;color:#fff;padding:18px 24px 14px}
header.top h1{margin:0;font-size:26px;letter-spacing:.04em}
header.top h1 small{font-size:15px;font-weight:normal;color:#b9c0cf;margin-left:.6em;letter-spacing:0}
header.top nav{margin-top:10px;display:flex;flex-wrap:wrap;gap:6px 14px;font-size:14px}
header.top nav a{color:#cfd6e4;text-decoration:none;border-bottom:1px dotted #7d879a}
.stats{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0 0;padding:0;list-style:none}
.stats li{background:#2c3446;border-radius:6px;padding:4px 10px;font-size:13px;color:#cfd6e4}
.stats b{color:#fff;font-size:17px;margin-right:3px}
main{max-width:1320px;margin:0 auto;padding:16px}
section{margin:0 0 22px}
h2{font-size:19px;margin:0 0 10px;padding-left:10px;border-left:4px solid var(--accent)}
h2 small{font-size:13px;font-weight:normal;color:var(--muted);margin-left:.5em}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px}
.overview{display:grid;grid-template-columns:minmax(0,1.35fr) minmax(0,1fr);gap:16px;align-items:start}
@media (max-width:1000px){.overview{grid-template-columns:minmax(0,1fr)}}
svg.map{display:block;width:100%;height:auto;background:#eef2f6;border-radius:8px}
svg.map .d{font-size:15px;fill:#7a8496;text-anchor:middle;paint-order:stroke;stroke:#eef2f6;stroke-width:4px;font-weight:bold}
svg.map .r{font-size:10px;fill:#fff;text-anchor:middle;dominant-baseline:central;font-weight:bold;pointer-events:none}
svg.map .sb{font-size:12px;fill:#5d6677}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:10px 0 0;padding:0;list-style:none;font-size:13px;color:var(--muted)}
.sw{display:inline-block;width:11px;height:11px;border-radius:50%;margin-right:4px;vertical-align:-1px}
.sw.sel{width:15px;height:15px;border:2px solid #111;vertical-align:-3px}
.note{font-size:13px;color:var(--muted);margin:8px 0 0}
.tablewrap{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:13.5px}
th,td{border:1px solid var(--line);padding:5px 7px;text-align:left;vertical-align:top}
th{background:#f0f2f6;font-weight:600;white-space:nowrap}
table.grid th,table.grid td{text-align:center;white-space:nowrap;padding:4px 3px}
table.grid th[scope=row]{text-align:left}
table.grid td.ok{background:var(--ok)}
table.grid td.short{background:var(--short)}
table.grid td.zero{background:var(--zero)}
table.grid td.empty{background:var(--empty);color:#8a92a3}
table.grid td b{font-size:15px}
table.grid td small{display:block;color:var(--muted);font-size:11px}
table.grid .mark{display:block;color:var(--accent);font-size:11px;font-weight:bold}
.keys{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:12px;color:var(--muted);margin:8px 0 0;padding:0;list-style:none}
.keys i{display:inline-block;width:12px;height:12px;border:1px solid #c9ced8;margin-right:4px;vertical-align:-2px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px}
@media (max-width:640px){svg.map circle.other{r:8px}svg.map circle.closed{r:7px}svg.map circle.queued{r:11px}svg.map circle.sel{r:15px}svg.map .r{font-size:16px}svg.map .d{font-size:26px}svg.map .sb{font-size:22px}}
@media (max-width:640px){.cards{grid-template-columns:minmax(0,1fr)}main{padding:10px}header.top{padding:14px}header.top h1{font-size:22px}}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px;display:flex;flex-direction:column;gap:8px;min-width:0}
.card .head{display:flex;gap:10px;align-items:flex-start}
.rank{flex:none;width:34px;height:34px;border-radius:50%;background:var(--accent);color:#fff;font-weight:bold;display:flex;align-items:center;justify-content:center;font-size:15px}
.card h3{margin:0;font-size:17px;line-height:1.3;word-break:break-word}
.sub{margin:2px 0 0;font-size:13px;color:var(--muted)}
.cat{border-left:4px solid var(--c,#999);padding-left:4px}
.score{margin-left:auto;text-align:right;flex:none}
.score b{font-size:24px;line-height:1}
.score small{display:block;font-size:12px;color:var(--muted)}
.ci{position:relative;height:8px;background:#edf0f4;border-radius:4px}
.ci span{position:absolute;top:0;height:8px;background:#9fb7d6;border-radius:4px}
.ci i{position:absolute;top:-3px;width:2px;height:14px;background:#1d2330}
.ci-note{font-size:12px;color:var(--muted);margin:0}
.reasons{margin:0;padding-left:1.2em;font-size:14px}
.ev{margin:0;padding:6px 10px;background:#f6f7fa;border-left:3px solid #c9d3e3;font-size:13.5px;border-radius:0 6px 6px 0}
.ev cite{display:block;font-style:normal;font-size:12px;color:var(--muted);font-family:ui-monospace,Menlo,Consolas,monospace}
.tags{display:flex;flex-wrap:wrap;gap:5px;margin:0;padding:0;list-style:none}
.tags li{font-size:12px;border-radius:4px;padding:1px 7px;background:#eef1f6;color:#3b4456}
.tags li.flag{background:#fde8e8;color:#9b1c1c}
.tags li.good{background:#e3f3e6;color:#1f6b33}
.changes{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:14px}
.changes ul{margin:0;padding-left:1.2em}
.muted{color:var(--muted)}
.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;white-space:nowrap}
.num{text-align:right;white-space:nowrap}
footer{max-width:1320px;margin:0 auto;padding:6px 16px 30px;font-size:12.5px;color:var(--muted)}
footer p{margin:4px 0}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(
            escape_html("隐巷咖啡（南宋御街店）"),
            "隐巷咖啡（南宋御街店）"
        );
        assert_eq!(escape_html("a\u{0}b\u{1b}c\nd"), "abc\nd");
    }
}
