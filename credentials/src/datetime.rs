//! Dates as the credentials write them: RFC 3339 in UTC with `Z`, to the whole second.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// `2026-05-20T02:00:00Z`. Sub-second parts are dropped: OB 3.0 has a verifier check that the
/// JWT's `nbf` (whole seconds) *equals* `validFrom`, so `validFrom` must be whole seconds too.
pub(crate) fn utc_seconds(at: OffsetDateTime) -> String {
    let whole = at
        .to_offset(UtcOffset::UTC)
        .replace_nanosecond(0)
        .expect("0 is a valid nanosecond");
    whole
        .format(&Rfc3339)
        .expect("a UTC date-time of years 0000 to 9999 formats as RFC 3339")
}

/// A credential's `validFrom`/`validUntil` read back, as a JWT NumericDate (seconds since the
/// epoch); `None` if it is not RFC 3339.
pub(crate) fn numeric_date(rfc3339: &str) -> Option<i64> {
    OffsetDateTime::parse(rfc3339, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn written_in_utc_to_the_second() {
        // Beijing midnight is 16:00 the day before in UTC.
        assert_eq!(
            utc_seconds(datetime!(2026-05-20 00:00:00.75 +08:00)),
            "2026-05-19T16:00:00Z"
        );
        assert_eq!(numeric_date("2026-05-19T16:00:00Z"), Some(1_779_206_400));
        assert_eq!(numeric_date("2026-05-19"), None);
    }
}
