//! Coded vocabularies of the registry (户类型, 致贫原因, 与户主关系 …): codes, Chinese labels, variants.

use std::collections::HashMap;
use std::sync::OnceLock;

/// One term: a stable code (stored and used in the API), its Chinese label, accepted variants.
#[derive(Debug)]
pub struct Term {
    pub code: &'static str,
    pub label: &'static str,
    pub aliases: &'static [&'static str],
}

/// A named list of terms with a lookup that accepts the label, the code and every alias.
pub struct Vocabulary {
    pub key: &'static str,
    pub name: &'static str,
    pub terms: &'static [Term],
    index: OnceLock<HashMap<String, usize>>,
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vocabulary({})", self.key)
    }
}

/// Folds the differences officials' files show: spaces, full-width brackets and slashes.
pub fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '／' => '/',
            '、' => '/',
            c if ('！'..='～').contains(&c) => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

impl Vocabulary {
    pub const fn new(key: &'static str, name: &'static str, terms: &'static [Term]) -> Vocabulary {
        Vocabulary { key, name, terms, index: OnceLock::new() }
    }

    fn index(&self) -> &HashMap<String, usize> {
        self.index.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, t) in self.terms.iter().enumerate() {
                m.insert(fold(t.code), i);
                m.insert(fold(t.label), i);
                for a in t.aliases {
                    m.insert(fold(a), i);
                }
            }
            m
        })
    }

    /// The term a cell names, if any.
    pub fn parse(&self, text: &str) -> Option<&'static Term> {
        let terms: &'static [Term] = self.terms;
        match self.index().get(text) {
            Some(&i) => Some(&terms[i]),
            None => self.index().get(&fold(text)).map(|&i| &terms[i]),
        }
    }

    pub fn by_code(&self, code: &str) -> Option<&'static Term> {
        let terms: &'static [Term] = self.terms;
        terms.iter().find(|t| t.code == code)
    }

    /// "A、B、C" for error messages.
    pub fn labels(&self) -> String {
        self.terms.iter().map(|t| t.label).collect::<Vec<_>>().join("、")
    }
}

macro_rules! terms {
    ($($code:literal => $label:literal $([$($alias:literal),*])?),* $(,)?) => {
        &[$(Term { code: $code, label: $label, aliases: &[$($($alias),*)?] }),*]
    };
}

pub static HOUSEHOLD_TYPE: Vocabulary = Vocabulary::new("household_type", "户类型", terms![
    "poor" => "贫困户" ["未脱贫户", "贫困户(未脱贫)", "建档立卡贫困户"],
    "exited" => "脱贫户" ["已脱贫户", "脱贫户(已脱贫)", "稳定脱贫户", "已脱贫"],
    "monitored" => "监测户" ["监测对象", "防返贫监测对象", "监测对象户"],
    "ordinary" => "一般农户" ["农户", "非贫困户"],
]);

pub static POVERTY_ATTRIBUTE: Vocabulary = Vocabulary::new("poverty_attribute", "贫困户属性", terms![
    "general" => "一般" ["一般贫困户", "一般脱贫户", "一般户", "一般农户", "一般监测户"],
    "dibao" => "低保" ["低保贫困户", "低保脱贫户", "低保户", "低保监测户"],
    "tekun" => "特困供养" ["特困供养贫困户", "特困供养脱贫户", "特困", "特困户", "五保", "五保户", "五保贫困户", "特困供养监测户"],
]);

pub static MONITORING_CATEGORY: Vocabulary = Vocabulary::new("monitoring_category", "监测对象类别", terms![
    "unstable_exited" => "脱贫不稳定户" ["脱贫不稳定"],
    "edge_at_risk" => "边缘易致贫户" ["边缘易致贫", "边缘户"],
    "sudden_hardship" => "突发严重困难户" ["突发严重困难", "突发困难户"],
]);

pub static IDENTIFICATION_STANDARD: Vocabulary = Vocabulary::new("identification_standard", "识别标准", terms![
    "national" => "国家标准" ["国家", "国标"],
    "provincial" => "省定标准" ["省标", "省级标准", "省定"],
    "municipal" => "市定标准" ["市标", "市级标准", "市定"],
]);

