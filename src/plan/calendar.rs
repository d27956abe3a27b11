//! `calendar.csv`: holidays (and, later, freeze windows).

use chrono::NaiveDate;

use crate::error::Diags;
use crate::plan::sheet::Sheet;

/// Every column calendar.csv may have.
pub(crate) const COLUMNS: &[&str] = &["from", "to", "kind", "tags", "name"];

/// A range of non-working days, both ends included. Invariant: `from ≤ to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday {
    /// First day off.
    pub from: NaiveDate,
    /// Last day off.
    pub to: NaiveDate,
}

/// Parses calendar.csv rows.
pub(crate) fn parse(sheet: &Sheet, diags: &mut Diags) -> Vec<Holiday> {
    let mut out = Vec::new();
    for row in &sheet.rows {
        let kind = sheet
            .get(row, "kind")
            .unwrap_or("holiday")
            .to_ascii_lowercase();
        let from = sheet.date(row, "from", diags);
        let to = sheet.date(row, "to", diags);
        match kind.as_str() {
            "holiday" => {}
            "freeze" => {
                diags.push(
                    sheet
                        .diag(
                            row,
                            "kind",
                            "freeze windows are not supported by this version of slipcast",
                        )
                        .fix("remove the row or comment it out with #"),
                );
                continue;
            }
            other => {
                diags.push(
                    sheet
                        .diag(row, "kind", format!("unknown kind \"{other}\""))
                        .fix("use holiday"),
                );
                continue;
            }
        }
        let Some(from) = from else {
            if sheet.get(row, "from").is_none() {
                diags.push(
                    sheet
                        .diag(row, "from", "the row has no from date")
                        .fix("give the first day as YYYY-MM-DD"),
                );
            }
            continue;
        };
        let to = match (to, sheet.get(row, "to")) {
            (Some(t), _) => t,
            (None, None) => from,
            (None, Some(_)) => continue,
        };
        if to < from {
            diags.push(
                sheet
                    .diag(row, "to", format!("to ({to}) is before from ({from})"))
                    .fix("swap the two dates"),
            );
            continue;
        }
        out.push(Holiday { from, to });
    }
    out
}
