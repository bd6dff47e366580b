//! Rules over the household's income: components adding up, per-capita income, the year's lines,
//! migrant earnings and transfers.

use super::evaluate::Out;
use super::facts::{MemberFacts, is_migrant, says_yes};
use super::lines::LineKind;
use super::Rule;
use crate::fields::{HouseholdField as HF, MemberField as MF};
use crate::registry::HouseholdDoc;
use crate::value::format_hundredths as yuan;
use chrono::Datelike;

pub fn check(out: &mut Out<'_, '_>, doc: &HouseholdDoc, _facts: &[MemberFacts]) {
    let registered = matches!(doc.household_type(), Some("poor" | "exited" | "monitored"));
    let latest = doc.latest_income();
    let lag = out.ctx.rules.int(Rule::IncomeMissing, "lag");
    let expected_year = i64::from(out.ctx.today.year()) - lag;
    if registered && latest.is_none_or(|i| i.year < expected_year) {
        let had = latest.map(|i| format!("最近一次为 {} 年", i.year)).unwrap_or_else(|| "没有任何年度收入".into());
        out.household(Rule::IncomeMissing, format!("应有 {expected_year} 年收入，{had}"));
    }
    let Some(inc) = latest else { return };
    let a = |f: HF| inc.amount(f);
    let year = inc.year;
    if let Some(net) = a(HF::NetIncome) {
        let parts = [HF::WageIncome, HF::BusinessIncome, HF::PropertyIncome, HF::TransferIncome];
        if parts.iter().any(|f| a(*f).is_some()) {
            let sum: i64 = parts.iter().filter_map(|f| a(*f)).sum::<i64>() - a(HF::BusinessExpense).unwrap_or(0);
            if (sum - net).abs() > out.ctx.rules.int(Rule::IncomeComponents, "tolerance") {
                out.household(Rule::IncomeComponents, format!("{year} 年各项收入相加减去生产经营性支出为 {} 元，家庭纯收入为 {} 元", yuan(sum), yuan(net)));
            }
        }
        let n = doc.members.len() as i64;
        if let (Some(pc), true) = (a(HF::PerCapitaNetIncome), n > 0) {
            let expected = net / n;
            if (pc - expected).abs() > out.ctx.rules.int(Rule::PerCapitaIncome, "tolerance") {
                out.household(Rule::PerCapitaIncome, format!("{year} 年家庭纯收入 {} 元 ÷ {n} 人 = {} 元，人均纯收入填为 {} 元", yuan(net), yuan(expected), yuan(pc)));
            }
        }
    }
    if let Some(pc) = a(HF::PerCapitaNetIncome) {
        let lines = &out.ctx.rules.lines;
        let monitored = doc.household_type() == Some("monitored");
        if doc.household_type() == Some("exited")
            && let Some(line) = lines.for_year(LineKind::Poverty, year) {
                if pc < line {
                    out.household(Rule::ExitedBelowLine, format!("{year} 年人均纯收入 {} 元，低于当年扶贫标准 {} 元", yuan(pc), yuan(line)));
                } else if let Some(m) = lines.for_year(LineKind::Monitoring, year).filter(|m| pc < *m) {
                    out.household(Rule::ExitedBelowMonitoringLine, format!("{year} 年人均纯收入 {} 元，低于当年监测线 {} 元", yuan(pc), yuan(m)));
                }
            }
        if monitored && doc.get(HF::RiskEliminated).as_bool() == Some(true)
            && let Some(line) = lines.for_year(LineKind::Monitoring, year).filter(|m| pc < *m) {
                out.household(Rule::ClearedBelowMonitoringLine, format!("{year} 年人均纯收入 {} 元，低于当年监测线 {} 元", yuan(pc), yuan(line)));
            }
        if pc < 0 || pc > out.ctx.rules.int(Rule::ImplausibleIncome, "max") {
            out.household(Rule::ImplausibleIncome, format!("{year} 年人均纯收入 {} 元", yuan(pc)));
        }
    }
    let migrant: i64 = doc
        .members
        .iter()
        .filter(|m| is_migrant(m))
        .filter_map(|m| Some(m.get(MF::MigrantMonthlyIncome).as_int()? * m.get(MF::MigrantMonths).as_int()?))
        .sum();
    if migrant > 0 {
        let wage = a(HF::WageIncome).unwrap_or(0);
        let share = out.ctx.rules.int(Rule::MigrantWithoutWage, "share");
        if wage * 100 < migrant * share {
            out.household(Rule::MigrantWithoutWage, format!("成员务工收入合计 {} 元，{year} 年工资性收入 {} 元", yuan(migrant), yuan(wage)));
        }
    }
    if doc.members.iter().any(|m| says_yes(m, MF::Dibao) || says_yes(m, MF::Tekun)) && a(HF::TransferIncome) == Some(0) {
        out.household(Rule::DibaoWithoutTransfer, format!("{year} 年转移性收入为 0"));
    }
}
