//! ID-number checks over stored values: the same rules as GB 11643, reported as findings rather
//! than refusals, so records that entered before a check existed are still caught.

use super::catalog::Rule;
use crate::resident_id::{ResidentId, ResidentIdError, Sex};
use chrono::NaiveDate;

/// What the stored document number says: either the person's birth date and sex, or the rule it
/// breaks with a sentence naming the problem.
pub enum IdReading {
    Valid { birth: NaiveDate, sex: Sex },
    Broken(Rule, String),
}

/// Reads a stored document number of the given type (`disability_certificate` numbers are the
/// 18-digit ID plus category and grade digits).
pub fn read_id(text: &str, id_type: Option<&str>, today: NaiveDate) -> IdReading {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let body = if id_type == Some("disability_certificate") {
        if !(t.len() == 20 || t.len() == 22) {
            return IdReading::Broken(Rule::IdLength, format!("残疾人证号应为 20 或 22 位，实际为 {} 位", t.chars().count()));
        }
        t.chars().take(18).collect::<String>()
    } else {
        if t.chars().count() != 18 {
            return IdReading::Broken(Rule::IdLength, format!("身份证号应为 18 位，实际为 {} 位", t.chars().count()));
        }
        t
    };
    match ResidentId::parse_at(&body, today) {
        Ok(id) => IdReading::Valid { birth: id.birth_date(), sex: id.sex() },
        Err(e @ (ResidentIdError::CheckDigit { .. } | ResidentIdError::LostPrecision)) => IdReading::Broken(Rule::IdCheckDigit, e.to_string()),
        Err(e @ ResidentIdError::Length(_)) | Err(e @ ResidentIdError::Empty) => IdReading::Broken(Rule::IdLength, e.to_string()),
        Err(e) => IdReading::Broken(Rule::IdCharacters, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn each_kind_of_broken_number_names_its_rule() {
        let good = "11010519491231002X";
        assert!(matches!(read_id(good, None, today()), IdReading::Valid { sex: Sex::Female, .. }));
        let rule = |t: &str, ty: Option<&str>| match read_id(t, ty, today()) {
            IdReading::Broken(r, _) => Some(r),
            IdReading::Valid { .. } => None,
        };
        assert_eq!(rule("110105194912310021", None), Some(Rule::IdCheckDigit));
        assert_eq!(rule("11010519491231002", None), Some(Rule::IdLength));
        assert_eq!(rule("110105194913310021", None), Some(Rule::IdCharacters));
        assert_eq!(rule("11010519491231002A", None), Some(Rule::IdCharacters));
        assert_eq!(rule("11010519491231002X11", Some("disability_certificate")), None);
        assert_eq!(rule("11010519491231002X1", Some("disability_certificate")), Some(Rule::IdLength));
    }
}
