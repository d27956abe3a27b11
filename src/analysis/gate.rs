//! Decision gates for scripts: `M:p80<=2027-06-30`, `M:p80<=120`, `M:mean<125.5`,
//! `M:p_target>=0.8`. A failed gate makes the command exit 1.
//!
//! Grammar: `[SCENARIO@]MILESTONE:METRIC OP VALUE`, METRIC one of `pNN` (any percentile),
//! `mean`, `p_target`; OP one of `<=`, `<`, `>=`, `>`; VALUE a date (`YYYY-MM-DD`, for
//! percentiles and the mean: compared as the finish date), a number of working days, or a
//! probability for `p_target`. In `compare`, a gate without `SCENARIO@` applies to the
//! baseline.

use std::fmt;

use chrono::NaiveDate;

use crate::error::{Arg, Error, Result};
use crate::model::Calendar;
use crate::model::calendar::finish_day;
use crate::stats::{Forecast, MilestoneForecast, fmt_p};

/// What a gate measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// A percentile, in percent.
    Percentile(f64),
    /// The mean finish.
    Mean,
    /// P(finish ≤ target).
    PTarget,
    /// P(finish ≤ target ∧ total cost ≤ budget), the joint confidence level.
    Jcl,
    /// P(total cost ≤ budget) (with the milestone `cost`).
    PBudget,
}

/// Comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `>`
    Gt,
}

/// The right-hand side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// A number (working days, or a probability).
    Number(f64),
    /// A date.
    Date(NaiveDate),
}

/// The name a gate gives the plan's total cost instead of a milestone.
pub const COST: &str = "cost";

/// A parsed gate.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// The text as given.
    pub text: String,
    /// Scenario the gate applies to (`None`: the baseline / the run).
    pub scenario: Option<String>,
    /// Milestone id.
    pub milestone: String,
    /// Metric.
    pub metric: Metric,
    /// Operator.
    pub op: Op,
    /// Bound.
    pub bound: Bound,
}

