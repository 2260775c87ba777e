//! A reader for one line of EDN, the data notation Jepsen writes its histories in: as much of
//! the language as Jepsen's operations hold (maps, vectors, lists, sets, tagged values such as
//! `#object[...]`, strings, keywords, symbols and numbers). Each history line is one value.

use std::fmt;

/// An EDN value.
#[derive(Clone, Debug, PartialEq)]
pub enum Edn {
    /// `nil`
    Nil,
    /// `true` or `false`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number with a fraction or an exponent.
    Float(f64),
    /// A string, its escapes resolved.
    Str(String),
    /// A keyword, without its colon: `:type` is `Keyword("type")`.
    Keyword(String),
    /// A symbol such as `...` or `clojure.core/inc`.
    Symbol(String),
    /// `[a b]`
    Vector(Vec<Edn>),
    /// `(a b)`
    List(Vec<Edn>),
    /// `{k v}`, in the order written.
    Map(Vec<(Edn, Edn)>),
    /// `#{a b}`
    Set(Vec<Edn>),
    /// `#tag value`
    Tagged(String, Box<Edn>),
}

impl Edn {
    /// The value under keyword `key`, if this is a map that holds it.
    pub fn get(&self, key: &str) -> Option<&Edn> {
        match self {
            Edn::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, Edn::Keyword(name) if name == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The elements of a vector or a list.
    pub fn items(&self) -> Option<&[Edn]> {
        match self {
            Edn::Vector(items) | Edn::List(items) => Some(items),
            _ => None,
        }
    }
}

impl fmt::Display for Edn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn seq(f: &mut fmt::Formatter<'_>, open: &str, items: &[Edn], close: &str) -> fmt::Result {
            f.write_str(open)?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{item}")?;
            }
            f.write_str(close)
        }
        match self {
            Edn::Nil => f.write_str("nil"),
            Edn::Bool(b) => write!(f, "{b}"),
            Edn::Int(i) => write!(f, "{i}"),
            Edn::Float(x) => write!(f, "{x}"),
            Edn::Str(s) => write!(f, "{s:?}"),
            Edn::Keyword(k) => write!(f, ":{k}"),
            Edn::Symbol(s) => f.write_str(s),
            Edn::Vector(items) => seq(f, "[", items, "]"),
            Edn::List(items) => seq(f, "(", items, ")"),
            Edn::Set(items) => seq(f, "#{", items, "}"),
            Edn::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} {v}")?;
                }
                f.write_str("}")
            }
            Edn::Tagged(tag, value) => write!(f, "#{tag} {value}"),
        }
    }
}

/// Parses one EDN value that fills `text` (blanks, commas and `;` comments aside).
pub fn parse(text: &str) -> Result<Edn, String> {
    let mut reader = Reader { bytes: text.as_bytes(), at: 0, text };
    let value = reader.value()?.ok_or("the line holds no value")?;
    reader.skip();
    if reader.at < reader.bytes.len() {
        return Err(format!("there is text after the value, at column {}", reader.at + 1));
    }
    Ok(value)
}

