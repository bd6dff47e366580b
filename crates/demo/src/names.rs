//! Chinese personal names: ~100 surnames weighted by frequency, given-name characters by sex and era.

use crate::dice::{Cumulative, Dice};

/// Surnames with weights in 0.01 % of the population (roughly the national ranking).
pub(crate) const SURNAMES: [(&str, u32); 102] = [
    ("王", 710),
    ("李", 700),
    ("张", 670),
    ("刘", 540),
    ("陈", 450),
    ("杨", 310),
    ("黄", 220),
    ("赵", 200),
    ("吴", 200),
    ("周", 190),
    ("徐", 130),
    ("孙", 120),
    ("马", 120),
    ("朱", 120),
    ("胡", 110),
    ("郭", 110),
    ("何", 110),
    ("高", 100),
    ("林", 100),
    ("罗", 100),
    ("郑", 90),
    ("梁", 90),
    ("谢", 80),
    ("宋", 70),
    ("唐", 70),
    ("许", 70),
    ("韩", 70),
    ("冯", 70),
    ("邓", 70),
    ("曹", 70),
    ("彭", 60),
    ("曾", 60),
    ("肖", 60),
    ("田", 60),
    ("董", 60),
    ("袁", 50),
    ("潘", 50),
    ("于", 50),
    ("蒋", 50),
    ("蔡", 50),
    ("余", 50),
    ("杜", 50),
    ("叶", 50),
    ("程", 50),
    ("苏", 40),
    ("魏", 40),
    ("吕", 40),
    ("丁", 40),
    ("任", 40),
    ("沈", 40),
    ("姚", 40),
    ("卢", 40),
    ("姜", 40),
    ("崔", 40),
    ("钟", 40),
    ("谭", 40),
    ("陆", 30),
    ("汪", 30),
    ("范", 30),
    ("金", 30),
    ("石", 30),
    ("廖", 30),
    ("贾", 30),
    ("夏", 30),
    ("韦", 30),
    ("付", 30),
    ("方", 30),
    ("白", 30),
    ("邹", 30),
    ("孟", 30),
    ("熊", 30),
    ("秦", 30),
    ("邱", 30),
    ("江", 30),
    ("尹", 30),
    ("薛", 20),
    ("闫", 20),
    ("段", 20),
    ("雷", 20),
    ("侯", 20),
    ("龙", 20),
    ("史", 20),
    ("陶", 20),
    ("黎", 20),
    ("贺", 20),
    ("顾", 20),
    ("毛", 20),
    ("郝", 20),
    ("龚", 20),
    ("邵", 20),
    ("万", 20),
    ("钱", 20),
    ("严", 20),
    ("覃", 20),
    ("武", 20),
    ("戴", 20),
    ("莫", 20),
    ("孔", 20),
    ("向", 20),
    ("汤", 20),
    ("欧阳", 10),
    ("首", 10),
];

/// Given-name characters (all 3-byte UTF-8) of people born before 1980 and from 1980 on.
const MALE_OLD: &str = "国建华明军平志德新文清永春金光荣福生林海兴友成忠东水洪云正祥贵才富发根桂松元伟强保立山";
const MALE_NEW: &str = "浩宇俊杰涛磊鹏辉晨阳博文轩睿子豪鑫航泽天一凯旭嘉诚毅昊然锦程铭伟斌超亮勇宏家志明";
const FEMALE_OLD: &str = "秀英兰芳玉梅桂花凤珍琴翠莲菊香群娥春霞红艳丽美芬素荣爱金银彩淑月冬满秋";
const FEMALE_NEW: &str = "婷静敏丽娟燕雪慧颖倩洁琳晶佳欣怡雨婧思梦涵萱妍悦琪雯璐露诗瑶紫可馨媛";

pub(crate) struct Names {
    surnames: Cumulative,
}

impl Names {
    pub fn new() -> Names {
        Names { surnames: Cumulative::new(SURNAMES.iter().map(|s| s.1)) }
    }

    pub fn surname(&self, dice: &mut Dice) -> u16 {
        self.surnames.pick(dice) as u16
    }

    /// A full name: the surname then one or two given-name characters fitting sex and birth year.
    pub fn full(&self, dice: &mut Dice, surname: u16, male: bool, birth_year: i32) -> String {
        let mut s = String::with_capacity(12);
        s.push_str(SURNAMES[surname as usize].0);
        push_given(dice, &mut s, male, birth_year);
        s
    }
}

/// Appends a given name of one (about a fifth) or two characters.
pub(crate) fn push_given(dice: &mut Dice, s: &mut String, male: bool, birth_year: i32) {
    let young = birth_year >= 1980;
    let pool = match (male, young) {
        (true, false) => MALE_OLD,
        (true, true) => MALE_NEW,
        (false, false) => FEMALE_OLD,
        (false, true) => FEMALE_NEW,
    };
    let n = (pool.len() / 3) as u32;
    let single = dice.pct(if young { 25 } else { 15 });
    let first = dice.below(n) as usize;
    s.push_str(&pool[3 * first..3 * first + 3]);
    if !single {
        let mut second = dice.below(n) as usize;
        if second == first {
            second = (second + 1) % n as usize;
        }
        s.push_str(&pool[3 * second..3 * second + 3]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_are_three_byte_characters_and_names_look_chinese() {
        for pool in [MALE_OLD, MALE_NEW, FEMALE_OLD, FEMALE_NEW] {
            assert!(pool.chars().all(|c| c.len_utf8() == 3), "{pool}");
        }
        let names = Names::new();
        let mut d = Dice::new(1);
        for i in 0..1000 {
            let sn = names.surname(&mut d);
            let n = names.full(&mut d, sn, i % 2 == 0, 1950 + i % 70);
            let len = n.chars().count();
            assert!((2..=4).contains(&len), "{n}");
            assert!(n.starts_with(SURNAMES[sn as usize].0));
        }
    }
}
