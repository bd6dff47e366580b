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
    pub const ALL: &'static [MeasureKind] = &[
        MeasureKind::Industry,
        MeasureKind::Employment,
        MeasureKind::Finance,
        MeasureKind::WelfarePost,
        MeasureKind::Health,
        MeasureKind::Education,
        MeasureKind::CompulsoryEducation,
        MeasureKind::Housing,
        MeasureKind::DrinkingWater,
        MeasureKind::Relocation,
        MeasureKind::Dibao,
        MeasureKind::Tekun,
        MeasureKind::DisabilitySubsidy,
        MeasureKind::Social,
    ];
    pub fn code(self) -> &'static str {
        match self {
            MeasureKind::Industry => "industry",
            MeasureKind::Employment => "employment",
            MeasureKind::Finance => "finance",
            MeasureKind::WelfarePost => "welfare_post",
            MeasureKind::Health => "health",
            MeasureKind::Education => "education",
            MeasureKind::CompulsoryEducation => "compulsory_education",
            MeasureKind::Housing => "housing",
            MeasureKind::DrinkingWater => "drinking_water",
            MeasureKind::Relocation => "relocation",
            MeasureKind::Dibao => "dibao",
            MeasureKind::Tekun => "tekun",
            MeasureKind::DisabilitySubsidy => "disability_subsidy",
            MeasureKind::Social => "social",
        }
    }
    /// The measure categories of the monitoring system, with the 综合保障 kinds named.
    pub fn label(self) -> &'static str {
        match self {
            MeasureKind::Industry => "产业帮扶",
            MeasureKind::Employment => "就业帮扶",
            MeasureKind::Finance => "金融帮扶",
            MeasureKind::WelfarePost => "公益岗位帮扶",
            MeasureKind::Health => "健康帮扶",
            MeasureKind::Education => "教育帮扶",
            MeasureKind::CompulsoryEducation => "义务教育保障",
            MeasureKind::Housing => "住房安全保障",
            MeasureKind::DrinkingWater => "饮水安全保障",
            MeasureKind::Relocation => "易地扶贫搬迁",
            MeasureKind::Dibao => "综合保障：低保",
            MeasureKind::Tekun => "综合保障：特困供养",
            MeasureKind::DisabilitySubsidy => "综合保障：残疾人两项补贴",
            MeasureKind::Social => "社会帮扶",
        }
    }
    /// By code or label.
    pub fn parse(text: &str) -> Option<MeasureKind> {
        let t = text.trim();
        Self::ALL.iter().copied().find(|k| k.code() == t || k.label() == t)
    }
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
