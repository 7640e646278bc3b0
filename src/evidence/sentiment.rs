// TEMPORARY shim for compile-checking; replaced by the sentiment branch.
use crate::text::Token;
#[derive(Debug, Clone, Default)]
pub struct TextEvidence {
    pub polarity: f32,
    pub hygiene_alert: bool,
}
impl TextEvidence {
    pub fn is_opinionated(&self) -> bool {
        self.polarity != 0.0
    }
    pub fn return_intent_sign(&self) -> i8 {
        0
    }
}
#[derive(Default)]
pub struct SentimentModel;
impl SentimentModel {
    pub fn analyze(&self, _t: &[Token], _s: &str) -> TextEvidence {
        TextEvidence::default()
    }
}
