//! bangfu's domain: pure types and rules of the registry — no IO, no database, no HTTP.

pub mod access;
pub mod comparison;
pub mod compliance;
pub mod event;
pub mod fields;
pub mod pairing;
pub mod pinyin;
pub mod region;
pub mod quality;
pub mod registry;
pub mod resident_id;
pub mod value;
pub mod vocab;
pub mod workflow;

pub use access::{Capability, Role};
pub use region::{RegionCode, RegionLevel, RegionScope};
pub use resident_id::{ResidentId, Sex};
pub use value::{Kind, Value};
