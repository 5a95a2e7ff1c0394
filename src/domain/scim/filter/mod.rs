//! SCIM filters (RFC 7644 3.4.2.2): parsed into a tree, then matched against a resource as
//! its SCIM document. `not` binds tighter than `and`, which binds tighter than `or`.

use super::path::AttrPath;
use crate::error::Error;
use serde_json::Value;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    fn parse(word: &str) -> Option<Op> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: Op,
        value: Value,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work"]`: some value of the multi-valued attribute matches.
    Within {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

/// The error every malformed filter gets; the API answers it with `scimType: invalidFilter`.
pub fn invalid(message: impl Into<String>) -> Error {
    Error::invalid("filter", message)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

// long: one pass over the characters, each kind of token a branch.
fn tokens(text: &str) -> Result<Vec<Token>, Error> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' | ')' | '[' | ']' => {
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
                i += 1;
            }
            '"' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                if i >= chars.len() {
                    return Err(invalid("a string is not closed with \""));
                }
                let literal: String = chars[start..=i].iter().collect();
                let text = serde_json::from_str::<String>(&literal)
                    .map_err(|_| invalid(format!("{literal} is not a valid string")))?;
                out.push(Token::Text(text));
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len() && !" \t\n\r()[]\"".contains(chars[i]) {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

/// Parses a filter; a malformed one is refused naming what is wrong.
pub fn parse(text: &str) -> Result<Filter, Error> {
    if text.len() > 4096 {
        return Err(invalid("the filter is longer than 4096 characters"));
    }
    let tokens = tokens(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let filter = parser.or()?;
    match parser.peek() {
        None => Ok(filter),
        Some(t) => Err(invalid(format!("unexpected {} in the filter", shown(t)))),
    }
}

fn shown(token: &Token) -> String {
    match token {
        Token::Word(w) => format!("`{w}`"),
        Token::Text(t) => format!("\"{t}\""),
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::OpenBracket => "`[`".into(),
        Token::CloseBracket => "`]`".into(),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// How deep in parentheses and brackets the parser is: bounded, so that no filter can
    /// recurse the stack away.
    depth: usize,
}

/// The deepest nesting of parentheses and brackets a filter may have.
const MAX_DEPTH: usize = 16;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Filter, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid(format!(
                "the filter nests more than {MAX_DEPTH} levels of parentheses"
            )));
        }
        let parsed = self.disjunction();
        self.depth -= 1;
        parsed
    }

    fn disjunction(&mut self) -> Result<Filter, Error> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, Error> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, Error> {
        if self.keyword("not") {
            self.at += 1;
            return match self.next() {
                Some(Token::Open) => Ok(Filter::Not(Box::new(self.group()?))),
                _ => Err(invalid("`not` must be followed by a filter in parentheses")),
            };
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            return self.group();
        }
        self.comparison()
    }

    /// The rest of a parenthesised filter, after its `(`.
    fn group(&mut self) -> Result<Filter, Error> {
        let inner = self.or()?;
        match self.next() {
            Some(Token::Close) => Ok(inner),
            _ => Err(invalid("a `(` is not closed with `)`")),
        }
    }

    // long: the attribute, then a value filter, `pr`, or an operator and its value.
    fn comparison(&mut self) -> Result<Filter, Error> {
        let path = match self.next() {
            Some(Token::Word(w)) => AttrPath::parse(&w).map_err(|e| invalid(e.to_string()))?,
            Some(other) => {
                return Err(invalid(format!(
                    "expected an attribute, found {}",
                    shown(&other)
                )))
            }
            None => return Err(invalid("the filter ends where an attribute was expected")),
        };
        if self.peek() == Some(&Token::OpenBracket) {
            self.at += 1;
            let inner = self.or()?;
            if self.next() != Some(Token::CloseBracket) {
                return Err(invalid("a `[` is not closed with `]`"));
            }
            return Ok(Filter::Within {
                path,
                filter: Box::new(inner),
            });
        }
        let op = match self.next() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("pr") => {
                return Ok(Filter::Present(path))
            }
            Some(Token::Word(w)) => Op::parse(&w)
                .ok_or_else(|| invalid(format!("`{w}` is not a SCIM comparison operator")))?,
            _ => {
                return Err(invalid(
                    "expected an operator such as eq after the attribute",
                ))
            }
        };
        let value = match self.next() {
            Some(Token::Text(t)) => Value::String(t),
            Some(Token::Word(w)) => literal(&w)?,
            _ => return Err(invalid("expected a value after the operator")),
        };
        Ok(Filter::Compare { path, op, value })
    }
}

