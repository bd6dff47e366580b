//! Chinese first, English selectable: templates are written in Chinese and `Lang::t` looks up English.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Lang {
        if s.starts_with("en") { Lang::En } else { Lang::Zh }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    /// The text in this language (Chinese text is its own key; missing English falls back to Chinese).
    pub fn t<'a>(&self, zh: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => english().get(zh).copied().unwrap_or(zh),
        }
    }
}

fn english() -> &'static HashMap<&'static str, &'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| include_str!("../assets/en.txt").lines().filter_map(|l| l.split_once(" = ")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_looked_up_and_falls_back_to_chinese() {
        assert_eq!(Lang::En.t("户籍名册"), "Registry");
        assert_eq!(Lang::Zh.t("户籍名册"), "户籍名册");
        assert_eq!(Lang::En.t("没有翻译的句子"), "没有翻译的句子");
    }
}
