//! A key-value map with get, put and append, on string keys and values. Every key starts as the
//! empty string; append concatenates.
//!
//! The checker hashes and compares states at every step, and an appended value grows with the
//! history, so a state holds numbers, not strings: keys and written pieces are interned, and a
//! value is a node in a tree of appends (a node is its parent's value followed by one piece), so
//! an append costs one table lookup and never copies the value. States stay a few words long
//! however long the values grow. A value's text is built only when a read must be compared with
//! it and has the same length.

use super::memo::LookupMap;
use super::model::Model;
use serde::{Deserialize, Serialize};

/// An operation on the key-value map.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "lowercase")]
pub enum KvOp {
    /// Read a key.
    Get {
        /// The key.
        key: String,
    },
    /// Replace a key's value.
    Put {
        /// The key.
        key: String,
        /// The new value.
        value: String,
    },
    /// Add to the end of a key's value.
    Append {
        /// The key.
        key: String,
        /// What to add.
        value: String,
    },
}

impl KvOp {
    /// The key it touches.
    pub fn key(&self) -> &str {
        match self {
            KvOp::Get { key } | KvOp::Put { key, .. } | KvOp::Append { key, .. } => key,
        }
    }
}

/// The key-value map's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "lowercase")]
pub enum KvRet {
    /// The value read (empty if never written).
    Get {
        /// The value.
        value: String,
    },
    /// The put is done.
    Put,
    /// The append is done.
    Append,
}

/// Interned strings: number 0 is the empty string.
#[derive(Clone, Debug)]
struct Strings {
    text: Vec<Box<str>>,
    ids: LookupMap<Box<str>, u32>,
}

impl Strings {
    fn new() -> Self {
        let mut s = Strings { text: Vec::new(), ids: LookupMap::default() };
        s.id("");
        s
    }

    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = u32::try_from(self.text.len()).expect("fewer than 4 billion distinct strings");
        self.text.push(s.into());
        self.ids.insert(s.into(), i);
        i
    }
}

/// A value: its parent's value followed by one piece. Node 0 is the empty string.
#[derive(Clone, Debug)]
struct Value {
    parent: u32,
    piece: u32,
    len: usize,
    /// The whole text, once a read needed it.
    text: Option<Box<str>>,
}

/// The tree of values built by appends (a put of `v` is the empty value followed by `v`).
#[derive(Clone, Debug)]
struct Values {
    nodes: Vec<Value>,
    children: LookupMap<(u32, u32), u32>,
}

impl Values {
    fn new() -> Self {
        let root = Value { parent: 0, piece: 0, len: 0, text: Some("".into()) };
        Values { nodes: vec![root], children: LookupMap::default() }
    }

    /// The value `value` followed by `piece`.
    fn append(&mut self, value: u32, piece: u32, strings: &Strings) -> u32 {
        if piece == 0 {
            return value;
        }
        if let Some(&v) = self.children.get(&(value, piece)) {
            return v;
        }
        let v = u32::try_from(self.nodes.len()).expect("fewer than 4 billion distinct values");
        let len = self.nodes[value as usize].len + strings.text[piece as usize].len();
        self.nodes.push(Value { parent: value, piece, len, text: None });
        self.children.insert((value, piece), v);
        v
    }

    /// The text of `value`, built from its pieces.
    fn build(&self, value: u32, strings: &Strings) -> String {
        let mut pieces = Vec::new();
        let mut v = value;
        while v != 0 {
            pieces.push(self.nodes[v as usize].piece);
            v = self.nodes[v as usize].parent;
        }
        let mut text = String::with_capacity(self.nodes[value as usize].len);
        for p in pieces.iter().rev() {
            text.push_str(&strings.text[*p as usize]);
        }
        text
    }

    /// The text of `value`, built once.
    fn text(&mut self, value: u32, strings: &Strings) -> &str {
        if self.nodes[value as usize].text.is_none() {
            self.nodes[value as usize].text = Some(self.build(value, strings).into());
        }
        self.nodes[value as usize].text.as_deref().expect("built above")
    }

    /// Whether `value`'s text is `s`; lengths first, so most mismatches cost nothing.
    fn is(&mut self, value: u32, s: &str, strings: &Strings) -> bool {
        self.nodes[value as usize].len == s.len() && self.text(value, strings) == s
    }
}

