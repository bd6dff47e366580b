//! Text encoding detection (BOM, UTF-8 probe, GB18030 fallback) and a streaming decoder.

use encoding_rs::{CoderResult, Decoder, Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};
use std::io::{self, Read};

/// How many leading bytes are probed to decide between UTF-8 and GB18030.
pub(crate) const PROBE_LEN: usize = 64 * 1024;

/// Detects the encoding from a BOM. Returns the encoding and the BOM length.
pub(crate) fn bom(prefix: &[u8]) -> Option<(&'static Encoding, usize)> {
    Encoding::for_bom(prefix)
}

/// Detects the encoding of text that starts with `prefix`.
///
/// `complete` says whether `prefix` is the whole file (so an incomplete UTF-8 sequence at
/// its end is an error rather than a cut made by the probe).
pub(crate) fn detect(prefix: &[u8], complete: bool) -> (&'static Encoding, usize) {
    if let Some(found) = bom(prefix) {
        return found;
    }
    if looks_utf8(prefix, complete) {
        (UTF_8, 0)
    } else {
        (GB18030, 0)
    }
}

/// True when `bytes` is valid UTF-8, allowing one cut multi-byte character at the end when
/// the bytes are only a prefix of the file.
pub(crate) fn looks_utf8(bytes: &[u8], complete: bool) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && !complete,
    }
}

/// The name reported by `Workbook::encoding`.
pub(crate) fn display_name(enc: &'static Encoding) -> &'static str {
    if enc == GB18030 {
        "GB18030"
    } else if enc == UTF_16LE {
        "UTF-16LE"
    } else if enc == UTF_16BE {
        "UTF-16BE"
    } else {
        enc.name()
    }
}

/// Reads bytes in some encoding and yields UTF-8. UTF-8 input passes through unchanged
/// (it is validated later, field by field, so errors can name the row). Other encodings
/// are decoded with replacement characters for malformed sequences.
pub(crate) struct DecodeReader<R> {
    inner: R,
    decoder: Option<Decoder>,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    input_eof: bool,
    output: Vec<u8>,
    out_pos: usize,
    finished: bool,
}

const IN_CHUNK: usize = 16 * 1024;
const OUT_CHUNK: usize = 3 * IN_CHUNK + 16;

impl<R: Read> DecodeReader<R> {
    /// `inner` must be positioned after any BOM.
    pub(crate) fn new(inner: R, encoding: &'static Encoding) -> Self {
        let decoder = if encoding == UTF_8 {
            None
        } else {
            Some(encoding.new_decoder_without_bom_handling())
        };
        DecodeReader {
            inner,
            decoder,
            input: vec![0; IN_CHUNK],
            in_start: 0,
            in_end: 0,
            input_eof: false,
            output: Vec::with_capacity(OUT_CHUNK),
            out_pos: 0,
            finished: false,
        }
    }
}

impl<R: Read> Read for DecodeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.out_pos < self.output.len() {
                let n = (self.output.len() - self.out_pos).min(buf.len());
                buf[..n].copy_from_slice(&self.output[self.out_pos..self.out_pos + n]);
                self.out_pos += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            let Some(decoder) = self.decoder.as_mut() else {
                return self.inner.read(buf);
            };
            if self.in_start == self.in_end && !self.input_eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_start = 0;
                self.in_end = n;
                self.input_eof = n == 0;
            }
            self.output.clear();
            self.output.resize(OUT_CHUNK, 0);
            self.out_pos = 0;
            let (result, read, written, _) = decoder.decode_to_utf8(
                &self.input[self.in_start..self.in_end],
                &mut self.output,
                self.input_eof,
            );
            self.in_start += read;
            self.output.truncate(written);
            if self.input_eof && result == CoderResult::InputEmpty && self.in_start == self.in_end {
                self.finished = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], enc: &'static Encoding) -> String {
        let mut r = DecodeReader::new(bytes, enc);
        let mut out = Vec::new();
        // Tiny reads exercise the buffering.
        let mut buf = [0u8; 3];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn gbk_round_trip() {
        let text = "户主姓名,证件号码\n张三,110105194912310021\n".repeat(2000);
        let (bytes, _, _) = encoding_rs::GBK.encode(&text);
        assert_eq!(
            detect(&bytes[..PROBE_LEN.min(bytes.len())], false).0,
            GB18030
        );
        assert_eq!(decode_all(&bytes, GB18030), text);
    }

    #[test]
    fn utf16_decodes() {
        let text = "姓名\t性别\n李四\t男\n";
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let (enc, bom_len) = detect(&bytes, true);
        assert_eq!(enc, UTF_16LE);
        assert_eq!(decode_all(&bytes[bom_len..], enc), text);
    }

    #[test]
    fn cut_utf8_prefix_is_utf8() {
        let s = "姓名".as_bytes();
        assert!(looks_utf8(&s[..4], false));
        assert!(!looks_utf8(&s[..4], true));
        assert!(!looks_utf8(&[0xD0, 0xD5, 0xC3, 0xFB], false));
    }
}
