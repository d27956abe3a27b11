//! Writing the forecast back where people plan: every task's P50 and P80 dates, its
//! criticality and a milestone's schedule margin, into the Microsoft Project XML or P6
//! XER file the plan was imported from (the way Primavera Risk Analysis writes back
//! into user fields), or into a new Microsoft Project XML file of the plan.
//!
//! Writing into a source changes nothing else: the new custom-field definitions and
//! values are spliced into the source's bytes, and everything around them stays byte
//! for byte as it was. A source that already holds slipcast's fields (written back
//! before) has their values replaced rather than repeated.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use chrono::NaiveDate;

use super::{Schedule, bad};
use crate::error::{Error, Result};
use crate::stats::Forecast;

mod mspdi;
mod new_file;
mod xer;

pub use new_file::{ID_LABEL, new_mspdi};
pub use xer::not_from_xer;

/// A custom field the write-back fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The task's P50 finish (a date).
    P50Finish,
    /// Its P80 finish.
    P80Finish,
    /// Its P50 start.
    P50Start,
    /// Its P80 start.
    P80Start,
    /// Its criticality index towards the focus milestone, in percent.
    Criticality,
    /// A milestone with a target: the schedule margin (working days) its P80 (or
    /// `--margin-level`) commitment needs.
    Margin,
}

impl Field {
    /// Every field, in the order the definitions are written.
    pub const ALL: [Field; 6] = [
        Field::P50Finish,
        Field::P80Finish,
        Field::P50Start,
        Field::P80Start,
        Field::Criticality,
        Field::Margin,
    ];

    /// Its name in the scheduling tool (Microsoft Project's alias, P6's UDF title).
    pub fn label(self) -> &'static str {
        match self {
            Field::P50Finish => "slipcast P50 finish",
            Field::P80Finish => "slipcast P80 finish",
            Field::P50Start => "slipcast P50 start",
            Field::P80Start => "slipcast P80 start",
            Field::Criticality => "slipcast criticality %",
            Field::Margin => "slipcast schedule margin (days)",
        }
    }

    /// A date field (else a number).
    pub fn is_date(self) -> bool {
        !matches!(self, Field::Criticality | Field::Margin)
    }

    fn of_label(label: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.label() == label.trim())
    }
}

/// What the write-back gives one task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskValues {
    /// P50 start (first day of work).
    pub p50_start: NaiveDate,
    /// P50 finish (last day of work).
    pub p50_finish: NaiveDate,
    /// P80 start.
    pub p80_start: NaiveDate,
    /// P80 finish.
    pub p80_finish: NaiveDate,
    /// Criticality index, 0 to 1.
    pub criticality: f64,
    /// A milestone with a target: its schedule margin in working days.
    pub margin: Option<f64>,
}

/// One value as the file writes it.
enum Cell {
    /// A date, at the start or the end of the working day.
    Date(NaiveDate, bool),
    Number(f64),
}

impl TaskValues {
    fn cell(&self, field: Field) -> Option<Cell> {
        Some(match field {
            Field::P50Finish => Cell::Date(self.p50_finish, true),
            Field::P80Finish => Cell::Date(self.p80_finish, true),
            Field::P50Start => Cell::Date(self.p50_start, false),
            Field::P80Start => Cell::Date(self.p80_start, false),
            Field::Criticality => Cell::Number(self.criticality * 100.0),
            Field::Margin => Cell::Number(self.margin?),
        })
    }
}

/// Each task's values, by plan task id, from a forecast made with task percentiles that
/// include 50 and 80 and a start date; `None` otherwise.
pub fn task_values(f: &Forecast) -> Option<HashMap<String, TaskValues>> {
    let day = |s: &Option<String>| {
        s.as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    };
    let margins: HashMap<&str, f64> = f
        .milestones
        .iter()
        .filter_map(|m| Some((m.id.as_str(), m.margin.as_ref()?.days)))
        .collect();
    let mut out = HashMap::with_capacity(f.tasks.len());
    for t in &f.tasks {
        let at = |p: f64| t.percentiles.iter().find(|q| q.p == p);
        let (p50, p80) = (at(50.0)?, at(80.0)?);
        out.insert(
            t.id.clone(),
            TaskValues {
                p50_start: day(&p50.start_date)?,
                p50_finish: day(&p50.finish_date)?,
                p80_start: day(&p80.start_date)?,
                p80_finish: day(&p80.finish_date)?,
                criticality: t.criticality,
                margin: margins.get(t.id.as_str()).copied(),
            },
        );
    }
    Some(out)
}

