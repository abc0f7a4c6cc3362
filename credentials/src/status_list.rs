//! Bitstring Status Lists (W3C Bitstring Status List v1.0): one bit per certificate, set when the
//! certificate is revoked (in the revocation list) or suspended (in the suspension list).
//!
//! The list is published as a `BitstringStatusListCredential` whose `encodedList` is the bitstring
//! GZIP-compressed (RFC 1952), then base64url without padding (RFC 4648 §5), with the multibase
//! prefix `u`. Index 0 is the left-most bit: the most significant bit (`0x80`) of the first byte.
//! The bitstring has at least 131,072 entries (16 KB), so that one certificate's bit hides among
//! many; all zeros compress to a few dozen bytes.

use std::fmt;
use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::datetime::utc_seconds;
use crate::open_badge::Issuer;

/// The least number of entries of a list (the specification's `minimumNumberOfEntries`: 16 KB).
pub const MIN_STATUS_LIST_LENGTH: usize = 131_072;

/// The most a decoded list may expand to (16 MiB, 134 million entries): a list is compressed,
/// and a few kilobytes of GZIP must not be allowed to expand into gigabytes.
const MAX_DECODED_BYTES: u64 = 16 * 1024 * 1024;

/// What a list's bits mean. Revocation is final; suspension can be lifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusPurpose {
    Revocation,
    Suspension,
}

impl StatusPurpose {
    /// The `statusPurpose` value.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusPurpose::Revocation => "revocation",
            StatusPurpose::Suspension => "suspension",
        }
    }
}

/// Why a list could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusListError {
    /// An index to set is beyond the list's length.
    IndexOutOfRange { index: u64, length: usize },
    /// `encodedList` does not start with the multibase prefix `u` (base64url, no padding).
    NotMultibaseBase64url,
    /// Not base64url without padding.
    Base64,
    /// Not GZIP, or truncated.
    Gzip,
    /// Decompresses to more than 16 MiB.
    TooLarge,
    /// Fewer entries than [`MIN_STATUS_LIST_LENGTH`] (the specification's `STATUS_LIST_LENGTH_ERROR`).
    TooShort { entries: usize },
}

impl StatusListError {
    pub fn message_zh(&self) -> String {
        match self {
            StatusListError::IndexOutOfRange { index, length } => {
                format!("状态列表序号 {index} 超出列表长度 {length}")
            }
            StatusListError::NotMultibaseBase64url => "状态列表不是以 u 开头的 base64url 编码".into(),
            StatusListError::Base64 => "状态列表的 base64url 编码有误".into(),
            StatusListError::Gzip => "状态列表不是有效的 GZIP 数据".into(),
            StatusListError::TooLarge => "状态列表解压后超过 16 MiB".into(),
            StatusListError::TooShort { entries } => {
                format!("状态列表只有 {entries} 项，少于规定的 {MIN_STATUS_LIST_LENGTH} 项")
            }
        }
    }
}

impl fmt::Display for StatusListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_zh())
    }
}

impl std::error::Error for StatusListError {}

/// The `encodedList` of a list with the bits at `set` set, all others clear. The list has
/// `length` entries, raised to [`MIN_STATUS_LIST_LENGTH`] if fewer and to a whole number of
/// bytes; an index at or beyond that is refused (the list would not cover that certificate).
pub fn encode_status_list(set: &[u64], length: usize) -> Result<String, StatusListError> {
    let length = length.max(MIN_STATUS_LIST_LENGTH).div_ceil(8) * 8;
    let mut bitstring = vec![0u8; length / 8];
    for &index in set {
        let byte = usize::try_from(index / 8)
            .ok()
            .and_then(|byte| bitstring.get_mut(byte))
            .ok_or(StatusListError::IndexOutOfRange { index, length })?;
        *byte |= 0x80 >> (index % 8);
    }
    let mut gzip = GzEncoder::new(Vec::new(), Compression::best());
    gzip.write_all(&bitstring).expect("writing to a Vec does not fail");
    let compressed = gzip.finish().expect("writing to a Vec does not fail");
    Ok(format!("u{}", URL_SAFE_NO_PAD.encode(compressed)))
}

/// The bitstring of an `encodedList` (the specification's Bitstring Expansion Algorithm), refused
/// if it has fewer than [`MIN_STATUS_LIST_LENGTH`] entries. Read a bit with [`status_bit`].
pub fn decode_status_list(encoded: &str) -> Result<Vec<u8>, StatusListError> {
    let base64url = encoded
        .strip_prefix('u')
        .ok_or(StatusListError::NotMultibaseBase64url)?;
    let compressed = URL_SAFE_NO_PAD.decode(base64url).map_err(|_| StatusListError::Base64)?;
    let mut bitstring = Vec::new();
    GzDecoder::new(compressed.as_slice())
        .take(MAX_DECODED_BYTES + 1)
        .read_to_end(&mut bitstring)
        .map_err(|_| StatusListError::Gzip)?;
    if bitstring.len() as u64 > MAX_DECODED_BYTES {
        return Err(StatusListError::TooLarge);
    }
    let entries = bitstring.len() * 8;
    if entries < MIN_STATUS_LIST_LENGTH {
        return Err(StatusListError::TooShort { entries });
    }
    Ok(bitstring)
}

/// Whether the bit at `index` is set (the certificate is revoked, or suspended); `None` if the
/// list does not reach `index` (the specification's `RANGE_ERROR`).
pub fn status_bit(bitstring: &[u8], index: u64) -> Option<bool> {
    let byte = bitstring.get(usize::try_from(index / 8).ok()?)?;
    Some(byte & (0x80 >> (index % 8)) != 0)
}

