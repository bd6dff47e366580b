//! Protected fields (phones, bank accounts): encrypted at rest with the installation's key,
//! plus a keyed hash for equality search. The key lives in a file beside the database, never in it.

use crate::error::{Result, StoreError};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::{Path, PathBuf};

/// The installation's secret: encrypts protected fields and keys their search hashes.
#[derive(Clone)]
pub struct Keyring {
    cipher: ChaCha20Poly1305,
    mac_key: [u8; 32],
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring(***)")
    }
}

fn derive(master: &[u8], label: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(label);
    let out = mac.finalize().into_bytes();
    let mut k = [0u8; 32];
    k.copy_from_slice(&out[..32]);
    k
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

impl Keyring {
    pub fn from_master(master: &[u8; 32]) -> Keyring {
        let enc = derive(master, b"bangfu field encryption v1");
        Keyring { cipher: ChaCha20Poly1305::new(&Key::from(enc)), mac_key: derive(master, b"bangfu search hash v1") }
    }

    /// Loads the key file, creating it (mode 0600) with a fresh random key when `create` and it is missing.
    pub fn load_or_create(path: &Path, create: bool) -> Result<Keyring> {
        let err = |reason: String| StoreError::Key { path: path.display().to_string(), reason };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = unhex(&text).filter(|b| b.len() == 32).ok_or_else(|| err("内容不是 64 位十六进制密钥".into()))?;
                let mut master = [0u8; 32];
                master.copy_from_slice(&bytes);
                Ok(Keyring::from_master(&master))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                let mut master = [0u8; 32];
                rand::fill(&mut master);
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                write_private(path, &hex(&master)).map_err(|e| err(e.to_string()))?;
                Ok(Keyring::from_master(&master))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(err(
                "文件不存在。受保护字段（电话、银行账号）需要安装时生成的密钥；请把原安装的密钥文件放到此处，或用 --key-file 指定".into(),
            )),
            Err(e) => Err(err(e.to_string())),
        }
    }

    /// The key file that belongs with a database unless one is given: `<file>.key` beside a SQLite file,
    /// `bangfu.key` in the working directory for PostgreSQL.
    pub fn default_path(url: &crate::db::DbUrl) -> PathBuf {
        match url {
            crate::db::DbUrl::Sqlite(p) => {
                let mut s = p.as_os_str().to_owned();
                s.push(".key");
                PathBuf::from(s)
            }
            crate::db::DbUrl::Postgres(_) => PathBuf::from("bangfu.key"),
        }
    }

    /// nonce ‖ ciphertext.
    pub fn seal(&self, plain: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::fill(&mut nonce);
        let ct = self.cipher.encrypt(&Nonce::from(nonce), plain.as_bytes()).expect("encryption of a short field cannot fail");
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String> {
        let bad = || StoreError::Invalid("受保护字段无法解密：密钥文件与数据库不匹配".into());
        if sealed.len() < 12 {
            return Err(bad());
        }
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&sealed[..12]);
        let plain = self.cipher.decrypt(&Nonce::from(nonce), &sealed[12..]).map_err(|_| bad())?;
        String::from_utf8(plain).map_err(|_| bad())
    }

    /// A keyed hash for equality search (same phone in two households) without storing the phone.
    pub fn search_hash(&self, plain: &str) -> String {
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.mac_key).expect("HMAC takes any key length");
        mac.update(plain.as_bytes());
        hex(&mac.finalize().into_bytes()[..16])
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_fields_open_with_the_same_key_only() {
        let k = Keyring::from_master(&[7u8; 32]);
        let sealed = k.seal("13800001234");
        assert!(!sealed.windows(11).any(|w| w == b"13800001234"));
        assert_eq!(k.open(&sealed).unwrap(), "13800001234");
        assert!(Keyring::from_master(&[8u8; 32]).open(&sealed).is_err());
        assert_eq!(k.search_hash("13800001234"), k.search_hash("13800001234"));
        assert_ne!(k.search_hash("13800001234"), Keyring::from_master(&[8u8; 32]).search_hash("13800001234"));
    }

    #[test]
    fn a_key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.key");
        assert!(Keyring::load_or_create(&p, false).is_err());
        let a = Keyring::load_or_create(&p, true).unwrap();
        let b = Keyring::load_or_create(&p, false).unwrap();
        assert_eq!(b.open(&a.seal("x")).unwrap(), "x");
    }
}