fn literal(word: &str) -> Result<Value, Error> {
    match word.to_ascii_lowercase().as_str() {
        "true" => Ok(Value::Bool(true)),
        "false" => Ok(Value::Bool(false)),
        "null" => Ok(Value::Null),
        _ => serde_json::from_str::<serde_json::Number>(word)
            .map(Value::Number)
            .map_err(|_| invalid(format!("`{word}` is not a value: quote strings"))),
    }
}

impl Filter {
    /// The attributes the filter reads.
    pub fn paths(&self) -> Vec<&AttrPath> {
        match self {
            Filter::Compare { path, .. } | Filter::Present(path) => vec![path],
            Filter::And(a, b) | Filter::Or(a, b) => {
                let mut both = a.paths();
                both.extend(b.paths());
                both
            }
            Filter::Not(inner) => inner.paths(),
            Filter::Within { path, .. } => vec![path],
        }
    }

    /// Whether the resource (its SCIM document) matches.
    pub fn matches(&self, resource: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.matches(resource) && b.matches(resource),
            Filter::Or(a, b) => a.matches(resource) || b.matches(resource),
            Filter::Not(inner) => !inner.matches(resource),
            Filter::Present(path) => path.values(resource).iter().any(|v| present(v)),
            Filter::Compare { path, op, value } => {
                let found = path.values(resource);
                match op {
                    // Not equal: no value of the attribute is equal.
                    Op::Ne => !found.iter().any(|v| compare(path, Op::Eq, v, value)),
                    _ => found.iter().any(|v| compare(path, *op, v, value)),
                }
            }
            Filter::Within { path, filter } => path
                .values(resource)
                .iter()
                .any(|element| filter.matches(element)),
        }
    }
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn compare(path: &AttrPath, op: Op, found: &Value, wanted: &Value) -> bool {
    match (found, wanted) {
        (Value::String(f), Value::String(w)) => compare_text(path, op, f, w),
        (Value::Bool(f), Value::Bool(w)) => op == Op::Eq && f == w,
        (Value::Number(f), Value::Number(w)) => {
            let (f, w) = (f.as_f64().unwrap_or(0.0), w.as_f64().unwrap_or(0.0));
            ordered(op, f.partial_cmp(&w))
        }
        (_, Value::Null) => false,
        _ => false,
    }
}

fn compare_text(path: &AttrPath, op: Op, found: &str, wanted: &str) -> bool {
    if let (Some(f), Some(w)) = (crate::clock::parse(found), crate::clock::parse(wanted)) {
        return ordered(op, f.partial_cmp(&w));
    }
    let (f, w) = match path.case_exact() {
        true => (found.to_string(), wanted.to_string()),
        false => (found.to_lowercase(), wanted.to_lowercase()),
    };
    match op {
        Op::Co => f.contains(&w),
        Op::Sw => f.starts_with(&w),
        Op::Ew => f.ends_with(&w),
        _ => ordered(op, Some(f.cmp(&w))),
    }
}

fn ordered(op: Op, order: Option<Ordering>) -> bool {
    let Some(order) = order else { return false };
    match op {
        Op::Eq => order == Ordering::Equal,
        Op::Ne => order != Ordering::Equal,
        Op::Gt => order == Ordering::Greater,
        Op::Ge => order != Ordering::Less,
        Op::Lt => order == Ordering::Less,
        Op::Le => order != Ordering::Greater,
        Op::Co | Op::Sw | Op::Ew => false,
    }
}

#[cfg(test)]
mod tests;
