//! Demo data for bangfu: a fictional county (湖南省郴州市青山县) and a deterministic, streaming
//! generator of plausible registered households (建档立卡户) and their members.
//!
//! ```
//! use bangfu_demo::{demo_county, generate, DemoOptions};
//! let county = demo_county();
//! let opts = DemoOptions { households: 10, ..DemoOptions::default() };
//! assert_eq!(generate(&county, &opts).count(), 10);
//! ```

mod compose;
mod county;
pub mod dept_lists;
mod dice;
mod generate;
mod health;
mod household;
mod ids;
mod income;
mod member;
mod names;
pub mod assist;
mod rule_defects;
mod tables;

pub use county::{DemoCounty, DemoRegion, DemoVillage, demo_county};
pub use generate::{DemoOptions, generate};
pub use rule_defects::{PlantedDefect, co_firing, defect_plan, generate_with_defects, planted_rules};