/// The map's contents: (key, value) numbers sorted by key, with keys that were never written
/// left out and the one-key case (every state of a per-key check) stored inline.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Entries {
    Empty,
    One(u32, u32),
    Many(Box<[(u32, u32)]>),
}

/// A state of the key-value map, in the model's interned numbers (use
/// [`Model::describe_state`] to read it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KvState(Entries);

impl KvState {
    fn get(&self, key: u32) -> u32 {
        match &self.0 {
            Entries::Empty => 0,
            Entries::One(k, v) => {
                if *k == key {
                    *v
                } else {
                    0
                }
            }
            Entries::Many(kvs) => match kvs.binary_search_by_key(&key, |(k, _)| *k) {
                Ok(i) => kvs[i].1,
                Err(_) => 0,
            },
        }
    }

    fn with(&self, key: u32, value: u32) -> KvState {
        match &self.0 {
            Entries::Empty if value == 0 => return self.clone(),
            Entries::Empty => return KvState(Entries::One(key, value)),
            Entries::One(k, _) if *k == key && value == 0 => return KvState(Entries::Empty),
            Entries::One(k, _) if *k == key => return KvState(Entries::One(key, value)),
            _ => {}
        }
        let mut kvs: Vec<(u32, u32)> = match &self.0 {
            Entries::Empty => Vec::new(),
            Entries::One(k, v) => vec![(*k, *v)],
            Entries::Many(kvs) => kvs.to_vec(),
        };
        match kvs.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(i) if value == 0 => {
                kvs.remove(i);
            }
            Ok(i) => kvs[i].1 = value,
            Err(_) if value == 0 => {}
            Err(i) => kvs.insert(i, (key, value)),
        }
        KvState(match kvs.as_slice() {
            [] => Entries::Empty,
            [(k, v)] => Entries::One(*k, *v),
            _ => Entries::Many(kvs.into_boxed_slice()),
        })
    }
}

/// The key-value map model. Per-key decomposition applies: operations on different keys are
/// independent.
#[derive(Clone, Debug)]
pub struct Kv {
    strings: Strings,
    values: Values,
}

impl Kv {
    /// A map in which every key starts empty.
    pub fn new() -> Self {
        Kv { strings: Strings::new(), values: Values::new() }
    }
}

impl Default for Kv {
    fn default() -> Self {
        Kv::new()
    }
}

impl Model for Kv {
    type Input = KvOp;
    type Output = KvRet;
    type State = KvState;

    fn init(&mut self) -> KvState {
        KvState(Entries::Empty)
    }

    fn step(&mut self, state: &KvState, input: &KvOp, output: Option<&KvRet>) -> Option<KvState> {
        match (input, output) {
            (KvOp::Get { .. }, None) => Some(state.clone()),
            (KvOp::Get { key }, Some(KvRet::Get { value })) => {
                let k = self.strings.id(key);
                self.values.is(state.get(k), value, &self.strings).then(|| state.clone())
            }
            (KvOp::Put { key, value }, None | Some(KvRet::Put)) => {
                let k = self.strings.id(key);
                let piece = self.strings.id(value);
                Some(state.with(k, self.values.append(0, piece, &self.strings)))
            }
            (KvOp::Append { key, value }, None | Some(KvRet::Append)) => {
                let k = self.strings.id(key);
                let piece = self.strings.id(value);
                Some(state.with(k, self.values.append(state.get(k), piece, &self.strings)))
            }
            _ => None,
        }
    }

    fn is_read_only(&self, input: &KvOp) -> bool {
        matches!(input, KvOp::Get { .. })
    }

    fn partition(&self, input: &KvOp) -> Option<String> {
        Some(input.key().to_string())
    }

    fn describe(&self, input: &KvOp, output: Option<&KvRet>) -> String {
        match (input, output) {
            (KvOp::Get { key }, Some(KvRet::Get { value })) => format!("get {key:?} -> {value:?}"),
            (KvOp::Get { key }, _) => format!("get {key:?}"),
            (KvOp::Put { key, value }, _) => format!("put {key:?} {value:?}"),
            (KvOp::Append { key, value }, _) => format!("append {key:?} {value:?}"),
        }
    }

