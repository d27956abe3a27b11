//! `correlations.csv`: Spearman rank correlations between task durations.

use crate::error::Diags;
use crate::plan::sheet::Sheet;

/// Every column correlations.csv may have.
pub(crate) const COLUMNS: &[&str] = &["a", "b", "rho"];

/// A correlation's end named as a task's cost amount: `ID.cost` (its fixed cost) or
/// `ID.rate` — the task id and whether it is the rate. Whether `ID` is a task, and
/// whether the whole name is a task id itself (which wins), is the model's to check.
pub(crate) fn amount_of(name: &str) -> Option<(&str, bool)> {
    [(".cost", false), (".rate", true)]
        .into_iter()
        .find_map(|(suffix, rate)| Some((name.strip_suffix(suffix)?, rate)))
}

/// One correlation: Spearman ρ between the durations of tasks `a` and `b`.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationRow {
    /// 1-based line.
    pub line: u64,
    /// First task id.
    pub a: String,
    /// Second task id.
    pub b: String,
    /// Spearman rank correlation in [−1, 1].
    pub rho: f64,
}

/// Parses correlations.csv. Checks that apply to one row (range, a task with itself) and
/// pairs given twice; unknown task ids are checked against the plan by the model.
pub(crate) fn parse(sheet: &Sheet, diags: &mut Diags) -> Vec<CorrelationRow> {
    let mut out: Vec<CorrelationRow> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for row in &sheet.rows {
        let (Some(a), Some(b)) = (sheet.get(row, "a"), sheet.get(row, "b")) else {
            diags.push(
                sheet
                    .diag(row, "a", "the row needs two task ids")
                    .fix("give task ids in columns a and b"),
            );
            continue;
        };
        let Some(rho) = sheet.number(row, "rho", diags) else {
            if sheet.get(row, "rho").is_none() {
                diags.push(
                    sheet
                        .diag(row, "rho", "the row has no rho")
                        .fix("give the rank correlation, between -1 and 1"),
                );
            }
            continue;
        };
        if !(-1.0..=1.0).contains(&rho) {
            diags.push(
                sheet
                    .diag(
                        row,
                        "rho",
                        format!("a correlation must lie between -1 and 1, found {rho}"),
                    )
                    .fix("write the Spearman rank correlation, e.g. 0.6"),
            );
            continue;
        }
        if a == b {
            diags.push(
                sheet
                    .diag(row, "b", format!("task {a} is correlated with itself"))
                    .fix("a task's correlation with itself is always 1; remove the row"),
            );
            continue;
        }
        let key = if a < b {
            (a.to_string(), b.to_string())
        } else {
            (b.to_string(), a.to_string())
        };
        if let Some(first) = seen.insert(key, row.line) {
            diags.push(
                sheet
                    .diag(
                        row,
                        "a",
                        format!("the pair {a}, {b} is given twice (first on line {first})"),
                    )
                    .fix("keep one row per pair"),
            );
            continue;
        }
        out.push(CorrelationRow {
            line: row.line,
            a: a.to_string(),
            b: b.to_string(),
            rho,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::amount_of;

    #[test]
    fn a_cost_amount_is_an_id_and_a_suffix() {
        assert_eq!(amount_of("VEN2.rate"), Some(("VEN2", true)));
        assert_eq!(amount_of("1.2.cost"), Some(("1.2", false)));
        assert_eq!(amount_of("VEN2"), None);
        assert_eq!(amount_of("VEN2.costs"), None);
    }
}
