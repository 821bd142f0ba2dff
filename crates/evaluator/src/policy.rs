//! An IAM policy document (identity policy or SCP) read from the JSON text AWS wrote, into the
//! few parts the facts need: each statement's effect, actions, resources and conditions.
//!
//! The grammar is IAM's: `Statement` one object or an array; `Action`/`NotAction` and
//! `Resource`/`NotResource` a string or an array; condition values a string, a boolean, a
//! number or an array of them. Element and operator names are case-sensitive (IAM refuses
//! others); condition keys are not (compare them with [`key_is`]), nor are actions
//! ([`glob_matches`]). A text this version cannot read is a [`NotAPolicy`] naming why: the
//! caller makes it a fact (`not_recognised`), never a panic nor a guess. What the statements
//! mean for MFA is `policy/recognise.rs` (identity policies) and `policy/scp.rs` (SCPs).

mod recognise;
mod scp;

pub(crate) use recognise::{grants_admin, is_administrator_access, mfa_deny, MfaDeny};
pub(crate) use scp::{denies_weakening_mfa, mfa_keyed_statements};

use serde_json::{Map, Value};
use std::fmt;

/// Why a text is not a policy document this version reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotAPolicy(String);

impl fmt::Display for NotAPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a policy document this version reads: {}", self.0)
    }
}

fn refuse<T>(why: impl Into<String>) -> Result<T, NotAPolicy> {
    Err(NotAPolicy(why.into()))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyDocument {
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

/// The actions (or resources) a statement applies to: those its patterns match (`Action`), or
/// all but those (`NotAction`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Patterns {
    Listed(Vec<String>),
    AllBut(Vec<String>),
}

impl Patterns {
    /// Whether the statement applies to `name` (an action such as `iam:EnableMFADevice`).
    pub fn covers(&self, name: &str) -> bool {
        match self {
            Patterns::Listed(patterns) => patterns.iter().any(|p| glob_matches(p, name)),
            Patterns::AllBut(patterns) => !patterns.iter().any(|p| glob_matches(p, name)),
        }
    }

    /// Whether the patterns list `*` itself (`"Resource": "*"`, `"Action": "*"`).
    pub fn lists_star(&self) -> bool {
        matches!(self, Patterns::Listed(patterns) if patterns.iter().any(|p| p == "*"))
    }
}

/// One condition: an operator (`BoolIfExists`), a key (`aws:MultiFactorAuthPresent`) and its
/// values, each as text (`false` for a JSON `false`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {:?}", self.operator, self.key, self.values)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Patterns,
    pub resources: Patterns,
    /// Every condition of the statement (all must hold for it to apply).
    pub conditions: Vec<Condition>,
}

/// Whether a condition key is `name`: IAM's condition keys are case-insensitive.
pub(crate) fn key_is(key: &str, name: &str) -> bool {
    key.eq_ignore_ascii_case(name)
}

/// IAM's wildcard match: `*` any run of characters, `?` any one, ASCII case ignored (action
/// names are case-insensitive: `IAM:deactivate*` matches `iam:DeactivateMFADevice`).
pub(crate) fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().map(|c| c.to_ascii_lowercase()).collect();
    let text: Vec<char> = text.chars().map(|c| c.to_ascii_lowercase()).collect();
    crate::wildcard::matches(&pattern, &text)
}

impl PolicyDocument {
    /// Reads a policy document's JSON text (already URL-decoded).
    pub fn parse(text: &str) -> Result<PolicyDocument, NotAPolicy> {
        let value: Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(error) => return refuse(format!("not JSON ({error})")),
        };
        let Value::Object(document) = value else {
            return refuse("the document is not a JSON object");
        };
        only_elements(&document, &["Version", "Id", "Statement"], "the document")?;
        let statements = match document.get("Statement") {
            Some(Value::Object(one)) => vec![statement(one, 0)?],
            Some(Value::Array(many)) => many
                .iter()
                .enumerate()
                .map(|(index, s)| match s {
                    Value::Object(s) => statement(s, index),
                    _ => refuse(format!("statement {} is not an object", index + 1)),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return refuse("Statement is neither an object nor an array"),
            None => return refuse("no Statement"),
        };
        Ok(PolicyDocument { statements })
    }
}

fn only_elements(
    object: &Map<String, Value>,
    known: &[&str],
    what: &str,
) -> Result<(), NotAPolicy> {
    match object.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => refuse(format!(
            "{what} has an element {unknown:?} it does not know"
        )),
        None => Ok(()),
    }
}

fn statement(object: &Map<String, Value>, index: usize) -> Result<Statement, NotAPolicy> {
    let sid = match object.get("Sid") {
        None => None,
        Some(Value::String(sid)) => Some(sid.clone()),
        Some(_) => return refuse(format!("statement {}'s Sid is not a string", index + 1)),
    };
    let name = match &sid {
        Some(sid) => format!("statement {sid:?}"),
        None => format!("statement {}", index + 1),
    };
    only_elements(
        object,
        &[
            "Sid",
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
        ],
        &name,
    )?;
    let effect = match object.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        other => return refuse(format!("{name} has Effect {other:?}, not Allow or Deny")),
    };
    Ok(Statement {
        effect,
        actions: patterns(object, "Action", "NotAction", &name)?,
        resources: patterns(object, "Resource", "NotResource", &name)?,
        conditions: conditions(object.get("Condition"), &name)?,
        sid,
    })
}

fn patterns(
    object: &Map<String, Value>,
    listed: &str,
    all_but: &str,
    name: &str,
) -> Result<Patterns, NotAPolicy> {
    match (object.get(listed), object.get(all_but)) {
        (Some(value), None) => Ok(Patterns::Listed(strings(value, listed, name)?)),
        (None, Some(value)) => Ok(Patterns::AllBut(strings(value, all_but, name)?)),
        (Some(_), Some(_)) => refuse(format!("{name} has both {listed} and {all_but}")),
        (None, None) => refuse(format!("{name} has neither {listed} nor {all_but}")),
    }
}

/// A string or an array of strings.
fn strings(value: &Value, element: &str, name: &str) -> Result<Vec<String>, NotAPolicy> {
    let items = match value {
        Value::Array(items) => items.as_slice(),
        single => std::slice::from_ref(single),
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.clone()),
            _ => refuse(format!("{name}'s {element} holds {item}, not a string")),
        })
        .collect()
}

fn conditions(block: Option<&Value>, name: &str) -> Result<Vec<Condition>, NotAPolicy> {
    let operators = match block {
        None => return Ok(Vec::new()),
        Some(Value::Object(operators)) => operators,
        Some(_) => return refuse(format!("{name}'s Condition is not an object")),
    };
    let mut found = Vec::new();
    for (operator, keys) in operators {
        let Value::Object(keys) = keys else {
            return refuse(format!("{name}'s condition {operator} is not an object"));
        };
        for (key, values) in keys {
            found.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values: condition_values(values).ok_or_else(|| {
                    NotAPolicy(format!("{name}'s {operator} {key} holds {values}"))
                })?,
            });
        }
    }
    Ok(found)
}

/// A condition's values as text: a string, a boolean or a number, or an array of them.
fn condition_values(value: &Value) -> Option<Vec<String>> {
    let items = match value {
        Value::Array(items) => items.as_slice(),
        single => std::slice::from_ref(single),
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
