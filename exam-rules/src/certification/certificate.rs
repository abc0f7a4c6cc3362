//! Certificate numbers (资格证书编号, §四 4.1) and a certificate's status (issue 18: valid,
//! suspended, revoked or expired).
//!
//! # The number
//! `CMQ-YYYY-NNNNNN-C`: the year of certification, a serial within that year from 000001, and a
//! check character computed by ISO 7064 MOD 11-2 over the ten digits YYYYNNNNNN (0–9 or X) — the
//! scheme of the ID number's last character (GB 11643), familiar to the office. It catches every
//! single mistyped digit and every swap of two adjacent digits, so a mistyped number is refused
//! before anything is looked up. Numbers are never reused: the store keeps every number issued,
//! revoked ones included, and a year's next serial is the highest ever issued in it plus one
//! ([`next_serial`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;

use super::date_zh;

/// The first year of the certification (the guide: “从 2008 年开始启动”).
pub const FIRST_YEAR: u16 = 2008;
/// The last serial of a year.
pub const MAX_SERIAL: u32 = 999_999;

/// A certificate number, valid by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CertificateNo {
    year: u16,
    serial: u32,
}

/// Why a certificate number is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateNoError {
    /// Not `CMQ-YYYY-NNNNNN-C` at all.
    Format { text: String },
    /// The check character does not match: most likely mistyped.
    Check { text: String },
    /// A year before the certification began or a serial of 000000.
    OutOfRange { text: String },
}

impl CertificateNoError {
    pub fn message_zh(&self) -> String {
        match self {
            CertificateNoError::Format { text } => {
                format!("证书编号“{text}”格式不正确，应为 CMQ-年份-6 位序号-校验位，如 CMQ-2026-000123-7")
            }
            CertificateNoError::Check { text } => format!("证书编号“{text}”的校验位不符，可能输错了，请核对"),
            CertificateNoError::OutOfRange { text } => {
                format!("证书编号“{text}”不存在：年份应不早于 {FIRST_YEAR} 年，序号从 000001 起")
            }
        }
    }
}

impl fmt::Display for CertificateNoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_zh())
    }
}

impl std::error::Error for CertificateNoError {}

impl CertificateNo {
    /// The number of the `serial`th certificate of `year`.
    pub fn new(year: u16, serial: u32) -> Result<CertificateNo, CertificateNoError> {
        if !(FIRST_YEAR..=9999).contains(&year) || !(1..=MAX_SERIAL).contains(&serial) {
            return Err(CertificateNoError::OutOfRange {
                text: format!("{year}-{serial}"),
            });
        }
        Ok(CertificateNo { year, serial })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn serial(self) -> u32 {
        self.serial
    }

    /// The check character (ISO 7064 MOD 11-2 over YYYYNNNNNN).
    pub fn check_char(self) -> char {
        mod_11_2(&format!("{:04}{:06}", self.year, self.serial))
    }

    /// A number as someone typed it: case, spaces and dashes (ASCII, full-width, en/em) do not
    /// matter, nor full-width digits; the check character must match.
    pub fn parse(text: &str) -> Result<CertificateNo, CertificateNoError> {
        let shown = text.trim().to_string();
        let compact: String = text
            .chars()
            .map(|c| match c {
                // Full-width ASCII (a Chinese input method's digits and letters).
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '－' | '–' | '—' | '‐'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let format = || CertificateNoError::Format { text: shown.clone() };
        let digits = compact.strip_prefix("CMQ").ok_or_else(format)?;
        let bytes = digits.as_bytes();
        if bytes.len() != 11 || !bytes[..10].iter().all(u8::is_ascii_digit) {
            return Err(format());
        }
        let check = bytes[10] as char;
        if !(check.is_ascii_digit() || check == 'X') {
            return Err(format());
        }
        let year: u16 = digits[..4].parse().map_err(|_| format())?;
        let serial: u32 = digits[4..10].parse().map_err(|_| format())?;
        if mod_11_2(&digits[..10]) != check {
            return Err(CertificateNoError::Check { text: shown });
        }
        CertificateNo::new(year, serial).map_err(|_| CertificateNoError::OutOfRange { text: shown })
    }
}

impl fmt::Display for CertificateNo {
    /// "CMQ-2026-000123-7".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CMQ-{:04}-{:06}-{}", self.year, self.serial, self.check_char())
    }
}

impl FromStr for CertificateNo {
    type Err = CertificateNoError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        CertificateNo::parse(text)
    }
}

impl Serialize for CertificateNo {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CertificateNo {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        CertificateNo::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// ISO 7064 MOD 11-2 check character of a string of ASCII digits.
fn mod_11_2(digits: &str) -> char {
    let p = digits.bytes().fold(0u32, |p, b| ((p + u32::from(b - b'0')) * 2) % 11);
    match (12 - p) % 11 {
        10 => 'X',
        c => char::from_digit(c, 10).expect("below 10"),
    }
}

/// The year's serials are used up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SerialsExhausted {
    pub year: u16,
}

impl SerialsExhausted {
    pub fn message_zh(&self) -> String {
        format!("{} 年的证书编号已用完（序号最大为 {MAX_SERIAL}）", self.year)
    }
}

/// The next certificate of `year`, after the highest serial ever issued in it (`None`: the
/// first). Never a serial issued before, even one whose certificate was revoked.
pub fn next_serial(year: u16, highest_issued: Option<u32>) -> Result<CertificateNo, SerialsExhausted> {
    let serial = highest_issued.map_or(1, |s| s + 1);
    if serial > MAX_SERIAL {
        return Err(SerialsExhausted { year });
    }
    CertificateNo::new(year, serial).map_err(|_| SerialsExhausted { year })
}

/// A certificate's status, as the public verification page and the status list say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    /// Suspended by the body for a time (it may be reinstated).
    Suspended,
    /// Revoked for good.
    Revoked,
    /// Past its valid-until date, where the body set one.
    Expired,
}

impl CertificateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::Suspended => "suspended",
            CertificateStatus::Revoked => "revoked",
            CertificateStatus::Expired => "expired",
        }
    }

    /// What the verification page says.
    pub fn message_zh(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "证书有效",
            CertificateStatus::Suspended => "证书已暂停：暂停期间不作为有效证书",
            CertificateStatus::Revoked => "证书已撤销，不再有效",
            CertificateStatus::Expired => "证书已过有效期",
        }
    }

    /// "证书已过有效期（有效期至 2029 年 6 月 13 日）" where a date says more.
    pub fn describe_zh(self, valid_until: Option<Date>) -> String {
        match (self, valid_until) {
            (CertificateStatus::Valid | CertificateStatus::Expired, Some(until)) => {
                format!("{}（有效期至 {}）", self.message_zh(), date_zh(until))
            }
            _ => self.message_zh().into(),
        }
    }
}