pub static POVERTY_CAUSE: Vocabulary = Vocabulary::new("poverty_cause", "致贫原因", terms![
    "illness" => "因病" ["因病致贫", "疾病", "因病返贫"],
    "disability" => "因残" ["因残致贫", "残疾"],
    "schooling" => "因学" ["因学致贫", "上学"],
    "disaster" => "因灾" ["因灾致贫", "自然灾害", "因自然灾害"],
    "lack_land" => "缺土地" ["缺地"],
    "lack_water" => "缺水",
    "lack_skills" => "缺技术",
    "lack_labour" => "缺劳力" ["缺劳动力"],
    "lack_capital" => "缺资金",
    "poor_transport" => "交通条件落后" ["交通落后"],
    "lack_motivation" => "自身发展动力不足" ["自身发展力不足", "发展动力不足"],
    "unstable_employment" => "因务工就业不稳" ["务工就业不稳", "就业不稳"],
    "unsafe_housing" => "因安全住房" ["住房安全", "住房不安全"],
    "unsafe_water" => "因安全饮水" ["饮水安全", "饮水不安全"],
    "industry_failure" => "因产业项目失败" ["产业项目失败"],
    "accident" => "因意外事故" ["意外事故"],
    "high_living_cost" => "因刚性支出较大或收入大幅缩减" ["刚性支出较大", "收入大幅缩减"],
    "other" => "其他",
]);

pub static RELATION: Vocabulary = Vocabulary::new("relation", "与户主关系", terms![
    "head" => "户主" ["本人", "户主本人"],
    "spouse" => "配偶" ["妻", "夫", "妻子", "丈夫"],
    "son" => "之子" ["子", "儿子", "长子", "次子", "三子"],
    "daughter" => "之女" ["女", "女儿", "长女", "次女", "三女"],
    "daughter_in_law" => "之儿媳" ["儿媳", "媳妇"],
    "son_in_law" => "之女婿" ["女婿"],
    "grandson" => "之孙子" ["孙子"],
    "granddaughter" => "之孙女" ["孙女"],
    "great_grandchild" => "之曾孙子女" ["之曾孙子", "之曾孙女", "曾孙子", "曾孙女"],
    "father" => "之父" ["父亲", "父"],
    "mother" => "之母" ["母亲", "母"],
    "grandparent" => "之祖父母" ["之祖父", "之祖母", "祖父", "祖母", "之外祖父", "之外祖母"],
    "parent_in_law" => "之公婆岳父母" ["之公公", "之婆婆", "之岳父", "之岳母"],
    "sibling" => "之兄弟姐妹" ["兄弟姐妹", "之兄", "之弟", "之姐", "之妹", "兄", "弟", "姐", "妹"],
    "other" => "其他" ["其他亲属", "其它"],
]);

pub static SEX: Vocabulary = Vocabulary::new("sex", "性别", terms![
    "male" => "男" ["男性"],
    "female" => "女" ["女性"],
]);

pub static ID_TYPE: Vocabulary = Vocabulary::new("id_type", "证件类型", terms![
    "resident_id" => "身份证" ["居民身份证", "身份证号", "二代身份证"],
    "disability_certificate" => "残疾人证" ["残疾证", "中华人民共和国残疾人证"],
]);

pub static EDUCATION: Vocabulary = Vocabulary::new("education", "文化程度", terms![
    "illiterate" => "文盲或半文盲" ["文盲", "半文盲"],
    "primary" => "小学" ["小学文化"],
    "junior" => "初中" ["初中文化"],
    "senior" => "高中" ["高中文化"],
    "secondary_vocational" => "中专/中职" ["中专", "中职", "中专(中职)", "技校"],
    "college" => "大专/高职高专" ["大专", "高职", "高职高专", "专科"],
    "bachelor" => "本科及以上" ["本科", "研究生", "硕士", "博士", "大学本科"],
    "technician" => "技师" ["高级技工", "技工"],
    "none_preschool" => "学龄前儿童" ["学龄前"],
]);

pub static SCHOOL_STATUS: Vocabulary = Vocabulary::new("school_status", "在校生状况", terms![
    "not_student" => "非在校生" ["不在校", "否"],
    "preschool_age" => "学龄前儿童" ["学龄前"],
    "preschool" => "学前教育" ["幼儿园", "在园"],
    "primary_1" => "小学一年级" ["一年级"], "primary_2" => "小学二年级" ["二年级"],
    "primary_3" => "小学三年级" ["三年级"], "primary_4" => "小学四年级" ["四年级"],
    "primary_5" => "小学五年级" ["五年级"], "primary_6" => "小学六年级" ["六年级"],
    "junior_7" => "七年级" ["初一", "初中一年级"], "junior_8" => "八年级" ["初二", "初中二年级"],
    "junior_9" => "九年级" ["初三", "初中三年级"],
    "senior_1" => "高中一年级" ["高一"], "senior_2" => "高中二年级" ["高二"], "senior_3" => "高中三年级" ["高三"],
    "vocational_1" => "中职一年级", "vocational_2" => "中职二年级", "vocational_3" => "中职三年级",
    "higher_vocational_1" => "高职一年级", "higher_vocational_2" => "高职二年级", "higher_vocational_3" => "高职三年级",
    "college" => "大专及以上" ["本科", "大学", "大专", "研究生"],
]);

