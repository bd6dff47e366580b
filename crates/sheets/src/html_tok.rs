//! A small tolerant HTML tokenizer (tags, text, comments, raw-text elements) and entity
//! decoding. Enough for the table exports of government systems; not a full HTML5 parser.

/// One token of an HTML document.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// `<name attr=value ...>`; the name is lower-case ASCII.
    Start {
        name: String,
        attrs: Vec<(String, String)>,
    },
    /// `</name>`; the name is lower-case ASCII.
    End { name: String },
    /// Raw text between tags (entities not yet decoded).
    Text(&'a str),
}

/// Iterator over the tokens of `src`.
pub(crate) struct Tokenizer<'a> {
    s: &'a str,
    pos: usize,
    /// Inside `<script>`/`<style>`: skip to this closing tag.
    raw_end: Option<&'static str>,
}

impl<'a> Tokenizer<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Tokenizer {
            s,
            pos: 0,
            raw_end: None,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.s.as_bytes()
    }

    /// Position of `needle` (ASCII, lower-case) at or after `from`, case-insensitively.
    fn find_ci(&self, from: usize, needle: &str) -> Option<usize> {
        let hay = self.bytes();
        let n = needle.as_bytes();
        if n.is_empty() || from >= hay.len() {
            return None;
        }
        hay[from..]
            .windows(n.len())
            .position(|w| w.eq_ignore_ascii_case(n))
            .map(|p| p + from)
    }

    fn read_name(&mut self) -> String {
        let b = self.bytes();
        let start = self.pos;
        while self.pos < b.len()
            && !b[self.pos].is_ascii_whitespace()
            && !matches!(b[self.pos], b'>' | b'/' | b'=' | b'<')
        {
            self.pos += 1;
        }
        // Names are cut at ASCII bytes, so the slice is on char boundaries.
        self.s[start..self.pos].to_ascii_lowercase()
    }

    fn skip_ws(&mut self) {
        let b = self.bytes();
        while self.pos < b.len() && b[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    /// Parses attributes up to and including `>` (or end of input).
    fn read_attrs(&mut self) -> Vec<(String, String)> {
        let mut attrs = Vec::new();
        loop {
            self.skip_ws();
            let b = self.bytes();
            if self.pos >= b.len() {
                return attrs;
            }
            match b[self.pos] {
                b'>' => {
                    self.pos += 1;
                    return attrs;
                }
                b'/' | b'=' | b'<' => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            let name = self.read_name();
            self.skip_ws();
            let mut value = String::new();
            if self.bytes().get(self.pos) == Some(&b'=') {
                self.pos += 1;
                self.skip_ws();
                value = self.read_value();
            }
            attrs.push((name, value));
        }
    }

    fn read_value(&mut self) -> String {
        let b = self.bytes();
        let Some(&q) = b.get(self.pos) else {
            return String::new();
        };
        if q == b'"' || q == b'\'' {
            let start = self.pos + 1;
            let end = b[start..]
                .iter()
                .position(|&c| c == q)
                .map_or(b.len(), |p| p + start);
            self.pos = (end + 1).min(b.len());
            return self.s[start..end].to_string();
        }
        let start = self.pos;
        while self.pos < b.len() && !b[self.pos].is_ascii_whitespace() && b[self.pos] != b'>' {
            self.pos += 1;
        }
        self.s[start..self.pos].to_string()
    }
}

impl<'a> Iterator for Tokenizer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let b = self.bytes();
            if self.pos >= b.len() {
                return None;
            }
            if let Some(end) = self.raw_end.take() {
                self.pos = self.find_ci(self.pos, end).unwrap_or(b.len());
                continue;
            }
            if b[self.pos] != b'<' {
                let start = self.pos;
                let end = b[start..]
                    .iter()
                    .position(|&c| c == b'<')
                    .map_or(b.len(), |p| p + start);
                self.pos = end;
                return Some(Token::Text(&self.s[start..end]));
            }
            let next = b.get(self.pos + 1).copied();
            if b[self.pos..].starts_with(b"<!--") {
                self.pos = self.find_ci(self.pos + 4, "-->").map_or(b.len(), |p| p + 3);
                continue;
            }
            match next {
                Some(b'!') | Some(b'?') => {
                    self.pos = b[self.pos..]
                        .iter()
                        .position(|&c| c == b'>')
                        .map_or(b.len(), |p| self.pos + p + 1);
                }
                Some(b'/') if b.get(self.pos + 2).is_some_and(u8::is_ascii_alphabetic) => {
                    self.pos += 2;
                    let name = self.read_name();
                    self.read_attrs();
                    return Some(Token::End { name });
                }
                Some(c) if c.is_ascii_alphabetic() => {
                    self.pos += 1;
                    let name = self.read_name();
                    let attrs = self.read_attrs();
                    self.raw_end = match name.as_str() {
                        "script" => Some("</script"),
                        "style" => Some("</style"),
                        "textarea" => Some("</textarea"),
                        _ => None,
                    };
                    return Some(Token::Start { name, attrs });
                }
                _ => {
                    self.pos += 1;
                    return Some(Token::Text("<"));
                }
            }
        }
    }
}

