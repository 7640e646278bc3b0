//! Review and note text that agrees with the rating it goes with.

use crate::asap::Asap;
use crate::banks::*;
use crate::model::Merchant;
use crate::rng::Rand;

/// Sentiment band of a 1–5 rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    Great,
    Good,
    Mixed,
    Bad,
}

impl Band {
    pub fn of(rating: f64) -> Band {
        if rating >= 4.5 {
            Band::Great
        } else if rating >= 3.5 {
            Band::Good
        } else if rating >= 2.5 {
            Band::Mixed
        } else {
            Band::Bad
        }
    }
}

/// Rating in 0.5 steps from 1 to 5.
pub fn half_step(x: f64) -> f64 {
    ((x * 2.0).round() / 2.0).clamp(1.0, 5.0)
}

fn adjective(m: &Merchant) -> &'static str {
    if m.cat.path.starts_with("饮品") {
        "好喝"
    } else if m.cat.food {
        "好吃"
    } else {
        "满意"
    }
}

/// How people name a shop: the name, name plus branch, or an alias.
pub fn mention(rng: &mut Rand, m: &Merchant) -> String {
    let roll = rng.unit();
    match (&m.branch, m.aliases.is_empty()) {
        (Some(b), _) if roll < 0.3 => format!("{}（{}）", m.name, b),
        (_, false) if roll > 0.75 => rng.pick(&m.aliases).clone(),
        _ => m.name.clone(),
    }
}

/// Short clauses for `band`, without final punctuation.
fn clauses(rng: &mut Rand, asap: &Asap, m: &Merchant, rating: f64) -> Vec<String> {
    let band = Band::of(rating);
    let mut parts: Vec<String> = Vec::new();
    let item = *rng.pick(m.cat.items);
    match band {
        Band::Great | Band::Good => {
            let core = *rng.pick(m.cat.core_pos);
            parts.push(core.to_string());
            if rng.chance(0.5) && !core.contains(item) {
                parts.push(format!("{}{}{}", item, rng.pick(DEGREE), adjective(m)));
            }
            let extra = if band == Band::Great { 2 } else { 1 };
            for _ in 0..rng.int(1, extra) {
                let bank = match rng.below(4) {
                    0 => ENV_POS,
                    1 => SERVICE_POS,
                    2 => VALUE_POS,
                    _ => WAIT,
                };
                parts.push(rng.pick(bank).to_string());
            }
            if band == Band::Great && rng.chance(0.5) {
                parts.push(rng.pick(SLANG_POS).to_string());
            }
            if band == Band::Good && rng.chance(0.3) {
                parts.push(format!(
                    "就是{}",
                    rng.pick(&["有点贵", "要排队", "位置难找"])
                ));
            }
        }
        Band::Mixed => {
            parts.push(rng.pick(MIXED).to_string());
            if rng.chance(0.5) {
                parts.push(format!("{}还可以，但是{}", item, rng.pick(m.cat.core_neg)));
            } else {
                let bank = if rng.chance(0.5) { ENV_POS } else { VALUE_NEG };
                parts.push(rng.pick(bank).to_string());
            }
        }
        Band::Bad => {
            parts.push(rng.pick(m.cat.core_neg).to_string());
            let bank = match rng.below(3) {
                0 => ENV_NEG,
                1 => SERVICE_NEG,
                _ => VALUE_NEG,
            };
            parts.push(rng.pick(bank).to_string());
            if m.cat.food && rng.chance(0.35) {
                parts.push(rng.pick(HYGIENE_NEG).to_string());
            }
            if rng.chance(0.6) {
                parts.push(rng.pick(SLANG_NEG).to_string());
            }
        }
    }
    if m.cat.food && rng.chance(0.45) {
        let real = asap.for_rating(rating);
        if !real.is_empty() {
            let at = rng.below(parts.len() + 1);
            parts.insert(at, rng.pick(real).clone());
        }
    }
    if rng.chance(0.04) {
        parts.push(rng.pick(FULLWIDTH).to_string());
    }
    parts
}

fn emoji(rng: &mut Rand, band: Band) -> &'static str {
    match band {
        Band::Great | Band::Good => rng.word(EMOJI_POS),
        _ => rng.word(EMOJI_NEG),
    }
}

/// The text of an honest review with `rating`.
pub fn review(rng: &mut Rand, asap: &Asap, m: &Merchant, rating: f64) -> String {
    let parts = clauses(rng, asap, m, rating);
    let mut text = parts.join("，");
    text.push('。');
    if rng.chance(0.3) {
        text.push_str(emoji(rng, Band::of(rating)));
    }
    text
}

