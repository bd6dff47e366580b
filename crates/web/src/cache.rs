//! Results of expensive counts (the list's total, the dashboard) kept until the data changes.
//! The key is the question (scope + filters); the version is the newest audit entry's id, which
//! moves with every change because every change writes the audit trail in its transaction.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A bounded map from question to (data version, answer).
pub struct Cache<V> {
    map: Mutex<HashMap<String, (i64, Arc<V>)>>,
    capacity: usize,
}

impl<V> Cache<V> {
    pub fn new(capacity: usize) -> Cache<V> {
        Cache { map: Mutex::new(HashMap::new()), capacity }
    }

    /// The answer for `key` if it was computed at data version `version`.
    pub fn get(&self, key: &str, version: i64) -> Option<Arc<V>> {
        let m = self.map.lock().ok()?;
        m.get(key).filter(|(v, _)| *v == version).map(|(_, a)| a.clone())
    }

    pub fn put(&self, key: String, version: i64, value: V) -> Arc<V> {
        let value = Arc::new(value);
        if let Ok(mut m) = self.map.lock() {
            if m.len() >= self.capacity {
                // stale entries first; if all are current, start over (answers are cheap to recompute)
                m.retain(|_, (v, _)| *v == version);
                if m.len() >= self.capacity {
                    m.clear();
                }
            }
            m.insert(key, (version, value.clone()));
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_reused_only_at_its_version() {
        let c: Cache<i64> = Cache::new(2);
        c.put("a".into(), 1, 10);
        assert_eq!(c.get("a", 1).as_deref(), Some(&10));
        assert_eq!(c.get("a", 2), None, "a change invalidates");
        c.put("b".into(), 2, 20);
        c.put("c".into(), 2, 30);
        assert_eq!(c.get("a", 1), None, "stale entries are dropped when full");
        assert_eq!(c.get("c", 2).as_deref(), Some(&30));
    }
}