pub static NOT_IN_SCHOOL_REASON: Vocabulary = Vocabulary::new("not_in_school_reason", "义务教育阶段未上学原因", terms![
    "illness" => "因病",
    "disability" => "因残",
    "learning_difficulty" => "因学习困难" ["学习困难", "厌学"],
    "other" => "其他",
]);

pub static HEALTH: Vocabulary = Vocabulary::new("health", "健康状况", terms![
    "healthy" => "健康",
    "chronic" => "长期慢性病" ["慢性病"],
    "serious_illness" => "患有大病" ["大病"],
    "disabled" => "残疾",
]);

pub static DISABILITY_GRADE: Vocabulary = Vocabulary::new("disability_grade", "残疾等级", terms![
    "1" => "一级" ["1级", "1", "一"], "2" => "二级" ["2级", "2", "二"],
    "3" => "三级" ["3级", "3", "三"], "4" => "四级" ["4级", "4", "四"],
]);

pub static DISABILITY_CATEGORY: Vocabulary = Vocabulary::new("disability_category", "残疾类别", terms![
    "visual" => "视力残疾" ["视力"], "hearing" => "听力残疾" ["听力"], "speech" => "言语残疾" ["言语"],
    "physical" => "肢体残疾" ["肢体"], "intellectual" => "智力残疾" ["智力"], "mental" => "精神残疾" ["精神"],
    "multiple" => "多重残疾" ["多重"],
]);

pub static LABOUR_SKILL: Vocabulary = Vocabulary::new("labour_skill", "劳动技能", terms![
    "ordinary" => "普通劳动力" ["普通劳动"],
    "skilled" => "技能劳动力" ["技能劳动"],
    "weak" => "弱劳动力或半劳动力" ["弱劳动力", "半劳动力"],
    "lost" => "丧失劳动力" ["丧失劳动能力"],
    "none" => "无劳动力" ["无劳动能力"],
]);

pub static HOUSING_GRADE: Vocabulary = Vocabulary::new("housing_grade", "危房等级", terms![
    "A" => "A级" ["A", "a"], "B" => "B级" ["B", "b"], "C" => "C级" ["C", "c"], "D" => "D级" ["D", "d"],
]);

pub static RISK_ELIMINATION_METHOD: Vocabulary = Vocabulary::new("risk_elimination_method", "风险消除方式", terms![
    "assisted" => "帮扶消除" ["帮扶"],
    "natural" => "自然消除" ["自然"],
]);

pub static MEMBER_STATUS: Vocabulary = Vocabulary::new("member_status", "成员状态", terms![
    "active" => "在册",
    "removed" => "已减少",
]);

/// Household or member field values used in logic.
pub mod code {
    pub const HEAD: &str = "head";
    pub const POOR: &str = "poor";
    pub const EXITED: &str = "exited";
    pub const MONITORED: &str = "monitored";
    pub const ORDINARY: &str = "ordinary";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_codes_and_variants_all_resolve() {
        assert_eq!(POVERTY_ATTRIBUTE.parse("低保脱贫户").unwrap().code, "dibao");
        assert_eq!(POVERTY_ATTRIBUTE.parse(" 五保户 ").unwrap().code, "tekun");
        assert_eq!(RELATION.parse("户主").unwrap().code, "head");
        assert_eq!(EDUCATION.parse("中专（中职）").unwrap().code, "secondary_vocational");
        assert_eq!(HOUSEHOLD_TYPE.parse("exited").unwrap().label, "脱贫户");
        assert!(POVERTY_CAUSE.parse("因穷").is_none());
        assert!(POVERTY_CAUSE.labels().starts_with("因病、因残"));
    }

    #[test]
    fn every_vocabulary_has_unique_codes_and_unambiguous_labels() {
        for v in crate::fields::ALL_VOCABULARIES {
            let mut seen = std::collections::HashSet::new();
            for t in v.terms {
                assert!(seen.insert(t.code), "{}: duplicate code {}", v.key, t.code);
                assert_eq!(v.parse(t.label).unwrap().code, t.code, "{}: label {} resolves elsewhere", v.key, t.label);
            }
        }
    }
}