const NAMED: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("yen", '¥'),
    ("copy", '©'),
    ("reg", '®'),
    ("middot", '·'),
    ("times", '×'),
    ("divide", '÷'),
    ("hellip", '…'),
    ("mdash", '—'),
    ("ndash", '–'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("deg", '°'),
    ("plusmn", '±'),
    ("sup2", '²'),
];

/// Appends `text` to `out` with character references decoded. Unknown references stay
/// as written; invalid code points become U+FFFD.
pub(crate) fn decode_entities(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match decode_one(rest) {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

/// Decodes one reference at the start of `s` (which starts with `&`).
fn decode_one(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        let (hex, start) = match b.get(2) {
            Some(b'x') | Some(b'X') => (true, 3),
            _ => (false, 2),
        };
        let mut end = start;
        let mut value: u32 = 0;
        while end < b.len() {
            let d = match (hex, b[end]) {
                (true, c) if c.is_ascii_hexdigit() => (c as char).to_digit(16),
                (false, c) if c.is_ascii_digit() => (c as char).to_digit(10),
                _ => None,
            };
            let Some(d) = d else { break };
            value = value
                .saturating_mul(if hex { 16 } else { 10 })
                .saturating_add(d);
            end += 1;
        }
        if end == start {
            return None;
        }
        if b.get(end) == Some(&b';') {
            end += 1;
        }
        let c = match value {
            0 => '\u{FFFD}',
            v => char::from_u32(v).unwrap_or('\u{FFFD}'),
        };
        return Some((c, end));
    }
    let name_end = b[1..]
        .iter()
        .position(|c| !c.is_ascii_alphanumeric())
        .map_or(b.len(), |p| p + 1);
    let name = &s[1..name_end];
    let &(_, c) = NAMED.iter().find(|(n, _)| *n == name)?;
    let used = if b.get(name_end) == Some(&b';') {
        name_end + 1
    } else {
        name_end
    };
    Some((c, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let toks: Vec<_> = Tokenizer::new(
            "<!-- c --><TABLE border=1><tr><td colspan=\"2\">a&amp;b</td><script>x<td></script>< z",
        )
        .collect();
        assert_eq!(
            toks[0],
            Token::Start {
                name: "table".into(),
                attrs: vec![("border".into(), "1".into())]
            }
        );
        assert_eq!(
            toks[2],
            Token::Start {
                name: "td".into(),
                attrs: vec![("colspan".into(), "2".into())]
            }
        );
        assert_eq!(toks[3], Token::Text("a&amp;b"));
        assert_eq!(toks[4], Token::End { name: "td".into() });
        assert_eq!(
            toks[6],
            Token::End {
                name: "script".into()
            }
        );
        assert_eq!(toks[7], Token::Text("<"));
        assert_eq!(toks.len(), 9);
    }

    #[test]
    fn entities() {
        let mut s = String::new();
        decode_entities(
            "&lt;a&gt; &quot;&#39;&nbsp;&#20013;&#x6587;&amp &unknown; &#0; &#99999999999; &",
            &mut s,
        );
        assert_eq!(s, "<a> \"'\u{a0}中文& &unknown; \u{FFFD} \u{FFFD} &");
    }
}