/// Title, body and tags of a note about `subjects` (the first is the main one).
/// `named` says whether the body must name each subject.
pub fn note(
    rng: &mut Rand,
    asap: &Asap,
    subjects: &[&Merchant],
    rating: f64,
    named: bool,
) -> (String, String, Vec<String>) {
    let band = Band::of(rating);
    let Some(&main) = subjects.first() else {
        return (String::new(), String::new(), Vec::new());
    };
    let city = main.city.name();
    let item = *rng.pick(main.cat.items);
    let title_mention = mention(rng, main);
    let title = match band {
        Band::Great | Band::Good if subjects.len() > 1 => {
            format!(
                "{}{}合集｜{}",
                main.area,
                main.cat.word,
                rng.pick(NOTE_HOOK_POS)
            )
        }
        Band::Great | Band::Good => match rng.below(4) {
            0 => format!("{}{}｜{}", city, main.area, rng.pick(NOTE_HOOK_POS)),
            1 => format!("{}{}｜{}", main.area, main.cat.word, rng.pick(SLANG_POS)),
            2 => format!(
                "{}｜{}{}{}",
                title_mention,
                item,
                rng.pick(DEGREE),
                adjective(main)
            ),
            _ => format!(
                "人均{}的{}，{}",
                main.price,
                main.cat.word,
                rng.pick(SLANG_POS)
            ),
        },
        Band::Mixed => format!("{}值得去吗？说说真实感受", title_mention),
        Band::Bad => format!("避雷｜{}，{}", title_mention, rng.pick(SLANG_NEG)),
    };
    let mut body = String::new();
    if subjects.len() > 1 {
        body.push_str(&format!(
            "最近在{}附近吃喝玩了几家，整理一下：\n",
            main.area
        ));
        for (i, m) in subjects.iter().enumerate() {
            let parts = clauses(rng, asap, m, rating);
            body.push_str(&format!(
                "{}. {}：{}。\n",
                i + 1,
                mention(rng, m),
                parts.join("，")
            ));
        }
    } else {
        let intro = if named || rng.chance(0.8) {
            format!("今天去了{}的{}，", main.area, mention(rng, main))
        } else {
            format!("今天去了{}这家{}，", main.area, main.cat.word)
        };
        body.push_str(&intro);
        body.push_str(&clauses(rng, asap, main, rating).join("，"));
        body.push('。');
        if matches!(band, Band::Great | Band::Good) && rng.chance(0.6) {
            body.push_str(&format!("推荐{}！", item));
        }
    }
    let end = match band {
        Band::Great | Band::Good => rng.pick(NOTE_END_POS),
        _ => rng.pick(NOTE_END_NEG),
    };
    body.push_str(end);
    body.push_str(emoji(rng, band));
    let mut tags = vec![format!("{}{}", city, main.cat.tag)];
    if rng.chance(0.5) {
        tags.push(format!("{}探店", city));
    }
    if rng.chance(0.5) {
        tags.push(main.area.to_string());
    }
    if rng.chance(0.3) {
        tags.push(main.cat.word.to_string());
    }
    if rng.chance(0.2) {
        tags.push(main.name.clone());
    }
    (title, body, tags)
}

/// Short glowing text of bought reviews.
pub fn burst(rng: &mut Rand) -> String {
    const BANK: &[&str] = &[
        "好吃！推荐！",
        "五星好评，服务很好",
        "环境好服务好，下次还来",
        "味道不错，老板很热情",
        "很棒，推荐大家来",
        "非常满意，好评",
        "性价比超高，必须五星",
    ];
    let mut t = rng.pick(BANK).to_string();
    if rng.chance(0.5) {
        t.push_str(rng.word(EMOJI_POS));
    }
    t
}

/// Competitors' 1★ attack text: hygiene scares and calls to avoid.
pub fn attack(rng: &mut Rand, m: &Merchant) -> String {
    let mut t = format!("{}，{}", rng.pick(HYGIENE_NEG), rng.pick(m.cat.core_neg));
    t.push_str(&format!("，{}！", rng.pick(SLANG_NEG)));
    if rng.chance(0.4) {
        t.push_str(rng.word(EMOJI_NEG));
    }
    t
}

/// A near-duplicate of one spam template: same skeleton, small edits.
pub fn template(rng: &mut Rand, template: &str, name: &str) -> String {
    let mut t = template.replace("{name}", name);
    if rng.chance(0.4) {
        t = t.replace("推荐", "安利");
    }
    if rng.chance(0.3) {
        t = t.replace('！', "!");
    }
    if rng.chance(0.5) {
        t.push_str(rng.word(EMOJI_POS));
    }
    t
}