/// A certificate's status on `today`: revoked before suspended before expired.
pub fn certificate_status(revoked: bool, suspended: bool, valid_until: Option<Date>, today: Date) -> CertificateStatus {
    if revoked {
        CertificateStatus::Revoked
    } else if suspended {
        CertificateStatus::Suspended
    } else if valid_until.is_some_and(|until| today > until) {
        CertificateStatus::Expired
    } else {
        CertificateStatus::Valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_check_character_is_the_id_numbers_mod_11_2() {
        // GB 11643's example number ends in X, computed by the same ISO 7064 MOD 11-2.
        assert_eq!(mod_11_2("11010519491231002"), 'X');
        assert_eq!(mod_11_2("44052418800101001"), '4');
        let no = CertificateNo::new(2026, 123).unwrap();
        assert_eq!(no.to_string(), format!("CMQ-2026-000123-{}", no.check_char()));
        assert_eq!(no.check_char(), mod_11_2("2026000123"));
    }

    #[test]
    fn a_number_reads_back_however_it_was_typed() {
        for serial in [1, 123, 999_999] {
            let no = CertificateNo::new(2026, serial).unwrap();
            let text = no.to_string();
            assert_eq!(CertificateNo::parse(&text), Ok(no));
            assert_eq!(CertificateNo::parse(&text.to_lowercase()), Ok(no));
            assert_eq!(CertificateNo::parse(&text.replace('-', "")), Ok(no));
            assert_eq!(CertificateNo::parse(&format!(" {} ", text.replace('-', " "))), Ok(no));
            assert_eq!(
                CertificateNo::parse(&text.replace('-', "－")),
                Ok(no),
                "full-width dashes"
            );
            let full_width: String = text
                .chars()
                .map(|c| {
                    if c.is_ascii_digit() {
                        char::from_u32(c as u32 + 0xFEE0).unwrap()
                    } else {
                        c
                    }
                })
                .collect();
            assert_eq!(CertificateNo::parse(&full_width), Ok(no), "full-width digits");
            assert_eq!(text.parse::<CertificateNo>(), Ok(no));
        }
    }

    #[test]
    fn every_single_mistyped_digit_and_adjacent_swap_is_refused() {
        let no = CertificateNo::new(2026, 40_817).unwrap();
        let digits = format!("{:04}{:06}", no.year(), no.serial());
        let check = no.check_char();
        let typed = |d: &str| format!("CMQ-{}-{}-{check}", &d[..4], &d[4..]);
        for at in 0..10 {
            for digit in b'0'..=b'9' {
                let mut wrong = digits.clone().into_bytes();
                if wrong[at] == digit {
                    continue;
                }
                wrong[at] = digit;
                let wrong = String::from_utf8(wrong).unwrap();
                assert!(
                    matches!(
                        CertificateNo::parse(&typed(&wrong)),
                        Err(CertificateNoError::Check { .. })
                    ),
                    "{wrong}"
                );
            }
            if at < 9 && digits.as_bytes()[at] != digits.as_bytes()[at + 1] {
                let mut swapped = digits.clone().into_bytes();
                swapped.swap(at, at + 1);
                let swapped = String::from_utf8(swapped).unwrap();
                assert!(CertificateNo::parse(&typed(&swapped)).is_err(), "{swapped}");
            }
        }
    }

    #[test]
    fn malformed_numbers_are_refused_with_a_reason() {
        let format = CertificateNo::parse("CMQ-2026-123").unwrap_err();
        assert_eq!(
            format,
            CertificateNoError::Format {
                text: "CMQ-2026-123".into()
            }
        );
        assert!(format.message_zh().contains("应为 CMQ-年份-6 位序号-校验位"));
        for bad in [
            "",
            "CMQ",
            "ABC-2026-000123-7",
            "CMQ-2026-000123-A",
            "CMQ-2026-0001234-7",
            "CMQ-２０２6-00012３-Z",
        ] {
            assert!(
                matches!(CertificateNo::parse(bad), Err(CertificateNoError::Format { .. })),
                "{bad}"
            );
        }
        let no = CertificateNo::new(2026, 123).unwrap();
        let other = if no.check_char() == '0' { '1' } else { '0' };
        let wrong = format!("CMQ-2026-000123-{other}");
        assert_eq!(
            CertificateNo::parse(&wrong).unwrap_err().message_zh(),
            format!("证书编号“{wrong}”的校验位不符，可能输错了，请核对")
        );
        let zero = format!("CMQ-2026-000000-{}", mod_11_2("2026000000"));
        assert!(matches!(
            CertificateNo::parse(&zero),
            Err(CertificateNoError::OutOfRange { .. })
        ));
        let early = format!("CMQ-2007-000001-{}", mod_11_2("2007000001"));
        assert!(
            CertificateNo::parse(&early)
                .unwrap_err()
                .message_zh()
                .contains("不早于 2008 年")
        );
    }

    #[test]
    fn serials_go_on_from_the_highest_ever_issued() {
        assert_eq!(next_serial(2026, None).unwrap().serial(), 1);
        assert_eq!(next_serial(2026, Some(41)).unwrap().serial(), 42);
        assert_eq!(next_serial(2026, Some(MAX_SERIAL - 1)).unwrap().serial(), MAX_SERIAL);
        let out = next_serial(2026, Some(MAX_SERIAL)).unwrap_err();
        assert_eq!(out.message_zh(), "2026 年的证书编号已用完（序号最大为 999999）");
    }

    #[test]
    fn numbers_serialise_as_their_text() {
        let no = CertificateNo::new(2026, 5).unwrap();
        let json = serde_json::to_string(&no).unwrap();
        assert_eq!(json, format!("\"{no}\""));
        assert_eq!(serde_json::from_str::<CertificateNo>(&json).unwrap(), no);
        assert!(serde_json::from_str::<CertificateNo>("\"CMQ-2026-000005-Q\"").is_err());
    }

    #[test]
    fn the_status_revoked_before_suspended_before_expired() {
        let today = date!(2029 - 06 - 14);
        let until = Some(date!(2029 - 06 - 13));
        assert_eq!(certificate_status(false, false, None, today), CertificateStatus::Valid);
        assert_eq!(
            certificate_status(false, false, Some(today), today),
            CertificateStatus::Valid,
            "on its last day"
        );
        assert_eq!(
            certificate_status(false, false, until, today),
            CertificateStatus::Expired
        );
        assert_eq!(
            certificate_status(false, true, until, today),
            CertificateStatus::Suspended
        );
        assert_eq!(certificate_status(true, true, until, today), CertificateStatus::Revoked);
        assert_eq!(CertificateStatus::Revoked.message_zh(), "证书已撤销，不再有效");
        assert_eq!(
            CertificateStatus::Expired.describe_zh(until),
            "证书已过有效期（有效期至 2029 年 6 月 13 日）"
        );
        assert_eq!(
            CertificateStatus::Suspended.describe_zh(until),
            "证书已暂停：暂停期间不作为有效证书"
        );
        assert_eq!(CertificateStatus::Valid.as_str(), "valid");
    }
}
