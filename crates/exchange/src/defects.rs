//! Realistic defects for demo files: the mistakes officials' spreadsheets really contain, injected
//! deterministically at a given rate so the importer's reports can be tried and benchmarked.
//! Some "defects" are only messy spellings the importer must accept (spaces in IDs, 15-digit IDs).

use bangfu_sheets::Cell;

/// What was done to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    /// The ID's last character changed: the check digit no longer matches.
    BadCheckDigit,
    /// Sex contradicts the ID.
    SexMismatch,
    /// Birth date contradicts the ID.
    BirthMismatch,
    /// A non-head member marked as 户主 (two heads).
    SecondHead,
    /// A value outside its vocabulary.
    UnknownCause,
    /// Text where a number is expected.
    BadNumber,
    /// The name left empty.
    EmptyName,
    /// The ID repeated from the previous row of another household.
    DuplicateId,
    /// Accepted noise: spaces inside the ID and a lowercase x.
    SpacedId,
    /// Accepted noise: a date as an Excel serial number.
    SerialDate,
}

impl Defect {
    /// Whether the importer must reject the row (noise is accepted).
    pub fn is_error(self) -> bool {
        !matches!(self, Defect::SpacedId | Defect::SerialDate)
    }
    const ALL: [Defect; 10] = [
        Defect::BadCheckDigit,
        Defect::SexMismatch,
        Defect::BirthMismatch,
        Defect::SecondHead,
        Defect::UnknownCause,
        Defect::BadNumber,
        Defect::EmptyName,
        Defect::DuplicateId,
        Defect::SpacedId,
        Defect::SerialDate,
    ];
}

/// A small deterministic generator (xorshift), so demo files are reproducible without a dependency.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// Injects defects into rows about to be written, using the header to find columns.
pub struct Injector {
    rate: f64,
    dice: Dice,
    col_id: Option<usize>,
    col_sex: Option<usize>,
    col_birth: Option<usize>,
    col_relation: Option<usize>,
    col_cause: Option<usize>,
    col_land: Option<usize>,
    col_name: Option<usize>,
    last_id: Option<String>,
    /// (defect, data row index from 0) of what was injected.
    pub injected: Vec<(Defect, u64)>,
    row_index: u64,
}

impl Injector {
    pub fn new(header: &[&str], rate: f64, seed: u64) -> Injector {
        let col = |name: &str| header.iter().position(|h| *h == name);
        Injector {
            rate,
            dice: Dice::new(seed ^ 0xDEFE_C7),
            col_id: col("证件号码"),
            col_sex: col("性别"),
            col_birth: col("出生日期"),
            col_relation: col("与户主关系"),
            col_cause: col("主要致贫原因"),
            col_land: col("耕地面积(亩)"),
            col_name: col("姓名"),
            last_id: None,
            injected: Vec::new(),
            row_index: 0,
        }
    }

    /// Possibly damages some rows of one household (at most one defect per household).
    pub fn apply(&mut self, rows: &mut [Vec<Cell>]) {
        let first = self.row_index;
        self.row_index += rows.len() as u64;
        let prev = self.last_id.take();
        self.last_id = rows.last().and_then(|r| self.col_id.and_then(|c| text(&r[c])));
        if rows.is_empty() || !self.dice.chance(self.rate) {
            return;
        }
        let defect = Defect::ALL[(self.dice.next() % Defect::ALL.len() as u64) as usize];
        let i = (self.dice.next() % rows.len() as u64) as usize;
        let row = &mut rows[i];
        let set = |row: &mut Vec<Cell>, c: Option<usize>, v: Cell| {
            if let Some(c) = c {
                row[c] = v;
            }
        };
        match defect {
            Defect::BadCheckDigit => {
                if let Some(id) = self.col_id.and_then(|c| text(&row[c])) {
                    let last = id.chars().last().unwrap_or('0');
                    let other = if last == '1' { '2' } else { '1' };
                    set(row, self.col_id, Cell::Text(format!("{}{other}", &id[..id.len() - 1])));
                }
            }
            Defect::SexMismatch => {
                let flipped = match self.col_sex.and_then(|c| text(&row[c])).as_deref() {
                    Some("男") => "女",
                    _ => "男",
                };
                set(row, self.col_sex, Cell::Text(flipped.into()));
            }
            Defect::BirthMismatch => set(row, self.col_birth, Cell::Text("1901-01-01".into())),
            Defect::SecondHead => {
                // another member becomes 户主 too; in a one-person household the only head loses the title
                let relation = self.col_relation;
                let is_head = |r: &Vec<Cell>| relation.and_then(|c| text(&r[c])).as_deref() == Some("户主");
                match (0..rows.len()).map(|k| (i + k) % rows.len()).find(|&j| !is_head(&rows[j])) {
                    Some(j) => set(&mut rows[j], relation, Cell::Text("户主".into())),
                    None => set(&mut rows[i], relation, Cell::Text("之子".into())),
                }
            }
            Defect::UnknownCause => set(row, self.col_cause, Cell::Text("因穷".into())),
            Defect::BadNumber => set(row, self.col_land, Cell::Text("三亩半".into())),
            Defect::EmptyName => set(row, self.col_name, Cell::Empty),
            Defect::DuplicateId => match prev {
                Some(id) => set(row, self.col_id, Cell::Text(id)),
                None => set(row, self.col_name, Cell::Empty),
            },
            Defect::SpacedId => {
                if let Some(id) = self.col_id.and_then(|c| text(&row[c])) {
                    let spaced = format!("{} {} {}", &id[..6], &id[6..14], id[14..].to_lowercase());
                    set(row, self.col_id, Cell::Text(spaced));
                }
            }
            Defect::SerialDate => {
                if let (Some(c), Some(Cell::Date(d))) = (self.col_birth, self.col_birth.map(|c| row[c].clone())) {
                    let serial = (d - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid")).num_days();
                    row[c] = Cell::Int(serial);
                }
            }
        }
        self.injected.push((defect, first + i as u64));
    }

    /// How many damaging (not merely messy) defects were injected.
    pub fn errors(&self) -> usize {
        self.injected.iter().filter(|(d, _)| d.is_error()).count()
    }
}

fn text(c: &Cell) -> Option<String> {
    match c {
        Cell::Text(t) => Some(t.clone()),
        _ => None,
    }
}
