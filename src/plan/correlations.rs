//! `correlations.csv`: Spearman rank correlations between task durations.

use crate::error::Diags;
use crate::plan::sheet::Sheet;

/// Every column correlations.csv may have.
pub(crate) const COLUMNS: &[&str] = &["a", "b", "rho"];

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