/// What a write-back did, for the user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    /// Tasks of the file that got values.
    pub tasks: usize,
    /// Plan tasks the file does not have (added to the plan after the import).
    pub not_in_source: usize,
    /// The fields used: (the tool's field name, its label), e.g. ("Date1", "slipcast P50
    /// finish").
    pub fields: Vec<(String, &'static str)>,
}

/// A number as the files write it: at most two decimals, no trailing zeros.
fn decimal(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    format!("{}", if r == 0.0 { 0.0 } else { r })
}

/// The start and end of the working day (minutes after midnight) of a schedule's
/// project calendar: 08:00 and 17:00 unless it says.
fn day_times(hours: &[(u16, u16)]) -> (u16, u16) {
    match (hours.first(), hours.last()) {
        (Some(a), Some(b)) => (a.0, b.1.min(23 * 60 + 59)),
        _ => (8 * 60, 17 * 60),
    }
}

/// The plan task id of each source key (UID, task_id), over the tasks the source has.
fn keys(s: &Schedule) -> HashMap<&str, &str> {
    s.tasks
        .iter()
        .filter_map(|t| Some((t.source_key.as_deref()?, t.id.as_str())))
        .collect()
}

/// Writes the forecast into a copy of the source a plan was imported from (Microsoft
/// Project XML or P6 XER, told apart by content); `file` names it in messages.
pub fn into_source(
    bytes: &[u8],
    file: &str,
    values: &HashMap<String, TaskValues>,
) -> Result<(Vec<u8>, Written)> {
    let s = super::read_bytes(bytes, file)?;
    let mut by_key = keys(&s);
    // The finish milestone the import added is Microsoft Project's project summary
    // task (UID 0).
    if s.format == "Microsoft Project XML" && values.contains_key(super::PROJECT_FINISH) {
        by_key.entry("0").or_insert(super::PROJECT_FINISH);
    }
    // Tasks the import made (summary connectors, the finish milestone) are not missing.
    let in_source: HashSet<&str> = s.tasks.iter().map(|t| t.id.as_str()).collect();
    let not_in_source = values
        .keys()
        .filter(|id| !in_source.contains(id.as_str()) && !id.starts_with(super::PROJECT_FINISH))
        .count();
    let times = day_times(&s.hours);
    let (out, mut written) = match s.format {
        "Primavera P6 XER" => xer::xer(bytes, file, &by_key, values, times)?,
        "Microsoft Project XML" => mspdi::mspdi(bytes, file, &by_key, values, times)?,
        other => {
            return Err(bad(
                file,
                format!(
                    "slipcast writes the forecast into Microsoft Project XML and P6 XER files, not {other}"
                ),
                "import the schedule from an MSPDI (.xml) or XER export, or use --export mspdi for a new file",
            ));
        }
    };
    written.not_in_source = not_in_source;
    Ok((out, written))
}