/// The outcome of one gate.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The gate as written.
    pub gate: String,
    /// Whether it holds.
    pub pass: bool,
    /// The measured value, as shown to the user.
    pub actual: String,
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Gate {
    /// Parses a gate expression.
    pub fn parse(text: &str) -> Result<Gate> {
        let bad = |why: &str| {
            gate_error(format!(
                " '{text}': {why} (write e.g. 'GOLIVE:p80<=2027-06-30', 'GOLIVE:p50<=120' or 'GOLIVE:p_target>=0.8')"
            ))
        };
        let t = text.trim();
        let (scenario, rest) = match t.split_once('@') {
            Some((s, r)) if !s.trim().is_empty() => (Some(s.trim().to_string()), r),
            Some(_) => return Err(bad("empty scenario name before @")),
            None => (None, t),
        };
        let (milestone, expr) = rest
            .rsplit_once(':')
            .ok_or_else(|| bad("missing ':' after the milestone id"))?;
        let milestone = milestone.trim();
        if milestone.is_empty() {
            return Err(bad("missing milestone id"));
        }
        let expr: String = expr.split_whitespace().collect();
        let pos = expr
            .find(['<', '>'])
            .ok_or_else(|| bad("missing comparison (<=, <, >=, >)"))?;
        let (metric_text, op_val) = expr.split_at(pos);
        let (op, value) = if let Some(v) = op_val.strip_prefix("<=") {
            (Op::Le, v)
        } else if let Some(v) = op_val.strip_prefix(">=") {
            (Op::Ge, v)
        } else if let Some(v) = op_val.strip_prefix('<') {
            (Op::Lt, v)
        } else if let Some(v) = op_val.strip_prefix('>') {
            (Op::Gt, v)
        } else {
            return Err(bad("missing comparison"));
        };
        let metric = match metric_text.to_ascii_lowercase().as_str() {
            "mean" => Metric::Mean,
            "p_target" | "ptarget" => Metric::PTarget,
            "jcl" => Metric::Jcl,
            "p_budget" | "pbudget" => Metric::PBudget,
            m => match m.strip_prefix('p').and_then(|x| x.parse::<f64>().ok()) {
                Some(p) if p > 0.0 && p < 100.0 => Metric::Percentile(p),
                _ => {
                    return Err(bad(&format!(
                        "unknown metric \"{metric_text}\" (use pNN, mean, p_target or jcl; on cost: pNN, mean or p_budget)"
                    )));
                }
            },
        };
        let bound = match crate::plan::sheet::parse_date(value) {
            Some(d) => Bound::Date(d),
            None => match value.parse::<f64>() {
                Ok(x) if x.is_finite() => Bound::Number(x),
                _ => return Err(bad(&format!("\"{value}\" is neither a date nor a number"))),
            },
        };
        if matches!(metric, Metric::PTarget | Metric::Jcl | Metric::PBudget) {
            match bound {
                Bound::Number(x) if (0.0..=1.0).contains(&x) => {}
                _ => {
                    return Err(bad(&format!(
                        "{} is compared with a probability between 0 and 1",
                        metric_text.to_ascii_lowercase()
                    )));
                }
            }
        }
        let on_cost = milestone == COST;
        if on_cost && matches!(metric, Metric::PTarget | Metric::Jcl) {
            return Err(bad("the cost has no target: use pNN, mean or p_budget"));
        }
        if !on_cost && metric == Metric::PBudget {
            return Err(bad(
                "p_budget is a gate on the cost: write cost:p_budget>=0.7",
            ));
        }
        if on_cost && matches!(bound, Bound::Date(_)) {
            return Err(bad("the cost is compared with an amount, not a date"));
        }
        Ok(Gate {
            text: t.to_string(),
            scenario,
            milestone: milestone.to_string(),
            metric,
            op,
            bound,
        })
    }

    /// Evaluates the gate on a milestone's forecast. `date_of` turns working days into
    /// the finish date (when the plan has a calendar).
    pub fn check(
        &self,
        m: &MilestoneForecast,
        date_of: &dyn Fn(f64) -> Option<NaiveDate>,
    ) -> Result<Outcome> {
        let mut own_date = None;
        let value = match self.metric {
            Metric::Jcl | Metric::PBudget => {
                return Err(gate_error(format!(
                    " '{}': the plan has no budget and costs to compute it from (give budget in plan.toml and cost or rate in tasks.csv)",
                    self.text
                )));
            }
            Metric::Percentile(p) => m
                .percentiles
                .iter()
                .find(|q| q.p == p)
                .map(|q| {
                    // The percentile's own date: on several calendars the finish's day,
                    // which working days of the project calendar need not show (work
                    // that ends on a Saturday).
                    own_date = q
                        .date
                        .as_deref()
                        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
                    q.days
                })
                .ok_or_else(|| {
                    gate_error(format!(" '{}': P{} was not computed", self.text, fmt_p(p)))
                })?,
            Metric::Mean => m.mean,
            Metric::PTarget => match &m.target {
                Some(t) => t.probability,
                None => {
                    return Err(gate_error(format!(
                        " '{}': milestone {} has no target (add one in tasks.csv)",
                        self.text, self.milestone
                    )));
                }
            },
        };
        let cmp = |a: f64, b: f64| self.compare(a, b);
        Ok(match self.bound {
            Bound::Number(b) => Outcome {
                gate: self.text.clone(),
                pass: cmp(value, b),
                actual: format!("{value}"),
            },
            Bound::Date(d) => {
                let got = own_date.or_else(|| date_of(value)).ok_or_else(|| {
                    gate_error(format!(
                        " '{}' compares with a date but the plan has no start date",
                        self.text
                    ))
                })?;
                use chrono::Datelike;
                let (a, b) = (got.num_days_from_ce(), d.num_days_from_ce());
                Outcome {
                    gate: self.text.clone(),
                    pass: cmp(a as f64, b as f64),
                    actual: got.format("%Y-%m-%d").to_string(),
                }
            }
        })
    }

    /// Whether `a` (the measured value) stands in the gate's relation to `b`.
    pub fn compare(&self, a: f64, b: f64) -> bool {
        match self.op {
            Op::Le => a <= b,
            Op::Lt => a < b,
            Op::Ge => a >= b,
            Op::Gt => a > b,
        }
    }

    /// The percentile the gate needs computed, if any.
    pub fn percentile(&self) -> Option<f64> {
        match self.metric {
            Metric::Percentile(p) => Some(p),
            _ => None,
        }
    }
}

/// An error about a gate: `message` follows the gate's name.
fn gate_error(message: String) -> Error {
    Error::Argument {
        arg: Arg::Gate,
        message,
    }
}