    fn describe_state(&self, state: &KvState) -> String {
        let kvs: Vec<(u32, u32)> = match &state.0 {
            Entries::Empty => Vec::new(),
            Entries::One(k, v) => vec![(*k, *v)],
            Entries::Many(kvs) => kvs.to_vec(),
        };
        if kvs.is_empty() {
            return "every key is empty".into();
        }
        let parts: Vec<String> = kvs
            .iter()
            .map(|(k, v)| {
                let text = self.values.build(*v, &self.strings);
                format!("{:?} holds {text:?}", self.strings.text[*k as usize])
            })
            .collect();
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(key: &str) -> KvOp {
        KvOp::Get { key: key.into() }
    }
    fn got(value: &str) -> KvRet {
        KvRet::Get { value: value.into() }
    }
    fn append(key: &str, value: &str) -> KvOp {
        KvOp::Append { key: key.into(), value: value.into() }
    }
    fn put(key: &str, value: &str) -> KvOp {
        KvOp::Put { key: key.into(), value: value.into() }
    }

    #[test]
    fn keys_start_empty_and_append_concatenates() {
        let mut m = Kv::new();
        let s = m.init();
        assert!(m.step(&s, &get("a"), Some(&got(""))).is_some());
        assert!(m.step(&s, &get("a"), Some(&got("x"))).is_none());
        let s = m.step(&s, &append("a", "x"), Some(&KvRet::Append)).unwrap();
        let s = m.step(&s, &append("a", "y"), None).unwrap();
        assert!(m.step(&s, &get("a"), Some(&got("xy"))).is_some());
        assert!(m.step(&s, &get("a"), Some(&got("yx"))).is_none());
        assert!(m.step(&s, &get("b"), Some(&got(""))).is_some(), "other keys untouched");
        let s = m.step(&s, &put("b", "z"), Some(&KvRet::Put)).unwrap();
        assert_eq!(m.describe_state(&s), "\"a\" holds \"xy\", \"b\" holds \"z\"");
        let s = m.step(&s, &put("a", ""), None).unwrap();
        assert_eq!(m.describe_state(&s), "\"b\" holds \"z\"");
        assert!(m.step(&s, &put("a", "v"), Some(&KvRet::Append)).is_none(), "wrong kind");
    }

    #[test]
    fn states_compare_by_content() {
        let mut m = Kv::new();
        let s0 = m.init();
        // The same appends in the same order are one state, so the memo can merge two paths.
        let a = m.step(&s0, &append("k", "a"), None).unwrap();
        let ab1 = m.step(&a, &append("k", "b"), None).unwrap();
        let a2 = m.step(&s0, &append("k", "a"), None).unwrap();
        let ab2 = m.step(&a2, &append("k", "b"), None);
        assert_eq!(Some(ab1.clone()), ab2);
        assert_eq!(m.step(&s0, &put("k", "a"), None), Some(a.clone()), "put = append to empty");
        // "ab" written whole and "ab" built by appends read the same.
        let put_ab = m.step(&s0, &put("k", "ab"), None).unwrap();
        for s in [&ab1, &put_ab] {
            assert!(m.step(s, &get("k"), Some(&got("ab"))).is_some());
            assert!(m.step(s, &get("k"), Some(&got("ba"))).is_none());
            assert!(m.step(s, &get("k"), Some(&got("abc"))).is_none());
        }
        let x = m.step(&s0, &put("j", "1"), None).unwrap();
        let x = m.step(&x, &put("k", "ab"), None).unwrap();
        let y = m.step(&s0, &put("k", "ab"), None).unwrap();
        let y = m.step(&y, &put("j", "1"), None).unwrap();
        assert_eq!(x, y, "the order of keys does not matter");
    }

    #[test]
    fn the_map_splits_by_key() {
        let m = Kv::new();
        assert_eq!(m.partition(&append("k", "a")), Some("k".to_string()));
        assert!(m.is_read_only(&get("k")));
        assert_eq!(m.describe(&get("k"), Some(&got("v"))), "get \"k\" -> \"v\"");
    }
}