/// Replacements of byte ranges: (start, end, text), applied in order.
fn splice(bytes: &[u8], mut edits: Vec<(usize, usize, String)>) -> Vec<u8> {
    edits.sort_by_key(|e| (e.0, e.1));
    let mut out = Vec::with_capacity(bytes.len() + edits.iter().map(|e| e.2.len()).sum::<usize>());
    let mut at = 0;
    for (a, b, text) in edits {
        let a = a.max(at);
        out.extend_from_slice(&bytes[at..a]);
        out.extend_from_slice(text.as_bytes());
        at = b.max(a);
    }
    out.extend_from_slice(&bytes[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/schedules")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Distinct, recognisable values per task: day k of 2030 for the task k-th in the
    /// schedule, criticality k %, and a margin on every third.
    fn values_for(s: &Schedule) -> HashMap<String, TaskValues> {
        let day =
            |k: usize| NaiveDate::from_ymd_opt(2030, 1, 1).unwrap() + chrono::Days::new(k as u64);
        s.tasks
            .iter()
            .enumerate()
            .map(|(k, t)| {
                (
                    t.id.clone(),
                    TaskValues {
                        p50_start: day(k),
                        p80_start: day(k + 1),
                        p50_finish: day(k + 10),
                        p80_finish: day(k + 20),
                        criticality: (k % 101) as f64 / 100.0,
                        margin: (k % 3 == 0).then_some(k as f64 + 0.5),
                    },
                )
            })
            .collect()
    }

    /// A task as a reader gets it: id, name, duration, links.
    type Shape = (
        String,
        String,
        f64,
        Vec<(String, crate::plan::LinkKind, f64)>,
    );

    /// The tasks and links a reader gets, for comparing two files.
    fn shape(s: &Schedule) -> Vec<Shape> {
        s.tasks
            .iter()
            .map(|t| (t.id.clone(), t.name.clone(), t.duration, t.preds.clone()))
            .collect()
    }

    #[test]
    fn xer_write_back_appends_user_fields_and_changes_nothing_else() {
        for name in ["p6_xer/MDL4D.xer", "mpxj/percent-complete-8.4.xer"] {
            let src = data(name);
            let s = super::super::read_bytes(&src, name).unwrap();
            let values = values_for(&s);
            let (out, w) = into_source(&src, name, &values).unwrap();
            assert_eq!(w.tasks, s.tasks.len(), "{name}");
            assert_eq!(w.not_in_source, 0);
            // Every source line is there, in order; the added ones are UDF tables only.
            let src_lines: Vec<&[u8]> = src.split_inclusive(|&b| b == b'\n').collect();
            let out_lines: Vec<&[u8]> = out.split_inclusive(|&b| b == b'\n').collect();
            let mut k = 0;
            let mut added = Vec::new();
            for l in &out_lines {
                if k < src_lines.len() && *l == src_lines[k] {
                    k += 1;
                } else {
                    added.push(String::from_utf8_lossy(l).to_string());
                }
            }
            assert_eq!(
                k,
                src_lines.len(),
                "{name}: every source line kept, in order"
            );
            let values_rows = added.iter().filter(|l| l.starts_with("%R")).count();
            let per_task = 5 * s.tasks.len() + s.tasks.len().div_ceil(3);
            assert_eq!(
                values_rows,
                6 + per_task,
                "{name}: 6 field rows and the values"
            );
            // Read back: each task's P80 finish is in the field labelled so, as P6 dates.
            let text = String::from_utf8_lossy(&out);
            let t = super::super::xer::tables(&text);
            let p80 = t["UDFTYPE"]
                .iter()
                .find(|r| r["udf_type_label"] == "slipcast P80 finish")
                .map(|r| r["udf_type_id"].clone())
                .unwrap();
            let (_, finish) = day_times(&s.hours);
            for task in &s.tasks {
                let key = task.source_key.as_deref().unwrap();
                let rows: Vec<_> = t["UDFVALUE"]
                    .iter()
                    .filter(|r| r["udf_type_id"] == p80 && r["fk_id"] == key)
                    .collect();
                assert_eq!(rows.len(), 1, "{name} {}", task.id);
                let want = values[&task.id].p80_finish;
                assert_eq!(
                    rows[0]["udf_date"],
                    format!("{want} {:02}:{:02}", finish / 60, finish % 60)
                );
            }
            // The schedule itself reads as before.
            let again = super::super::read_bytes(&out, name).unwrap();
            assert_eq!(shape(&again), shape(&s));
            // Written back into its own output, the result is the same file: the old
            // values are replaced, not repeated.
            let (twice, _) = into_source(&out, name, &values).unwrap();
            assert_eq!(twice, out, "{name}: idempotent");
        }
    }

    #[test]
    fn mspdi_write_back_adds_custom_fields_and_changes_nothing_else() {
        for name in [
            "mpxj/sample.xml",
            "mpxj/task-links-project2019-mspdi.xml",
            "mpxj/baselines.xml",
            "mpxj/mspdirelations.xml",
        ] {
            let src = data(name);
            let s = super::super::read_bytes(&src, name).unwrap();
            let values = values_for(&s);
            let (out, w) = into_source(&src, name, &values).unwrap();
            assert_eq!(
                w.tasks,
                s.tasks.iter().filter(|t| t.source_key.is_some()).count()
            );
            let names: Vec<&str> = w.fields.iter().map(|f| f.0.as_str()).collect();
            assert_eq!(
                names,
                ["Date1", "Date2", "Date3", "Date4", "Number1", "Number2"]
            );
            // Taking out what was added gives the source back, byte for byte.
            let mut text = String::from_utf8(out.clone()).unwrap();
            while let Some(a) = text.find("<ExtendedAttribute><FieldID>18874") {
                let b = a + text[a..].find("</ExtendedAttribute>").unwrap() + 20;
                text.replace_range(a..b, "");
            }
            let text = text.replace(
                "<ExtendedAttributes></ExtendedAttributes>",
                "<ExtendedAttributes/>",
            );
            assert_eq!(text.as_bytes(), &src[..], "{name}");
            // Read back with the XML reader: definitions and each task's values.
            let root = super::super::xml::parse(&out, name).unwrap();
            let defs: Vec<(String, String)> = root
                .child("ExtendedAttributes")
                .unwrap()
                .all("ExtendedAttribute")
                .map(|e| {
                    (
                        e.text_of("FieldID").unwrap().into(),
                        e.text_of("Alias").unwrap().into(),
                    )
                })
                .collect();
            assert!(defs.contains(&("188743946".into(), "slipcast P80 finish".into())));
            assert!(defs.contains(&("188743767".into(), "slipcast criticality %".into())));
            let (_, finish) = day_times(&s.hours);
            let by_uid: HashMap<&str, &str> = keys(&s);
            let mut seen = 0;
            for t in root.child("Tasks").unwrap().all("Task") {
                let uid = t.text_of("UID").unwrap();
                let Some(id) = by_uid.get(uid) else { continue };
                let field = |fid: &str| {
                    t.all("ExtendedAttribute")
                        .find(|e| e.text_of("FieldID") == Some(fid))
                        .and_then(|e| e.text_of("Value"))
                        .map(str::to_string)
                };
                let v = &values[*id];
                assert_eq!(
                    field("188743946"),
                    Some(format!(
                        "{}T{:02}:{:02}:00",
                        v.p80_finish,
                        finish / 60,
                        finish % 60
                    ))
                );
                assert_eq!(field("188743767"), Some(decimal(v.criticality * 100.0)));
                assert_eq!(field("188743768"), v.margin.map(decimal));
                seen += 1;
            }
            assert_eq!(seen, w.tasks);
            let again = super::super::read_bytes(&out, name).unwrap();
            assert_eq!(shape(&again), shape(&s));
            let (twice, _) = into_source(&out, name, &values).unwrap();
            assert_eq!(twice, out, "{name}: idempotent");
        }
    }

    #[test]
    fn mspdi_write_back_leaves_the_schedules_own_custom_fields_alone() {
        let name = "mpxj/sample.xml";
        let src = String::from_utf8(data(name)).unwrap();
        // Date1 and Number1 already mean something in this schedule.
        let src = src.replacen(
            "<ExtendedAttributes/>",
            "<ExtendedAttributes><ExtendedAttribute><FieldID>188743945</FieldID><FieldName>Date1</FieldName><Alias>Contract date</Alias></ExtendedAttribute><ExtendedAttribute><FieldID>188743767</FieldID><FieldName>Number1</FieldName><Alias>Weight</Alias></ExtendedAttribute></ExtendedAttributes>",
            1,
        );
        let s = super::super::read_bytes(src.as_bytes(), name).unwrap();
        let (out, w) = into_source(src.as_bytes(), name, &values_for(&s)).unwrap();
        let names: Vec<&str> = w.fields.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            names,
            ["Date2", "Date3", "Date4", "Date5", "Number2", "Number3"]
        );
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.contains("<FieldID>188743945</FieldID><Value>"),
            "Date1 keeps its own values"
        );
        assert!(text.contains("<FieldID>188743946</FieldID><FieldName>Date2</FieldName><Alias>slipcast P50 finish</Alias>"));
        // Every Date field taken: a clear error rather than an overwrite.
        let full: String = (0..10)
            .map(|k| format!("<ExtendedAttribute><FieldID>{}</FieldID><FieldName>Date{}</FieldName><Alias>Mine {k}</Alias></ExtendedAttribute>", 188_743_945 + k, k + 1))
            .collect();
        let src = String::from_utf8(data(name)).unwrap().replacen(
            "<ExtendedAttributes/>",
            &format!("<ExtendedAttributes>{full}</ExtendedAttributes>"),
            1,
        );
        let err = into_source(src.as_bytes(), name, &values_for(&s))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("every task Date custom field is in use"),
            "{err}"
        );
    }
}
