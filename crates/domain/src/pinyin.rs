//! Pinyin initials of personal names, for search by the letters officials type (张三丰 → "zsf").

use ::pinyin::ToPinyin;

/// Surnames whose surname reading starts with a different letter than the character's most common
/// reading (单 is "dān" in words, "Shàn" as a surname). Applied to the first character only.
const SURNAME_INITIALS: &[(char, char)] = &[
    ('单', 's'),
    ('曾', 'z'),
    ('仇', 'q'),
    ('区', 'o'),
    ('查', 'z'),
    ('翟', 'z'),
    ('覃', 'q'),
    ('解', 'x'),
    ('乐', 'y'),
    ('召', 's'),
    ('种', 'c'),
    ('秘', 'b'),
    ('繁', 'p'),
    ('藏', 'z'),
    ('句', 'g'),
];

/// The pinyin initials of a name, lower-case: one letter per Han character (its most common
/// reading; the surname reading for the first character when that differs), letters of other
/// scripts kept lower-cased, everything else (digits, spaces, ·, punctuation) dropped.
/// `initials("张三丰") == "zsf"`, `initials("单雄信") == "sxx"`, `initials("Anna·李") == "annal"`.
pub fn initials(name: &str) -> String {
    let mut out = String::with_capacity(name.len() / 3 + 1);
    let mut first_han = true;
    for c in name.chars() {
        if let Some(p) = c.to_pinyin() {
            let surname = if first_han { SURNAME_INITIALS.iter().find(|(h, _)| *h == c).map(|(_, l)| *l) } else { None };
            match surname {
                Some(l) => out.push(l),
                None => out.push_str(p.first_letter()),
            }
            first_han = false;
        } else if c.is_alphabetic() && !is_han(c) {
            out.extend(c.to_lowercase());
            first_han = false;
        }
    }
    out
}

/// Whether a character is a CJK ideograph (those without a reading in the table are dropped).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF | 0x2A700..=0x2EBEF | 0x30000..=0x323AF | 0x3007)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn han_names_give_one_letter_per_character() {
        assert_eq!(initials("张三丰"), "zsf");
        assert_eq!(initials("欧阳娜娜"), "oynn");
        assert_eq!(initials("李"), "l");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn surname_readings_apply_to_the_first_character_only() {
        assert_eq!(initials("单雄信"), "sxx");
        assert_eq!(initials("曾国藩"), "zgf");
        assert_eq!(initials("王单"), "wd");
        assert_eq!(initials("解缙"), "xj");
    }

    #[test]
    fn other_letters_are_lower_cased_and_the_rest_dropped() {
        assert_eq!(initials("Anna·李"), "annal");
        assert_eq!(initials("阿不都·热合曼"), "abdrhm");
        assert_eq!(initials("王2 小-明!"), "wxm");
        assert_eq!(initials("ÉLODIE"), "élodie");
        assert_eq!(initials("' OR 1=1 --"), "or");
    }
}
