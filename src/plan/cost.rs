//! Cost inputs: amounts written as one number or a three-point range, and the standing
//! costs (overheads) of plan.toml.

use crate::plan::Distribution;

/// The largest amount slipcast accepts (a trillion in any currency): beyond it, `f32`
/// lanes would lose whole units.
pub const MAX_AMOUNT: f64 = 1e12;

/// Parses an amount: `120000` (fixed), `80000/100000/150000` (triangular min/likely/max)
/// or `pert:80000/100000/150000` (Beta-PERT). Negative values only when `signed` (a
/// risk's cost may be a saving). `Err` says what is wrong, for a diagnostic.
pub fn parse_amount(text: &str, signed: bool) -> Result<Distribution, String> {
    let t = text.trim();
    let (pert, body) = match t.strip_prefix("pert:") {
        Some(rest) => (true, rest.trim()),
        None => (false, t),
    };
    let number = |s: &str| -> Result<f64, String> {
        // Amounts are not working days: no day limit, their own.
        let x = s
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("\"{}\" is not a number", s.trim()))?;
        if !x.is_finite() || x.abs() > MAX_AMOUNT {
            return Err(format!("{x} is beyond ±{MAX_AMOUNT:e}"));
        }
        if x < 0.0 && !signed {
            return Err(format!("{x} is negative"));
        }
        Ok(x)
    };
    let parts: Vec<&str> = body.split('/').collect();
    match parts[..] {
        [one] if !pert => Ok(Distribution::Fixed {
            likely: number(one)?,
        }),
        [a, c, b] => {
            let (min, likely, max) = (number(a)?, number(c)?, number(b)?);
            if !(min <= likely && likely <= max) {
                return Err(format!("{min}/{likely}/{max} is not min ≤ likely ≤ max"));
            }
            Ok(if pert {
                Distribution::Pert { min, likely, max }
            } else {
                Distribution::Triangular { min, likely, max }
            })
        }
        _ => Err(format!(
            "\"{t}\" is neither an amount nor min/likely/max (write e.g. 120000, 80000/100000/150000 or pert:80000/100000/150000)"
        )),
    }
}

/// A standing cost from plan.toml: `rate` per working day from `from` until the
/// simulated finish of the milestone `until`.
#[derive(Debug, Clone, PartialEq)]
pub struct Overhead {
    /// Its name in outputs.
    pub name: String,
    /// Cost per working day.
    pub rate: Distribution,
    /// The task (usually a milestone) whose simulated finish ends it.
    pub until: String,
    /// The working-day time it starts to accrue (0: the plan's start).
    pub from: f64,
    /// Line in plan.toml, for messages.
    pub line: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(
            parse_amount("120000", false),
            Ok(Distribution::Fixed { likely: 120000.0 })
        );
        assert_eq!(
            parse_amount(" 1/2/4 ", false),
            Ok(Distribution::Triangular {
                min: 1.0,
                likely: 2.0,
                max: 4.0
            })
        );
        assert_eq!(
            parse_amount("pert:1/2/4", false),
            Ok(Distribution::Pert {
                min: 1.0,
                likely: 2.0,
                max: 4.0
            })
        );
        assert!(parse_amount("-5", false).is_err());
        assert_eq!(
            parse_amount("-5", true),
            Ok(Distribution::Fixed { likely: -5.0 })
        );
        // Programmes cost millions: far beyond the day limit of durations.
        assert_eq!(
            parse_amount("2500000.55", false),
            Ok(Distribution::Fixed { likely: 2500000.55 })
        );
        for bad in [
            "x", "1/2", "3/2/1", "pert:5", "1e13", "NaN", "1/2/3/4", "inf",
        ] {
            assert!(parse_amount(bad, true).is_err(), "{bad}");
        }
    }
}