/// The `BitstringStatusListCredential` that publishes a list at `list_url`, unsigned (sign it
/// with [`crate::sign_vc_jwt`], as verifiers must check its proof like the certificate's).
///
/// Only the VC 2.0 context is needed (it defines the status list terms), so the issuer is written
/// with `id` and `name`, which that context defines, not as an OB 3.0 `Profile`.
pub fn status_list_credential(
    issuer: &Issuer,
    list_url: &str,
    purpose: StatusPurpose,
    encoded_list: &str,
    valid_from: OffsetDateTime,
) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": { "id": issuer.id, "name": issuer.name },
        "validFrom": utc_seconds(valid_from),
        "credentialSubject": {
            "id": format!("{list_url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose.as_str(),
            "encodedList": encoded_list,
        },
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn set_bits_read_back_with_index_0_left_most() {
        let set = [0, 7, 8, 94_567, 131_071];
        let encoded = encode_status_list(&set, 1000).unwrap();
        let bitstring = decode_status_list(&encoded).unwrap();
        assert_eq!(bitstring.len() * 8, MIN_STATUS_LIST_LENGTH);
        assert_eq!(bitstring[0], 0b1000_0001, "index 0 is 0x80 of byte 0, index 7 is 0x01");
        assert_eq!(bitstring[1], 0b1000_0000, "index 8 is 0x80 of byte 1");
        assert_eq!(bitstring[94_567 / 8], 0x80 >> (94_567 % 8));
        assert_eq!(bitstring[bitstring.len() - 1], 0x01);
        for index in 0..MIN_STATUS_LIST_LENGTH as u64 {
            assert_eq!(
                status_bit(&bitstring, index),
                Some(set.contains(&index)),
                "index {index}"
            );
        }
        assert_eq!(status_bit(&bitstring, MIN_STATUS_LIST_LENGTH as u64), None);
    }

    #[test]
    fn multibase_u_then_base64url_of_gzip() {
        let encoded = encode_status_list(&[3], MIN_STATUS_LIST_LENGTH).unwrap();
        let base64url = encoded.strip_prefix('u').expect("multibase prefix u");
        assert!(
            !base64url.contains(['=', '+', '/']),
            "base64url without padding: {base64url}"
        );
        let gzip = URL_SAFE_NO_PAD.decode(base64url).unwrap();
        assert_eq!(gzip[..3], [0x1f, 0x8b, 0x08], "GZIP magic and deflate (RFC 1952)");
        // An all-but-one-zero 16 KB list compresses to very little.
        assert!(encoded.len() < 100, "{} characters", encoded.len());
    }

    #[test]
    fn the_specifications_example_decodes() {
        // The encodedList of the specification's BitstringStatusListCredential example.
        let bitstring =
            decode_status_list("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA").unwrap();
        assert_eq!(bitstring.len() * 8, MIN_STATUS_LIST_LENGTH);
        assert!(bitstring.iter().all(|&byte| byte == 0));
    }

    #[test]
    fn longer_lists_keep_their_length() {
        let bitstring = decode_status_list(&encode_status_list(&[200_000], 200_001).unwrap()).unwrap();
        assert_eq!(bitstring.len() * 8, 200_008, "rounded up to whole bytes");
        assert_eq!(status_bit(&bitstring, 200_000), Some(true));
        assert_eq!(
            encode_status_list(&[131_072], 0),
            Err(StatusListError::IndexOutOfRange {
                index: 131_072,
                length: MIN_STATUS_LIST_LENGTH
            })
        );
    }

    #[test]
    fn malformed_lists_refused() {
        let encoded = encode_status_list(&[], 0).unwrap();
        assert_eq!(
            decode_status_list(&encoded[1..]),
            Err(StatusListError::NotMultibaseBase64url)
        );
        assert_eq!(decode_status_list("u***"), Err(StatusListError::Base64));
        assert_eq!(decode_status_list(&format!("{encoded}=")), Err(StatusListError::Base64));
        assert_eq!(decode_status_list("uAAAA"), Err(StatusListError::Gzip));

        let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
        gzip.write_all(&[0; 1024]).unwrap();
        let short = format!("u{}", URL_SAFE_NO_PAD.encode(gzip.finish().unwrap()));
        assert_eq!(
            decode_status_list(&short),
            Err(StatusListError::TooShort { entries: 8192 })
        );

        let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
        gzip.write_all(&vec![0; MAX_DECODED_BYTES as usize + 1]).unwrap();
        let bomb = format!("u{}", URL_SAFE_NO_PAD.encode(gzip.finish().unwrap()));
        assert_eq!(decode_status_list(&bomb), Err(StatusListError::TooLarge));
    }

    #[test]
    fn status_list_credential_shape() {
        let issuer = Issuer {
            id: "https://cmq.example.org/issuer".into(),
            name: "中国质量协会".into(),
            url: Some("https://www.caq.org.cn".into()),
        };
        let list_url = "https://cmq.example.org/status/suspension/1";
        let encoded = encode_status_list(&[5], 0).unwrap();
        let vc = status_list_credential(
            &issuer,
            list_url,
            StatusPurpose::Suspension,
            &encoded,
            datetime!(2026-07-01 09:30 +08:00),
        );
        assert_eq!(
            vc,
            json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": list_url,
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "issuer": { "id": "https://cmq.example.org/issuer", "name": "中国质量协会" },
                "validFrom": "2026-07-01T01:30:00Z",
                "credentialSubject": {
                    "id": "https://cmq.example.org/status/suspension/1#list",
                    "type": "BitstringStatusList",
                    "statusPurpose": "suspension",
                    "encodedList": encoded,
                },
            })
        );
    }
}
