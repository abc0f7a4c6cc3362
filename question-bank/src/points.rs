//! Exact scores. A [`Points`] is an integer count of hundredths of a point, so halves (a grader's
//! 12.5) and the mean of two halves (12.75) stay exact; floats never touch a score.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Points in hundredths: `Points(150)` is 1.5 points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Points(i64);

impl Points {
    /// Hundredths per point.
    pub const SCALE: i64 = 100;
    pub const ZERO: Points = Points(0);

    pub const fn whole(points: i64) -> Points {
        Points(points * Self::SCALE)
    }

    pub const fn from_hundredths(hundredths: i64) -> Points {
        Points(hundredths)
    }

    pub const fn hundredths(self) -> i64 {
        self.0
    }

    pub fn is_whole(self) -> bool {
        self.0 % Self::SCALE == 0
    }

    /// Whether this is a multiple of half a point (the grain of a grader's mark).
    pub fn is_half_step(self) -> bool {
        self.0 % (Self::SCALE / 2) == 0
    }

    pub fn abs_diff(self, other: Points) -> Points {
        Points((self.0 - other.0).abs())
    }

    /// The exact mean of two marks of half-point grain (always a multiple of 0.25).
    pub fn mean2(a: Points, b: Points) -> Points {
        debug_assert!(
            (a.0 + b.0) % 2 == 0,
            "marks are multiples of 0.5, so their sum is even in hundredths"
        );
        Points((a.0 + b.0) / 2)
    }

    pub fn times(self, n: i64) -> Points {
        Points(self.0 * n)
    }
}

/// Why a decimal text is not a valid number of points.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” 不是有效的分值（应为不超过两位小数的数，如 5、2.5、12.75）")]
pub struct PointsParseError(pub String);

impl FromStr for Points {
    type Err = PointsParseError;

    /// Parses "5", "2.5", "-0.25", "12.75" exactly (at most two decimals), without floats.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || PointsParseError(s.to_string());
        let t = s.trim().replace('_', "");
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest.to_string()),
            None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
        };
        let (int, frac) = match t.split_once('.') {
            Some((_, "")) => return Err(err()),
            Some(parts) => parts,
            None => (t.as_str(), ""),
        };
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 2
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(err());
        }
        let whole: i64 = int.parse().map_err(|_| err())?;
        let mut hundredths: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| err())?
        };
        if frac.len() == 1 {
            hundredths *= 10;
        }
        let value = whole
            .checked_mul(Self::SCALE)
            .and_then(|w| w.checked_add(hundredths))
            .ok_or_else(err)?;
        Ok(Points(if neg { -value } else { value }))
    }
}

impl fmt::Display for Points {
    /// "20", "12.5", "12.75": no trailing zeros, so it reads like a mark.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.abs();
        let (whole, frac) = (abs / Self::SCALE, abs % Self::SCALE);
        match frac {
            0 => write!(f, "{sign}{whole}"),
            f10 if f10 % 10 == 0 => write!(f, "{sign}{whole}.{}", f10 / 10),
            _ => write!(f, "{sign}{whole}.{frac:02}"),
        }
    }
}

impl Add for Points {
    type Output = Points;
    fn add(self, rhs: Points) -> Points {
        Points(self.0 + rhs.0)
    }
}

impl AddAssign for Points {
    fn add_assign(&mut self, rhs: Points) {
        self.0 += rhs.0;
    }
}

impl Sub for Points {
    type Output = Points;
    fn sub(self, rhs: Points) -> Points {
        Points(self.0 - rhs.0)
    }
}

impl Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, Add::add)
    }
}

/// In JSON a score is a decimal number (`2`, `12.5`). It is written from the exact integer and
/// read back through its decimal text, so no binary float rounding can creep in.
impl Serialize for Points {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_whole() {
            s.serialize_i64(self.0 / Self::SCALE)
        } else {
            let n: serde_json::Number = self.to_string().parse().map_err(serde::ser::Error::custom)?;
            n.serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = serde_json::Number::deserialize(d)?;
        n.to_string().parse().map_err(serde::de::Error::custom)
    }
}

/// In the API a score is a decimal number with at most two places.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Points {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Number)
            .description(Some("分值：至多两位小数的十进制数（内部以百分之一分的整数精确保存）"))
            .build()
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Points {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_exactly() {
        for (text, hundredths, shown) in [
            ("5", 500, "5"),
            ("2.5", 250, "2.5"),
            ("12.75", 1275, "12.75"),
            ("0.05", 5, "0.05"),
            ("-1.5", -150, "-1.5"),
            ("20.0", 2000, "20"),
        ] {
            let p: Points = text.parse().unwrap();
            assert_eq!(p.hundredths(), hundredths, "{text}");
            assert_eq!(p.to_string(), shown);
        }
        for bad in ["", "1.234", "abc", "1.", ".5", "1e3"] {
            assert!(bad.parse::<Points>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn json_round_trip_is_exact() {
        for h in [0, 100, 250, 1275, 2000, 15000, 5] {
            let p = Points::from_hundredths(h);
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(serde_json::from_str::<Points>(&json).unwrap(), p, "{json}");
        }
        assert_eq!(serde_json::to_string(&Points::whole(2)).unwrap(), "2");
        assert_eq!(serde_json::to_string(&Points::from_hundredths(1275)).unwrap(), "12.75");
    }

    #[test]
    fn mean_of_half_marks_is_exact() {
        assert_eq!(
            Points::mean2("12.5".parse().unwrap(), "13".parse().unwrap()).to_string(),
            "12.75"
        );
    }
}
