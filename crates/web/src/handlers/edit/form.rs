//! Generic form inputs built from the field catalog: a widget per kind, the value as typed, the
//! message next to the field; parsing posted text back into values with Chinese messages.

use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MemberField as MF, Storage};
use bangfu_domain::value::{format_value, mask, parse_value, Kind, Value};
use bangfu_domain::ResidentId;
use chrono::NaiveDate;
use std::collections::HashMap;

/// A select's option.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One input of a form.
#[derive(Debug, Clone)]
pub struct Input {
    /// The form name (the field's key).
    pub key: &'static str,
    pub label: &'static str,
    /// "text", "select" or "date".
    pub widget: &'static str,
    pub value: String,
    pub options: Vec<Opt>,
    pub hint: String,
    /// The message shown next to the field ("" when valid).
    pub msg: String,
}

/// A message of the summary at the top of a form.
#[derive(Debug, Clone)]
pub struct Problem {
    pub label: String,
    pub message: String,
}

/// Posted form fields by name (the last value wins).
pub fn fields_of(pairs: &[(String, String)]) -> HashMap<String, String> {
    pairs.iter().cloned().collect()
}

/// Household fields a form edits: stored columns except the village (which is not edited here).
pub fn household_fields() -> Vec<FieldRef> {
    HF::ALL.into_iter().filter(|f| f.def().storage == Storage::Column && *f != HF::RegionCode).map(FieldRef::Household).collect()
}

/// Member fields in form order: 姓名, 证件号码, 与户主关系 first.
pub fn member_fields() -> Vec<FieldRef> {
    let first = [MF::Name, MF::IdNumber, MF::Relation];
    first.into_iter().chain(MF::ALL.into_iter().filter(|f| !first.contains(f) && f.def().storage == Storage::Column)).map(FieldRef::Member).collect()
}

fn unit_hint(label: &str) -> String {
    match label.split_once('(') {
        Some((_, unit)) => format!("单位：{}，可填两位小数", unit.trim_end_matches(')')),
        None => String::new(),
    }
}

/// A value as the form shows it: codes for selects, 是/否, ISO dates; protected numbers and ID
/// numbers masked unless `reveal`.
pub fn form_text(kind: Kind, v: &Value, reveal: bool) -> String {
    match (kind, v) {
        (_, Value::Secret(s)) if !reveal => s.masked(),
        (Kind::IdNumber, Value::Text(t)) if !reveal => masked_id(t),
        (Kind::Vocab(_), Value::Code(c)) => c.to_string(),
        _ => format_value(kind, v),
    }
}

fn masked_id(t: &str) -> String {
    ResidentId::parse(t).map(|r| r.masked()).unwrap_or_else(|_| mask(t))
}

/// The input of a field showing `value` (as typed or as stored) and `msg`.
pub fn input(field: FieldRef, value: String, msg: String) -> Input {
    let def = field.def();
    let key = def.key;
    let (mut widget, mut options, mut hint) = ("text", Vec::new(), String::new());
    match def.kind {
        Kind::Vocab(v) => {
            widget = "select";
            options.push(Opt { value: String::new(), label: "（空）".into(), selected: value.is_empty() });
            options.extend(v.terms.iter().map(|t| Opt { value: t.code.into(), label: t.label.into(), selected: value == t.code || value == t.label }));
        }
        Kind::Bool => {
            widget = "select";
            options = ["", "是", "否"].iter().map(|o| Opt { value: o.to_string(), label: if o.is_empty() { "（空）".into() } else { o.to_string() }, selected: value == *o }).collect();
        }
        Kind::Date => widget = "date",
        Kind::Money => hint = "单位：元，可填两位小数".into(),
        Kind::Hundredths => hint = unit_hint(def.label),
        Kind::Year => hint = "四位年份，如 2016".into(),
        Kind::Count => hint = "整数".into(),
        Kind::Phone => hint = "手机 11 位或带区号的固定电话".into(),
        Kind::BankAccount => hint = "8–32 位数字".into(),
        Kind::IdNumber => hint = "18 位居民身份证号码（末位可为 X）".into(),
        Kind::Text | Kind::Region => {}
    }
    if widget == "select" && !value.is_empty() && !options.iter().any(|o| o.selected) {
        // a value the list does not have (posted by hand): kept so the user sees what was sent
        options.push(Opt { value: value.clone(), label: value.clone(), selected: true });
    }
    if widget == "date" && !msg.is_empty() {
        // a date input would drop text that is not a date; keep what was typed
        widget = "text";
    }
    Input { key, label: def.label, widget, value, options, hint, msg }
}

/// Inputs for `fields` from stored values.
pub fn inputs_from(fields: &[FieldRef], get: impl Fn(FieldRef) -> Value, reveal: bool) -> Vec<Input> {
    fields.iter().map(|f| input(*f, form_text(f.def().kind, &get(*f), reveal), String::new())).collect()
}

/// Parses posted text for `fields`. A masked number sent back unchanged keeps the stored value.
/// Returns the values (aligned with `fields`) and the messages by field key.
pub fn parse_fields(fields: &[FieldRef], posted: &HashMap<String, String>, stored: impl Fn(FieldRef) -> Value, today: NaiveDate) -> (Vec<Value>, HashMap<&'static str, String>) {
    let mut values = Vec::with_capacity(fields.len());
    let mut errors = HashMap::new();
    for f in fields {
        let def = f.def();
        let old = stored(*f);
        let Some(raw) = posted.get(def.key) else {
            values.push(old);
            continue;
        };
        let raw = raw.trim();
        let unchanged_mask = raw.contains('*')
            && match (&old, def.kind) {
                (Value::Secret(s), _) => s.masked() == raw,
                (Value::Text(t), Kind::IdNumber) => masked_id(t) == raw,
                _ => false,
            };
        if unchanged_mask {
            values.push(old);
            continue;
        }
        match parse_value(def.kind, raw, today) {
            Ok(v) => values.push(v),
            Err(e) => {
                errors.insert(def.key, e.to_string());
                values.push(old);
            }
        }
    }
    (values, errors)
}

/// Inputs showing what was posted, with the messages; fields not posted show their stored text.
pub fn inputs_typed(fields: &[FieldRef], posted: &HashMap<String, String>, errors: &HashMap<&'static str, String>, stored: impl Fn(FieldRef) -> Value, reveal: bool) -> Vec<Input> {
    fields
        .iter()
        .map(|f| {
            let key = f.def().key;
            let value = posted.get(key).cloned().unwrap_or_else(|| form_text(f.def().kind, &stored(*f), reveal));
            input(*f, value, errors.get(key).cloned().unwrap_or_default())
        })
        .collect()
}

/// The summary of a form's messages, in field order.
pub fn summary(inputs: &[Input]) -> Vec<Problem> {
    inputs.iter().filter(|i| !i.msg.is_empty()).map(|i| Problem { label: i.label.to_string(), message: i.msg.clone() }).collect()
}

/// Posted pairs to carry into a re-submission (all but the CSRF token and version).
pub fn carried(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs.iter().filter(|(k, _)| k != "_csrf" && k != "version").cloned().collect()
}

/// Today in the server's time zone (dates in forms are local dates).
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}
