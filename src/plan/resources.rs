//! `resources.csv`: renewable resources and their capacities, and the `resources` column
//! of tasks.csv that assigns them.
//!
//! A resource is anything a task holds from its start to its finish and that only so
//! many tasks can hold at once: people (`DEV`, 3 data engineers), environments, rigs.
//! `capacity` is the units available at once (decimals allowed: 1.5 engineers). A task
//! lists what it holds as `DEV:2;QA:1` (`DEV` alone is one unit).

use crate::error::Diags;
use crate::plan::sheet::{Row, Sheet};

/// Every column resources.csv may have.
pub(crate) const COLUMNS: &[&str] = &["id", "name", "capacity"];

/// Largest capacity or unit count accepted (far above any real team; keeps the unit
/// arithmetic exact in thousandths).
pub const MAX_UNITS: f64 = 1_000_000.0;

/// One parsed row of resources.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRow {
    /// 1-based line.
    pub line: u64,
    /// Unique resource id (what tasks.csv's `resources` column names).
    pub id: String,
    /// Human name.
    pub name: Option<String>,
    /// Units available at once, ≥ 0.
    pub capacity: f64,
}

/// One entry of a task's `resources` column: a resource id and the units held.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Resource id.
    pub resource: String,
    /// Units held from the task's start to its finish, > 0.
    pub units: f64,
}

/// Parses all rows of resources.csv.
pub(crate) fn parse(sheet: &Sheet, diags: &mut Diags) -> Vec<ResourceRow> {
    let mut out: Vec<ResourceRow> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for row in &sheet.rows {
        let Some(id) = sheet.get(row, "id") else {
            diags.push(
                sheet
                    .diag(row, "id", "the resource has no id")
                    .fix("give every resource a unique id, e.g. DEV"),
            );
            continue;
        };
        if id.contains([';', ':']) || id.chars().any(char::is_whitespace) {
            diags.push(
                sheet
                    .diag(
                        row,
                        "id",
                        format!("id \"{id}\" contains a space, ';' or ':'"),
                    )
                    .fix("resource ids are single words; use _ or - instead of spaces"),
            );
            continue;
        }
        if let Some(first) = seen.insert(id.to_string(), row.line) {
            diags.push(
                sheet
                    .diag(
                        row,
                        "id",
                        format!("duplicate resource id \"{id}\" (first used on line {first})"),
                    )
                    .fix("give every resource a unique id"),
            );
            continue;
        }
        let capacity = match sheet.get(row, "capacity") {
            None => {
                diags.push(
                    sheet
                        .diag(row, "capacity", format!("resource {id} has no capacity"))
                        .fix("give the units available at once, e.g. 2 for two engineers"),
                );
                None
            }
            Some(_) => units(sheet, row, "capacity", true, diags),
        };
        if let Some(capacity) = capacity {
            out.push(ResourceRow {
                line: row.line,
                id: id.to_string(),
                name: sheet.get(row, "name").map(str::to_string),
                capacity,
            });
        }
    }
    out
}

/// Column `col` as a unit count: a finite number in `[0, MAX_UNITS]` (`> 0` unless
/// `zero_ok`).
fn units(sheet: &Sheet, row: &Row, col: &str, zero_ok: bool, diags: &mut Diags) -> Option<f64> {
    let x = sheet.number(row, col, diags)?;
    if x < 0.0 || (!zero_ok && x == 0.0) || x > MAX_UNITS {
        diags.push(
            sheet
                .diag(
                    row,
                    col,
                    format!("capacity must be 0 to {MAX_UNITS}, found {x}"),
                )
                .fix("give the units available at once, e.g. 2 for two engineers"),
        );
        return None;
    }
    Some(x)
}

/// Parses a task's `resources` cell: `DEV:2;QA:1`, `DEV` (one unit). Each problem is a
/// diagnostic at the cell; the entries that parse are returned.
pub(crate) fn parse_assignments(sheet: &Sheet, row: &Row, diags: &mut Diags) -> Vec<Assignment> {
    let Some(cell) = sheet.get(row, "resources") else {
        return Vec::new();
    };
    let (out, problems) = assignments(cell);
    for why in problems {
        diags.push(
            sheet
                .diag(row, "resources", why)
                .fix("write each resource as ID:units, separated by ';', e.g. DEV:2;QA:1"),
        );
    }
    out
}

/// The assignments of `DEV:2;QA:1` (`DEV` alone is one unit), and a message for each
/// entry that does not parse.
pub(crate) fn assignments(cell: &str) -> (Vec<Assignment>, Vec<String>) {
    let (mut out, mut problems): (Vec<Assignment>, Vec<String>) = (Vec::new(), Vec::new());
    for item in cell.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let (id, units) = match item.split_once(':') {
            Some((id, u)) => (id.trim(), Some(u.trim())),
            None => (item, None),
        };
        if id.is_empty() || id.chars().any(char::is_whitespace) {
            problems.push(format!("\"{item}\" does not name a resource"));
            continue;
        }
        let units = match units {
            None => 1.0,
            Some(u) => match crate::plan::sheet::parse_number(u) {
                Ok(x) if x > 0.0 && x <= MAX_UNITS => x,
                Ok(x) => {
                    problems.push(format!(
                        "the units of {id} must be more than 0 and at most {MAX_UNITS}, found {x}"
                    ));
                    continue;
                }
                Err(why) => {
                    problems.push(format!("the units of {id}: {why}"));
                    continue;
                }
            },
        };
        if out.iter().any(|a| a.resource == id) {
            problems.push(format!("resource {id} is listed twice"));
            continue;
        }
        out.push(Assignment {
            resource: id.to_string(),
            units,
        });
    }
    (out, problems)
}

/// Checks every task's assignments against resources.csv: a known resource, and no more
/// units than its capacity (the task could never start). Positioned in tasks.csv.
pub(crate) fn check(plan: &crate::plan::Plan, diags: &mut Diags) {
    use crate::error::Diagnostic;
    let index: std::collections::HashMap<&str, &ResourceRow> =
        plan.resources.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut suggest = crate::plan::sheet::Suggester::new(index.keys().copied());
    for t in &plan.tasks {
        for a in &t.resources {
            let at = Diagnostic::new(plan.tasks_file.as_str(), "")
                .line(t.line)
                .column("resources")
                .subject(&t.id);
            match index.get(a.resource.as_str()) {
                None if plan.resources.is_empty() => diags.push(Diagnostic {
                    message: format!(
                        "task {} holds resource {}, but the plan has no {}",
                        t.id, a.resource, plan.resources_file
                    ),
                    fix: Some(format!(
                        "add {} with columns id, name, capacity (a row for {})",
                        plan.resources_file, a.resource
                    )),
                    ..at
                }),
                None => diags.push(Diagnostic {
                    message: format!(
                        "resource \"{}\" of task {} is not in {}",
                        a.resource, t.id, plan.resources_file
                    ),
                    fix: Some(suggest.fix(
                        &a.resource,
                        &format!("add it to {} or correct the id", plan.resources_file),
                    )),
                    ..at
                }),
                Some(r) if a.units > r.capacity => diags.push(Diagnostic {
                    message: format!(
                        "task {} needs {} units of {}, whose capacity is {}: it could never start",
                        t.id, a.units, r.id, r.capacity
                    ),
                    fix: Some(format!(
                        "lower the units to at most {} or raise {}'s capacity in {} (line {})",
                        r.capacity, r.id, plan.resources_file, r.line
                    )),
                    ..at
                }),
                Some(_) => {}
            }
        }
    }
}