/// Parses one line that must be an EDN map, such as a Jepsen operation; otherwise the error
/// shows the `expected` shape.
pub fn parse_map(line: &str, expected: &str) -> Result<Edn, String> {
    let not_a_map = || format!("this is not an EDN map (expected `{expected}`)");
    // A line that does not open a map gets that sentence, not the reader's complaint about
    // whatever word it starts with.
    if !line.trim_start().starts_with('{') {
        return Err(not_a_map());
    }
    match parse(line)? {
        map @ Edn::Map(_) => Ok(map),
        _ => Err(not_a_map()),
    }
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

/// Characters that end a symbol, keyword or number.
fn ends_token(b: u8) -> bool {
    b.is_ascii_whitespace() || b",;{}[]()\"".contains(&b)
}

impl Reader<'_> {
    fn skip(&mut self) {
        while let Some(&b) = self.bytes.get(self.at) {
            if b.is_ascii_whitespace() || b == b',' {
                self.at += 1;
            } else if b == b';' {
                while self.bytes.get(self.at).is_some_and(|&b| b != b'\n') {
                    self.at += 1;
                }
            } else {
                break;
            }
        }
    }

    fn token(&mut self) -> &str {
        let start = self.at;
        while self.bytes.get(self.at).is_some_and(|&b| !ends_token(b)) {
            self.at += 1;
        }
        &self.text[start..self.at]
    }

    /// The elements up to `close`, which it consumes.
    fn until(&mut self, close: u8, what: &str) -> Result<Vec<Edn>, String> {
        let mut items = Vec::new();
        loop {
            self.skip();
            match self.bytes.get(self.at) {
                None => return Err(format!("the {what} is not closed with `{}`", close as char)),
                Some(&b) if b == close => {
                    self.at += 1;
                    return Ok(items);
                }
                Some(_) => match self.value()? {
                    Some(v) => items.push(v),
                    None => {
                        return Err(format!(
                            "unexpected `{}` in a {what}, at column {}",
                            self.bytes[self.at] as char,
                            self.at + 1
                        ));
                    }
                },
            }
        }
    }

    /// The next value, or `None` at the end of the text or before a closing bracket.
    fn value(&mut self) -> Result<Option<Edn>, String> {
        self.skip();
        let Some(&b) = self.bytes.get(self.at) else { return Ok(None) };
        let value = match b {
            b'}' | b']' | b')' => return Ok(None),
            b'[' => {
                self.at += 1;
                Edn::Vector(self.until(b']', "vector")?)
            }
            b'(' => {
                self.at += 1;
                Edn::List(self.until(b')', "list")?)
            }
            b'{' => {
                self.at += 1;
                let items = self.until(b'}', "map")?;
                if items.len() % 2 == 1 {
                    return Err(format!("the map {} has a key without a value", items[0]));
                }
                let mut entries = Vec::with_capacity(items.len() / 2);
                let mut items = items.into_iter();
                while let (Some(k), Some(v)) = (items.next(), items.next()) {
                    if entries.iter().any(|(seen, _)| *seen == k) {
                        return Err(format!("the key {k} appears twice in a map"));
                    }
                    entries.push((k, v));
                }
                Edn::Map(entries)
            }
            b'"' => self.string()?,
            b'#' => {
                self.at += 1;
                match self.bytes.get(self.at) {
                    Some(b'{') => {
                        self.at += 1;
                        Edn::Set(self.until(b'}', "set")?)
                    }
                    Some(b'_') => {
                        // `#_` discards the next value.
                        self.at += 1;
                        self.value()?.ok_or("`#_` discards nothing")?;
                        return self.value();
                    }
                    _ => {
                        let tag = self.token().to_string();
                        if tag.is_empty() {
                            return Err(format!("a `#` without a tag, at column {}", self.at));
                        }
                        let value = self.value()?.ok_or(format!("the tag #{tag} has no value"))?;
                        Edn::Tagged(tag, Box::new(value))
                    }
                }
            }
            b':' => {
                self.at += 1;
                let name = self.token();
                if name.is_empty() {
                    return Err(format!("a keyword has no name, at column {}", self.at));
                }
                Edn::Keyword(name.to_string())
            }
            b'\\' => {
                // A character literal: kept as a one-character string.
                self.at += 1;
                let c = self.text[self.at..].chars().next().ok_or("a `\\` ends the line")?;
                self.at += c.len_utf8();
                let rest = self.token();
                Edn::Str(if rest.is_empty() { c.to_string() } else { format!("{c}{rest}") })
            }
            _ => {
                let word = self.token().to_string();
                if word.is_empty() {
                    return Err(format!("unexpected `{}` at column {}", b as char, self.at + 1));
                }
                atom(&word)
            }
        };
        Ok(Some(value))
    }

    fn string(&mut self) -> Result<Edn, String> {
        self.at += 1;
        let mut s = String::new();
        loop {
            let rest = &self.text[self.at..];
            let Some(c) = rest.chars().next() else {
                return Err("a string is not closed".into());
            };
            self.at += c.len_utf8();
            match c {
                '"' => return Ok(Edn::Str(s)),
                '\\' => {
                    let e = self.text[self.at..].chars().next().ok_or("a string is not closed")?;
                    self.at += e.len_utf8();
                    s.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        other => other,
                    });
                }
                c => s.push(c),
            }
        }
    }
}

/// A word that is not a keyword: nil, a boolean, a number or a symbol.
fn atom(word: &str) -> Edn {
    match word {
        "nil" => Edn::Nil,
        "true" => Edn::Bool(true),
        "false" => Edn::Bool(false),
        _ => {
            let digits = word.strip_suffix('N').unwrap_or(word);
            if let Ok(i) = digits.parse::<i64>() {
                Edn::Int(i)
            } else if word.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
                && let Ok(x) = word.strip_suffix('M').unwrap_or(word).parse::<f64>()
            {
                Edn::Float(x)
            } else {
                Edn::Symbol(word.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jepsen_lines_parse() {
        let v = parse(
            r#"{:type :ok, :f :txn, :value [[:append 9 2] [:r 9 [1 2]] [:r 8 nil]], :process 3}"#,
        )
        .unwrap();
        assert_eq!(v.get("type"), Some(&Edn::Keyword("ok".into())));
        assert_eq!(v.get("process"), Some(&Edn::Int(3)));
        let mops = v.get("value").and_then(Edn::items).unwrap();
        assert_eq!(mops.len(), 3);
        assert_eq!(mops[1].to_string(), "[:r 9 [1 2]]");
        assert_eq!(mops[2].items().unwrap()[2], Edn::Nil);
    }

    #[test]
    fn nemesis_lines_with_tags_sets_and_strings_parse() {
        let v = parse(
            r#"{:type :info, :f :leave, :value ["n1" {"n1" "ERR \"x\""}], :process :nemesis, :x #{1 2} :y #object[a 0x4b {:s :p}] :z 1.5 :w -3 ; note
            }"#,
        )
        .unwrap();
        assert_eq!(v.get("process"), Some(&Edn::Keyword("nemesis".into())));
        assert_eq!(v.get("value").unwrap().to_string(), r#"["n1" {"n1" "ERR \"x\""}]"#);
        assert_eq!(v.get("x"), Some(&Edn::Set(vec![Edn::Int(1), Edn::Int(2)])));
        assert!(matches!(v.get("y"), Some(Edn::Tagged(tag, _)) if tag == "object"));
        assert_eq!(v.get("z"), Some(&Edn::Float(1.5)));
        assert_eq!(v.get("w"), Some(&Edn::Int(-3)));
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        for (text, words) in [
            ("{:a 1", "not closed"),
            ("{:a}", "without a value"),
            ("{:a 1 :a 2}", "appears twice"),
            ("[1 2] 3", "text after the value"),
            ("\"abc", "string is not closed"),
            ("{:a ]}", "unexpected `]`"),
            ("", "no value"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(words), "{text:?}: {e}");
        }
    }
}
