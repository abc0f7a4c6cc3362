//! The mainland resident ID number (居民身份证号码, GB 11643): 6 digits of the place of
//! registration, 8 of the birth date, 3 of a sequence (odd for men), and a check character
//! computed by ISO 7064 MOD 11-2 (0–9 or X). The roster (engine `exam::roster`) and the
//! application form check it here, so there is one copy; the admission ticket reads the birth date.

use time::{Date, Month};

/// A mainland resident ID number (GB 11643): 17 digits and a check character (0–9 or X).
pub fn check_id_number(id: &str) -> Result<(), String> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = id.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err(format!("“{id}”应为 18 位（前 17 位为数字）"));
    }
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    let expected = CHECK[(sum % 11) as usize];
    if bytes[17] != expected {
        return Err(format!("“{id}”校验位错误（应为 {}），请核对", expected as char));
    }
    Ok(())
}

/// The birth date in an ID number (its 7th to 14th characters, YYYYMMDD), after the number's own
/// check ([`check_id_number`]); a date that does not exist is refused.
pub fn birth_date(id: &str) -> Result<Date, String> {
    check_id_number(id)?;
    let digits = &id[6..14];
    let field = |range: std::ops::Range<usize>| digits[range].parse::<u16>().expect("checked digits");
    let (year, month, day) = (field(0..4), field(4..6), field(6..8));
    Month::try_from(month as u8)
        .ok()
        .and_then(|month| Date::from_calendar_date(year.into(), month, day as u8).ok())
        .ok_or_else(|| format!("“{id}”中的出生日期 {digits} 不是有效日期，请核对"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    /// The number with its check character computed, so tests can make valid numbers.
    fn with_check(first17: &str) -> String {
        for c in "0123456789X".chars() {
            let id = format!("{first17}{c}");
            if check_id_number(&id).is_ok() {
                return id;
            }
        }
        unreachable!("one of the eleven is right")
    }

    #[test]
    fn id_numbers_are_checked_with_the_rosters_messages() {
        assert!(check_id_number("11010519491231002X").is_ok());
        assert_eq!(
            check_id_number("110105194912310021").unwrap_err(),
            "“110105194912310021”校验位错误（应为 X），请核对"
        );
        assert_eq!(
            check_id_number("1101051949").unwrap_err(),
            "“1101051949”应为 18 位（前 17 位为数字）"
        );
        assert!(
            check_id_number("11010519491231002x").is_err(),
            "a lower-case x is refused, as the roster did"
        );
        assert!(
            check_id_number("1101051949123100２X").is_err(),
            "a full-width digit is not a digit"
        );
        assert!(check_id_number("").is_err());
    }

    #[test]
    fn every_single_wrong_digit_is_caught() {
        let id = "11010519491231002X";
        for at in 0..17 {
            for digit in b'0'..=b'9' {
                let mut changed = id.as_bytes().to_vec();
                if changed[at] == digit {
                    continue;
                }
                changed[at] = digit;
                let changed = String::from_utf8(changed).unwrap();
                assert!(check_id_number(&changed).is_err(), "{changed}");
            }
        }
    }

    #[test]
    fn the_birth_date_is_read_and_must_exist() {
        assert_eq!(birth_date("11010519491231002X"), Ok(date!(1949 - 12 - 31)));
        assert_eq!(birth_date(&with_check("44030420000229123")), Ok(date!(2000 - 02 - 29)));
        let no_such_day = with_check("44030419000229123");
        assert_eq!(
            birth_date(&no_such_day).unwrap_err(),
            format!("“{no_such_day}”中的出生日期 19000229 不是有效日期，请核对")
        );
        let month_13 = with_check("44030419901301123");
        assert!(birth_date(&month_13).unwrap_err().contains("19901301"));
        assert!(birth_date("110105194912310021").unwrap_err().contains("校验位"));
    }
}