/// Checks every gate against the forecasts by scenario name (`baseline` for a run),
/// with finish dates from `calendar`. A gate naming a scenario or milestone that is not
/// there, or a percentile that was not computed, is a usage error.
pub fn check_all(
    gates: &[Gate],
    forecasts: &[(&str, &Forecast)],
    calendar: Option<&Calendar>,
) -> Result<Vec<Outcome>> {
    let date_of = |t: f64| calendar?.working_day(finish_day(t));
    gates
        .iter()
        .map(|g| {
            let name = g.scenario.as_deref().unwrap_or("baseline");
            let f = forecasts
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)
                .ok_or_else(|| {
                    gate_error(format!(
                        " '{}': there is no scenario named \"{name}\"",
                        g.text
                    ))
                })?;
            if g.milestone == COST && !f.milestones.iter().any(|m| m.id == COST) {
                return check_cost(g, f);
            }
            let m = f
                .milestones
                .iter()
                .find(|m| m.id == g.milestone)
                .ok_or_else(|| {
                    let ids: Vec<&str> = f.milestones.iter().map(|m| m.id.as_str()).collect();
                    gate_error(format!(
                        " '{}': \"{}\" is not a reported milestone (reported: {})",
                        g.text,
                        g.milestone,
                        ids.join(", ")
                    ))
                })?;
            if g.metric == Metric::Jcl {
                return check_probability(
                    g,
                    jcl_of(f, &g.milestone),
                    "the joint confidence needs a budget in plan.toml, costs in tasks.csv and a target on the milestone",
                );
            }
            g.check(m, &date_of)
        })
        .collect()
}

/// The joint confidence of milestone `id`, when the plan has costs and a budget and the
/// milestone a target.
fn jcl_of(f: &Forecast, id: &str) -> Option<f64> {
    let c = f.cost.as_ref()?;
    c.milestones.iter().find(|m| m.id == id)?.jcl
}

/// Compares a probability with the gate's bound; None: it cannot be computed (`why`).
fn check_probability(g: &Gate, value: Option<f64>, why: &str) -> Result<Outcome> {
    let Some(v) = value else {
        return Err(gate_error(format!(" '{}': {why}", g.text)));
    };
    outcome(g, v, "a probability")
}

/// The outcome of comparing measured `v` with the gate's number (`what` it should be).
fn outcome(g: &Gate, v: f64, what: &str) -> Result<Outcome> {
    let Bound::Number(b) = g.bound else {
        return Err(gate_error(format!(" '{}': compare with {what}", g.text)));
    };
    Ok(Outcome {
        gate: g.text.clone(),
        pass: g.compare(v, b),
        actual: format!("{v}"),
    })
}

/// A gate on the total cost: a percentile, the mean or P(within budget).
fn check_cost(g: &Gate, f: &Forecast) -> Result<Outcome> {
    let Some(c) = f.cost.as_ref() else {
        return Err(gate_error(format!(
            " '{}': the plan has no cost (give cost or rate in tasks.csv)",
            g.text
        )));
    };
    let total = &c.items[0];
    let value = match g.metric {
        Metric::Mean => Some(total.mean),
        Metric::Percentile(p) => total.percentiles.iter().find(|q| q.p == p).map(|q| q.value),
        Metric::PBudget => {
            return check_probability(
                g,
                c.p_budget,
                "the plan has no budget (give budget in plan.toml)",
            );
        }
        _ => None,
    };
    let Some(v) = value else {
        return Err(gate_error(format!(
            " '{}': that percentile of the cost was not computed",
            g.text
        )));
    };
    outcome(g, v, "an amount")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms() {
        let g = Gate::parse("GOLIVE:p80<=2027-06-30").unwrap();
        assert_eq!(g.milestone, "GOLIVE");
        assert_eq!(g.metric, Metric::Percentile(80.0));
        assert_eq!(g.op, Op::Le);
        assert_eq!(
            g.bound,
            Bound::Date(NaiveDate::from_ymd_opt(2027, 6, 30).unwrap())
        );
        let g = Gate::parse("fast@M:p_target >= 0.8").unwrap();
        assert_eq!(g.scenario.as_deref(), Some("fast"));
        assert_eq!(
            (g.metric, g.op, g.bound),
            (Metric::PTarget, Op::Ge, Bound::Number(0.8))
        );
        assert_eq!(
            Gate::parse("M:mean<120.5").unwrap().bound,
            Bound::Number(120.5)
        );
        for bad in [
            "M",
            "M:p80",
            "M:p80<=x",
            "M:q80<=3",
            ":p80<=3",
            "M:p_target>=2",
            "M:p150<=3",
        ] {
            assert!(Gate::parse(bad).is_err(), "{bad}");
        }
    }
}
