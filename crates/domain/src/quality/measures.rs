//! Assistance measures as the rules see them. Until the measures module records them, rules that
//! need them are off and say so; tests feed fixture measures to show they are ready.

use chrono::NaiveDate;

/// Measure categories of the monitoring system (S23), with the 综合保障 kinds the rules distinguish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeasureKind {
    Industry,
    Employment,
    Finance,
    WelfarePost,
    Health,
    Education,
    CompulsoryEducation,
    Housing,
    DrinkingWater,
    Relocation,
    Dibao,
    Tekun,
    DisabilitySubsidy,
    Social,
}

impl MeasureKind {
    /// 开发式帮扶: industry, employment, finance and public-welfare posts.
    pub fn is_developmental(self) -> bool {
        matches!(self, MeasureKind::Industry | MeasureKind::Employment | MeasureKind::Finance | MeasureKind::WelfarePost)
    }
}

/// One measure delivered to a household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureFact {
    pub kind: MeasureKind,
    pub started_on: NaiveDate,
}