/// Individually worded campaign text: the honest generator's clauses for `rating`,
/// framed by varied openers and closers of the campaign's direction.
pub fn paraphrased(rng: &mut Rand, asap: &Asap, m: &Merchant, rating: f64) -> String {
    let praise = rating >= 3.0;
    let mut parts: Vec<String> = Vec::new();
    if rng.chance(0.6) {
        parts.push(
            rng.word(if praise { PRAISE_OPEN } else { SCORN_OPEN })
                .to_string(),
        );
    }
    if rng.chance(0.3) {
        parts.push(format!("{}这家", mention(rng, m)));
    }
    parts.extend(clauses(rng, asap, m, rating));
    if rng.chance(0.5) {
        parts.push(
            rng.word(if praise { PRAISE_CLOSE } else { SCORN_CLOSE })
                .to_string(),
        );
    }
    let mut text = parts.join("，");
    text.push(if rng.chance(0.2) { '！' } else { '。' });
    if rng.chance(0.3) {
        text.push_str(emoji(rng, Band::of(rating)));
    }
    text
}

/// Real review sentences from the ASAP sample whose writers gave about `rating` stars.
pub fn real(rng: &mut Rand, asap: &Asap, rating: f64) -> String {
    let pool = asap.for_rating(rating);
    if pool.is_empty() {
        return String::new();
    }
    let n = rng.int(1, 3) as usize;
    let mut picked: Vec<&str> = Vec::new();
    for _ in 0..n {
        let s = rng.pick(pool).as_str();
        if !picked.contains(&s) {
            picked.push(s);
        }
    }
    let mut text = picked.join("，");
    text.push('。');
    text
}

/// A slot template: the skeleton is fixed per campaign, the slots vary per post.
pub fn slotted(rng: &mut Rand, m: &Merchant, skeleton: (&str, &str, &str), praise: bool) -> String {
    let name = mention(rng, m);
    let (open, mid, close) = skeleton;
    if praise {
        let item = rng.pick(m.cat.items);
        let mut t = format!(
            "{open}{name}{mid}，{item}{}{}，{close}",
            rng.pick(DEGREE),
            adjective(m)
        );
        if rng.chance(0.5) {
            t.push_str(rng.word(EMOJI_POS));
        }
        t
    } else {
        format!("{open}，{name}{}，{close}", rng.pick(m.cat.core_neg))
    }
}

/// `text` with a food-safety complaint inserted at a random clause boundary.
pub fn with_safety_complaint(rng: &mut Rand, text: &str) -> String {
    let complaint = rng.word(FOOD_SAFETY);
    // Before a clause, never after the last: the text keeps its own ending.
    let clauses: Vec<&str> = text.split('，').collect();
    let at = rng.below(clauses.len());
    let mut out: Vec<&str> = clauses[..at].to_vec();
    out.push(complaint);
    out.extend(&clauses[at..]);
    out.join("，")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{merchants_for, City};

    fn shops() -> Vec<Merchant> {
        merchants_for(&mut Rand::new(7), City::Hangzhou, 60, crate::DEFAULT_AS_OF)
    }

    #[test]
    fn bands_and_half_steps() {
        assert_eq!(Band::of(5.0), Band::Great);
        assert_eq!(Band::of(4.0), Band::Good);
        assert_eq!(Band::of(3.0), Band::Mixed);
        assert_eq!(Band::of(2.0), Band::Bad);
        assert_eq!(half_step(3.74), 3.5);
        assert_eq!(half_step(3.76), 4.0);
        assert_eq!(half_step(-2.0), 1.0);
        assert_eq!(half_step(9.0), 5.0);
    }

    #[test]
    fn review_text_agrees_with_its_rating() {
        let asap = Asap::load();
        let mut rng = Rand::new(1);
        for m in shops() {
            let good = review(&mut rng, &asap, &m, 5.0);
            assert!(m.cat.core_pos.iter().any(|p| good.contains(p)), "{good}");
            assert!(
                !SLANG_NEG
                    .iter()
                    .chain(HYGIENE_NEG)
                    .any(|p| good.contains(p)),
                "{good}"
            );
            let bad = review(&mut rng, &asap, &m, 1.0);
            assert!(m.cat.core_neg.iter().any(|p| bad.contains(p)), "{bad}");
            assert!(
                !SLANG_POS.iter().chain(ENV_POS).any(|p| bad.contains(p)),
                "{bad}"
            );
        }
    }

    #[test]
    fn notes_name_their_shop_when_asked() {
        let asap = Asap::load();
        let mut rng = Rand::new(2);
        for m in shops() {
            let (title, body, tags) = note(&mut rng, &asap, &[&m], 4.5, true);
            let named = std::iter::once(&m.name)
                .chain(&m.aliases)
                .any(|n| body.contains(n.as_str()));
            assert!(named, "{body}");
            assert!(!title.is_empty());
            assert!(tags.contains(&format!("杭州{}", m.cat.tag)));
        }
    }
}
