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
        "Primavera P6 XER" => xer(bytes, file, &by_key, values, times)?,
        "Microsoft Project XML" => mspdi(bytes, file, &by_key, values, times)?,
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

// ---------------------------------------------------------------- Microsoft Project XML

/// Microsoft Project's task custom date fields: Date1 … Date10.
fn date_fields() -> impl Iterator<Item = (u32, String)> {
    (0..10).map(|k| (188_743_945 + k, format!("Date{}", k + 1)))
}

/// Its task custom number fields: Number1 … Number20.
fn number_fields() -> impl Iterator<Item = (u32, String)> {
    (0..20).map(|k| {
        let id = if k < 5 {
            188_743_767 + k
        } else {
            188_743_982 + (k - 5)
        };
        (id, format!("Number{}", k + 1))
    })
}

/// Elements that follow `ExtendedAttribute` in a task (the schema's order): new values
/// go before the first of them.
const AFTER_EXTENDED: &[&str] = &[
    "Baseline",
    "OutlineCode",
    "IsPublished",
    "StatusManager",
    "CommitmentStart",
    "CommitmentFinish",
    "CommitmentType",
    "Active",
    "Manual",
    "TimephasedData",
];

#[derive(Default)]
struct TaskScan {
    uid: String,
    /// Its ExtendedAttribute elements: (FieldID, start, end).
    values: Vec<(String, usize, usize)>,
    insert_at: Option<usize>,
}

#[derive(Default)]
struct ProjectScan {
    /// Project-level definitions: (FieldID, Alias).
    defs: Vec<(String, String)>,
    /// An empty `<ExtendedAttributes/>`: its byte range.
    defs_empty: Option<(usize, usize)>,
    /// Where `</ExtendedAttributes>` starts.
    defs_end: Option<usize>,
    /// Where the first of Calendars, Tasks, Resources, Assignments starts (definitions
    /// go before it when the project has none).
    before_calendars: Option<usize>,
    tasks: Vec<TaskScan>,
}

/// Finds, in one pass over the document, what the write-back needs and where.
fn scan_mspdi(bytes: &[u8], file: &str) -> Result<ProjectScan> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut out = ProjectScan::default();
    let mut def = (String::new(), String::new());
    let mut task = TaskScan::default();
    let mut value = (String::new(), 0usize);
    let invalid = |why: String| {
        bad(
            file,
            format!("not well-formed XML: {why}"),
            "export the schedule again from Microsoft Project (File > Save As > XML)",
        )
    };
    loop {
        let at = reader.buffer_position() as usize;
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| invalid(format!("{e} at byte {}", reader.buffer_position())))?;
        let end = reader.buffer_position() as usize;
        let empty = matches!(event, Event::Empty(_));
        match &event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                text.clear();
                let p = path(&stack);
                match (p.as_slice(), name.as_str()) {
                    ([_], "ExtendedAttributes") if empty => out.defs_empty = Some((at, end)),
                    ([_], "Calendars" | "Tasks" | "Resources" | "Assignments") => {
                        out.before_calendars.get_or_insert(at);
                    }
                    ([_, "ExtendedAttributes"], "ExtendedAttribute") => def = Default::default(),
                    ([_, "Tasks"], "Task") => task = TaskScan::default(),
                    ([_, "Tasks", "Task"], "ExtendedAttribute") => value = (String::new(), at),
                    ([_, "Tasks", "Task"], n) if AFTER_EXTENDED.contains(&n) => {
                        task.insert_at.get_or_insert(at);
                    }
                    _ => {}
                }
                if !empty {
                    stack.push(name);
                }
            }
            Event::Text(t) => text.push_str(&String::from_utf8_lossy(t)),
            Event::End(_) => {
                let p = path(&stack);
                match p.as_slice() {
                    [_, "ExtendedAttributes", "ExtendedAttribute", "FieldID"] => {
                        def.0 = text.trim().to_string()
                    }
                    [_, "ExtendedAttributes", "ExtendedAttribute", "Alias"] => {
                        def.1 = text.trim().to_string()
                    }
                    [_, "ExtendedAttributes", "ExtendedAttribute"] => {
                        out.defs.push(std::mem::take(&mut def))
                    }
                    [_, "ExtendedAttributes"] => out.defs_end = Some(at),
                    [_, "Tasks", "Task", "UID"] => task.uid = text.trim().to_string(),
                    [_, "Tasks", "Task", "ExtendedAttribute", "FieldID"] => {
                        value.0 = text.trim().to_string()
                    }
                    [_, "Tasks", "Task", "ExtendedAttribute"] => {
                        task.values
                            .push((std::mem::take(&mut value.0), value.1, end))
                    }
                    [_, "Tasks", "Task"] => {
                        task.insert_at.get_or_insert(at);
                        out.tasks.push(std::mem::take(&mut task));
                    }
                    _ => {}
                }
                stack.pop();
                text.clear();
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// The element names of an open-element stack.
fn path(stack: &[String]) -> Vec<&str> {
    stack.iter().map(String::as_str).collect()
}

/// The custom fields to use: a field slipcast wrote before keeps its place; the others
/// take the first free Date and Number fields.
fn choose_fields(
    scan_defs: &[(String, String)],
    used_ids: &HashSet<String>,
    file: &str,
) -> Result<Vec<(Field, u32, String, bool)>> {
    let mut chosen: Vec<(Field, u32, String, bool)> = Vec::new();
    let mut taken: HashSet<u32> = used_ids.iter().filter_map(|i| i.parse().ok()).collect();
    for (id, alias) in scan_defs {
        if let (Some(f), Ok(n)) = (Field::of_label(alias), id.parse::<u32>())
            && !chosen.iter().any(|c| c.0 == f)
        {
            let name = date_fields()
                .chain(number_fields())
                .find(|(i, _)| *i == n)
                .map_or_else(|| format!("field {n}"), |(_, name)| name);
            chosen.push((f, n, name, false));
        }
    }
    for c in &chosen {
        taken.insert(c.1);
    }
    for f in Field::ALL {
        if chosen.iter().any(|c| c.0 == f) {
            continue;
        }
        let mut pool: Box<dyn Iterator<Item = (u32, String)>> = if f.is_date() {
            Box::new(date_fields())
        } else {
            Box::new(number_fields())
        };
        let Some((id, name)) = pool.find(|(i, _)| !taken.contains(i)) else {
            return Err(bad(
                file,
                format!(
                    "every task {} custom field is in use, so \"{}\" has nowhere to go",
                    if f.is_date() { "Date" } else { "Number" },
                    f.label()
                ),
                "free a Date field (Date1–Date10) and a Number field (Number1–Number20) in Microsoft Project, or use --export csv-gantt",
            ));
        };
        taken.insert(id);
        chosen.push((f, id, name, true));
    }
    chosen.sort_by_key(|c| Field::ALL.iter().position(|f| *f == c.0));
    Ok(chosen)
}

fn mspdi(
    bytes: &[u8],
    file: &str,
    by_key: &HashMap<&str, &str>,
    values: &HashMap<String, TaskValues>,
    (day_start, day_end): (u16, u16),
) -> Result<(Vec<u8>, Written)> {
    let scan = scan_mspdi(bytes, file)?;
    let mut used: HashSet<String> = scan.defs.iter().map(|d| d.0.clone()).collect();
    for t in &scan.tasks {
        used.extend(t.values.iter().map(|v| v.0.clone()));
    }
    let ours: HashSet<String> = scan
        .defs
        .iter()
        .filter(|d| Field::of_label(&d.1).is_some())
        .map(|d| d.0.clone())
        .collect();
    used.retain(|u| !ours.contains(u));
    let chosen = choose_fields(&scan.defs, &used, file)?;
    let mut edits = Vec::new();
    // The definitions of fields new to the file.
    let mut defs = String::new();
    for (f, id, name, new) in &chosen {
        if *new {
            let _ = write!(
                defs,
                "<ExtendedAttribute><FieldID>{id}</FieldID><FieldName>{name}</FieldName><Alias>{}</Alias></ExtendedAttribute>",
                f.label()
            );
        }
    }
    if !defs.is_empty() {
        if let Some(at) = scan.defs_end {
            edits.push((at, at, defs));
        } else if let Some((a, b)) = scan.defs_empty {
            edits.push((
                a,
                b,
                format!("<ExtendedAttributes>{defs}</ExtendedAttributes>"),
            ));
        } else if let Some(at) = scan.before_calendars {
            edits.push((
                at,
                at,
                format!("<ExtendedAttributes>{defs}</ExtendedAttributes>"),
            ));
        } else {
            return Err(bad(
                file,
                "the project has no <Tasks>",
                "export a schedule that has tasks",
            ));
        }
    }
    let ids: HashSet<String> = chosen.iter().map(|c| c.1.to_string()).collect();
    let clock = |m: u16| format!("{:02}:{:02}:00", m / 60, m % 60);
    let mut written = Written {
        fields: chosen.iter().map(|c| (c.2.clone(), c.0.label())).collect(),
        ..Written::default()
    };
    for t in &scan.tasks {
        // Earlier values of slipcast's fields go.
        for (fid, a, b) in &t.values {
            if ids.contains(fid) {
                edits.push((*a, *b, String::new()));
            }
        }
        let Some(v) = by_key.get(t.uid.as_str()).and_then(|id| values.get(*id)) else {
            continue;
        };
        let mut text = String::new();
        // The project summary task holds the project's finish only.
        let summary = t.uid == "0";
        for (f, id, _, _) in &chosen {
            if summary && !matches!(f, Field::P50Finish | Field::P80Finish) {
                continue;
            }
            let value = match v.cell(*f) {
                Some(Cell::Date(d, finish)) => {
                    format!("{d}T{}", clock(if finish { day_end } else { day_start }))
                }
                Some(Cell::Number(x)) => decimal(x),
                None => continue,
            };
            let _ = write!(
                text,
                "<ExtendedAttribute><FieldID>{id}</FieldID><Value>{value}</Value></ExtendedAttribute>"
            );
        }
        if let Some(at) = t.insert_at {
            edits.push((at, at, text));
            written.tasks += 1;
        }
    }
    Ok((splice(bytes, edits), written))
}

// ---------------------------------------------------------------- Primavera P6 XER

/// The tables of an XER the write-back reads and extends, by line.
#[derive(Default)]
struct XerScan {
    /// UDFTYPE: its field names, rows (line index, fields), and the line its table ends
    /// before.
    udf_fields: Vec<String>,
    udf_rows: Vec<HashMap<String, String>>,
    udf_end: Option<usize>,
    /// UDFVALUE: field names, (line index, udf_type_id) per row, its end.
    value_fields: Vec<String>,
    value_rows: Vec<(usize, String)>,
    value_end: Option<usize>,
    /// task_id → proj_id.
    proj_of: HashMap<String, String>,
    /// The line of `%T\tPROJECT` and of `%E`.
    project_at: Option<usize>,
    end_at: Option<usize>,
}

fn scan_xer(lines: &[&[u8]]) -> XerScan {
    let mut out = XerScan::default();
    let mut table = String::new();
    let mut fields: Vec<String> = Vec::new();
    let text = |l: &[u8]| {
        String::from_utf8_lossy(l)
            .trim_end_matches(['\r', '\n'])
            .to_string()
    };
    let close = |table: &str, i: usize, out: &mut XerScan| match table {
        "UDFTYPE" => out.udf_end = out.udf_end.or(Some(i)),
        "UDFVALUE" => out.value_end = out.value_end.or(Some(i)),
        _ => {}
    };
    for (i, l) in lines.iter().enumerate() {
        let line = text(l);
        if let Some(name) = line.strip_prefix("%T\t") {
            close(&table, i, &mut out);
            table = name.trim().to_string();
            if table == "PROJECT" {
                out.project_at.get_or_insert(i);
            }
        } else if line.starts_with("%E") {
            close(&table, i, &mut out);
            table.clear();
            out.end_at.get_or_insert(i);
        } else if let Some(f) = line.strip_prefix("%F\t") {
            fields = f.split('\t').map(|x| x.trim().to_string()).collect();
            match table.as_str() {
                "UDFTYPE" => out.udf_fields = fields.clone(),
                "UDFVALUE" => out.value_fields = fields.clone(),
                _ => {}
            }
        } else if let Some(r) = line.strip_prefix("%R\t") {
            let get = |name: &str| {
                fields
                    .iter()
                    .position(|f| f == name)
                    .and_then(|k| r.split('\t').nth(k))
                    .unwrap_or("")
                    .to_string()
            };
            match table.as_str() {
                "UDFTYPE" => out.udf_rows.push(
                    fields
                        .iter()
                        .cloned()
                        .zip(r.split('\t').map(str::to_string))
                        .collect(),
                ),
                "UDFVALUE" => out.value_rows.push((i, get("udf_type_id"))),
                "TASK" => {
                    out.proj_of.insert(get("task_id"), get("proj_id"));
                }
                _ => {}
            }
        }
    }
    close(&table, lines.len(), &mut out);
    out
}

const UDFTYPE_FIELDS: &[&str] = &[
    "udf_type_id",
    "table_name",
    "udf_type_name",
    "udf_type_label",
    "logical_data_type",
    "super_flag",
    "indicator_expression",
    "summary_indicator_expression",
];

const UDFVALUE_FIELDS: &[&str] = &[
    "udf_type_id",
    "fk_id",
    "proj_id",
    "udf_date",
    "udf_number",
    "udf_text",
    "udf_code_id",
];

/// A `%R` line with `cells` in the order of `fields` (absent ones empty).
fn xer_row(fields: &[String], cells: &[(&str, String)], eol: &str) -> String {
    let row: Vec<&str> = fields
        .iter()
        .map(|f| cells.iter().find(|c| c.0 == f).map_or("", |c| c.1.as_str()))
        .collect();
    format!("%R\t{}{eol}", row.join("\t"))
}

fn xer(
    bytes: &[u8],
    file: &str,
    by_key: &HashMap<&str, &str>,
    values: &HashMap<String, TaskValues>,
    (day_start, day_end): (u16, u16),
) -> Result<(Vec<u8>, Written)> {
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    let eol = if lines.first().is_some_and(|l| l.ends_with(b"\r\n")) {
        "\r\n"
    } else {
        "\n"
    };
    let scan = scan_xer(&lines);
    let Some(end_at) = scan.end_at else {
        return Err(bad(
            file,
            "the XER has no %E end line (the file is cut short)",
            "export the project from P6 again",
        ));
    };
    // Fields slipcast wrote before keep their ids; new ones follow the largest id.
    let mut next_id = scan
        .udf_rows
        .iter()
        .filter_map(|r| r.get("udf_type_id")?.trim().parse::<u64>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let mut chosen: Vec<(Field, String, bool)> = Vec::new();
    for f in Field::ALL {
        let old = scan.udf_rows.iter().find(|r| {
            r.get("table_name").map(|t| t.trim()) == Some("TASK")
                && r.get("udf_type_label").and_then(|l| Field::of_label(l)) == Some(f)
        });
        match old.and_then(|r| r.get("udf_type_id")) {
            Some(id) => chosen.push((f, id.trim().to_string(), false)),
            None => {
                chosen.push((f, next_id.to_string(), true));
                next_id += 1;
            }
        }
    }
    let ours: HashSet<&str> = chosen.iter().map(|c| c.1.as_str()).collect();
    let dropped: HashSet<usize> = scan
        .value_rows
        .iter()
        .filter(|(_, id)| ours.contains(id.as_str()))
        .map(|(i, _)| *i)
        .collect();
    let own = |v: &[&str]| v.iter().map(|f| f.to_string()).collect::<Vec<_>>();
    // New UDFTYPE rows: at the end of the source's table, or a new table before PROJECT.
    let type_fields = if scan.udf_end.is_some() {
        scan.udf_fields.clone()
    } else {
        own(UDFTYPE_FIELDS)
    };
    let mut types = String::new();
    for (f, id, new) in &chosen {
        if *new {
            types += &xer_row(
                &type_fields,
                &[
                    ("udf_type_id", id.clone()),
                    ("table_name", "TASK".into()),
                    ("udf_type_name", format!("user_field_{id}")),
                    ("udf_type_label", f.label().into()),
                    (
                        "logical_data_type",
                        match f {
                            Field::P50Start | Field::P80Start => "FT_START_DATE",
                            Field::P50Finish | Field::P80Finish => "FT_END_DATE",
                            _ => "FT_FLOAT_2_DECIMALS",
                        }
                        .into(),
                    ),
                    ("super_flag", "N".into()),
                ],
                eol,
            );
        }
    }
    let value_fields = if scan.value_end.is_some() {
        scan.value_fields.clone()
    } else {
        own(UDFVALUE_FIELDS)
    };
    let clock = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    let mut rows = String::new();
    let mut written = Written {
        fields: chosen
            .iter()
            .map(|c| (format!("user_field_{}", c.1), c.0.label()))
            .collect(),
        ..Written::default()
    };
    // Tasks in the file's order.
    let mut tasks: Vec<(&str, &TaskValues)> = by_key
        .iter()
        .filter_map(|(k, id)| Some((*k, values.get(*id)?)))
        .collect();
    tasks.sort_by(|a, b| {
        let n = |k: &str| k.parse::<u64>().ok();
        n(a.0).cmp(&n(b.0)).then_with(|| a.0.cmp(b.0))
    });
    for (key, v) in tasks {
        written.tasks += 1;
        let proj = scan.proj_of.get(key).cloned().unwrap_or_default();
        for (f, id, _) in &chosen {
            let (date, number) = match v.cell(*f) {
                Some(Cell::Date(d, finish)) => (
                    format!("{d} {}", clock(if finish { day_end } else { day_start })),
                    String::new(),
                ),
                Some(Cell::Number(x)) => (String::new(), decimal(x)),
                None => continue,
            };
            rows += &xer_row(
                &value_fields,
                &[
                    ("udf_type_id", id.clone()),
                    ("fk_id", key.to_string()),
                    ("proj_id", proj.clone()),
                    ("udf_date", date),
                    ("udf_number", number),
                ],
                eol,
            );
        }
    }
    let header =
        |name: &str, fields: &[String]| format!("%T\t{name}{eol}%F\t{}{eol}", fields.join("\t"));
    let mut inserts: HashMap<usize, String> = HashMap::new();
    let mut add = |at: usize, text: String| inserts.entry(at).or_default().push_str(&text);
    match scan.udf_end {
        Some(at) => add(at, types),
        None if !types.is_empty() => add(
            scan.project_at.unwrap_or(end_at),
            header("UDFTYPE", &type_fields) + &types,
        ),
        None => {}
    }
    match scan.value_end {
        Some(at) => add(at, rows),
        None if !rows.is_empty() => add(end_at, header("UDFVALUE", &value_fields) + &rows),
        None => {}
    }
    let mut out =
        Vec::with_capacity(bytes.len() + inserts.values().map(String::len).sum::<usize>());
    for (i, l) in lines.iter().enumerate() {
        if let Some(text) = inserts.get(&i) {
            out.extend_from_slice(text.as_bytes());
        }
        if !dropped.contains(&i) {
            out.extend_from_slice(l);
        }
    }
    if let Some(text) = inserts.get(&lines.len()) {
        out.extend_from_slice(text.as_bytes());
    }
    Ok((out, written))
}

/// The error for `--export xer` on a plan that was not imported from an XER.
pub fn not_from_xer(plan: &str, source: Option<&str>) -> Error {
    bad(
        plan,
        match source {
            Some(s) => format!("--export xer writes into the P6 XER a plan was imported from, and this plan's source is {s}"),
            None => "--export xer writes into the P6 XER a plan was imported from, and this plan names no source in plan.toml".into(),
        },
        "import the schedule with `slipcast import FILE.xer --out PLAN`, or use --export mspdi or csv-gantt",
    )
}

// ---------------------------------------------------------------- a new MSPDI file

/// The Text field a new file keeps each task's plan id in, so that importing the file
/// again gives the same ids (risks, scenarios and correlations name tasks by id).
pub const ID_LABEL: &str = "slipcast id";

/// Microsoft Project's Text1 field.
const TEXT1: u32 = 188_743_731;

fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// A calendar of the new file: (UID, name, working week, hours, holidays).
struct NewCalendar<'a> {
    uid: usize,
    name: &'a str,
    workweek: crate::plan::Workweek,
    hours: Vec<(u16, u16)>,
    holidays: Vec<(NaiveDate, NaiveDate)>,
}

fn write_calendar(out: &mut String, c: &NewCalendar) {
    let clock = |m: u16| format!("{:02}:{:02}:00", m / 60 % 24, m % 60);
    let _ = write!(
        out,
        "<Calendar><UID>{}</UID><Name>{}</Name><IsBaseCalendar>1</IsBaseCalendar><BaseCalendarUID>-1</BaseCalendarUID><WeekDays>",
        c.uid,
        esc(c.name)
    );
    // Microsoft Project numbers days from Sunday = 1; the working week from Monday.
    for day_type in 1..=7usize {
        let works = c.workweek.0[(day_type + 5) % 7];
        let _ = write!(
            out,
            "<WeekDay><DayType>{day_type}</DayType><DayWorking>{}</DayWorking>",
            u8::from(works)
        );
        if works {
            out.push_str("<WorkingTimes>");
            for &(a, b) in &c.hours {
                let _ = write!(
                    out,
                    "<WorkingTime><FromTime>{}</FromTime><ToTime>{}</ToTime></WorkingTime>",
                    clock(a),
                    clock(b)
                );
            }
            out.push_str("</WorkingTimes>");
        }
        out.push_str("</WeekDay>");
    }
    out.push_str("</WeekDays>");
    if !c.holidays.is_empty() {
        out.push_str("<Exceptions>");
        for (a, b) in &c.holidays {
            let _ = write!(
                out,
                "<Exception><EnteredByOccurrences>0</EnteredByOccurrences><TimePeriod><FromDate>{a}T00:00:00</FromDate><ToDate>{b}T23:59:00</ToDate></TimePeriod><Occurrences>1</Occurrences><Name>Holiday</Name><Type>1</Type><DayWorking>0</DayWorking></Exception>"
            );
        }
        out.push_str("</Exceptions>");
    }
    out.push_str("</Calendar>");
}

/// A new Microsoft Project XML file of `plan`: its tasks (UID and ID in tasks.csv's
/// order), links with their types and lags, milestones, start-no-earlier-than dates,
/// targets as deadlines, actuals, the project and named calendars, the deterministic
/// dates as each task's start and finish, and the forecast in the custom fields
/// [`into_source`] uses (the plan id in Text1, "slipcast id").
///
/// Single-point durations only: Microsoft Project has no three-point estimate, so the
/// estimates, risks and the rest of the model stay in the plan folder.
pub fn new_mspdi(
    plan: &crate::plan::Plan,
    f: &Forecast,
    values: &HashMap<String, TaskValues>,
) -> Result<(String, Written)> {
    use crate::plan::{DateOrDays, LinkKind};
    let s = &plan.settings;
    let default_hours = vec![(8 * 60, 12 * 60), (13 * 60, 17 * 60)];
    let hours = if s.hours.is_empty() {
        default_hours.clone()
    } else {
        s.hours.clone()
    };
    let minutes_per_day =
        |h: &[(u16, u16)]| -> u32 { h.iter().map(|&(a, b)| u32::from(b - a)).sum() };
    let (day_start, day_end) = day_times(&hours);
    let clock = |m: u16| format!("{:02}:{:02}:00", m / 60, m % 60);
    let mut calendars = vec![NewCalendar {
        uid: 1,
        name: "Standard",
        workweek: s.workweek,
        hours: hours.clone(),
        holidays: plan.holidays.iter().map(|h| (h.from, h.to)).collect(),
    }];
    for (k, c) in s.calendars.iter().enumerate() {
        calendars.push(NewCalendar {
            uid: k + 2,
            name: &c.name,
            workweek: c.workweek,
            hours: c.hours.clone().unwrap_or_else(|| hours.clone()),
            holidays: plan
                .calendar_holidays
                .iter()
                .filter(|h| h.calendar == c.name)
                .map(|h| (h.holiday.from, h.holiday.to))
                .collect(),
        });
    }
    let calendar_of = |name: Option<&str>| {
        name.and_then(|n| calendars.iter().find(|c| c.name == n))
            .unwrap_or(&calendars[0])
    };
    let name = s.name.clone().unwrap_or_else(|| "slipcast plan".into());
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Project xmlns=\"http://schemas.microsoft.com/project\">\n",
    );
    let mpd = minutes_per_day(&hours);
    let _ = write!(
        x,
        "<SaveVersion>14</SaveVersion><Name>{0}.xml</Name><Title>{0}</Title><ScheduleFromStart>1</ScheduleFromStart>",
        esc(&name)
    );
    if let Some(d) = f.start.as_deref() {
        let _ = write!(x, "<StartDate>{d}T{}</StartDate>", clock(day_start));
    }
    let _ = write!(
        x,
        "<CalendarUID>1</CalendarUID><DefaultStartTime>{}</DefaultStartTime><DefaultFinishTime>{}</DefaultFinishTime><MinutesPerDay>{mpd}</MinutesPerDay><MinutesPerWeek>{}</MinutesPerWeek><DaysPerMonth>20</DaysPerMonth>",
        clock(day_start),
        clock(day_end),
        mpd * s.workweek.0.iter().filter(|&&d| d).count() as u32
    );
    if let Some(d) = s.status_date {
        let _ = write!(x, "<StatusDate>{d}T{}</StatusDate>", clock(day_end));
    }
    x.push('\n');
    // Custom fields: the plan id, then the forecast's.
    let date_ids: Vec<(u32, String)> = date_fields().collect();
    let number_ids: Vec<(u32, String)> = number_fields().collect();
    let mut chosen: Vec<(Field, u32, String)> = Vec::new();
    let (mut d, mut n) = (0, 0);
    for field in Field::ALL {
        let (id, fname) = if field.is_date() {
            d += 1;
            date_ids[d - 1].clone()
        } else {
            n += 1;
            number_ids[n - 1].clone()
        };
        chosen.push((field, id, fname));
    }
    let _ = write!(
        x,
        "<ExtendedAttributes><ExtendedAttribute><FieldID>{TEXT1}</FieldID><FieldName>Text1</FieldName><Alias>{ID_LABEL}</Alias></ExtendedAttribute>"
    );
    for (field, id, fname) in &chosen {
        let _ = write!(
            x,
            "<ExtendedAttribute><FieldID>{id}</FieldID><FieldName>{fname}</FieldName><Alias>{}</Alias></ExtendedAttribute>",
            field.label()
        );
    }
    x.push_str("</ExtendedAttributes>\n<Calendars>");
    for c in &calendars {
        write_calendar(&mut x, c);
    }
    x.push_str("</Calendars>\n<Tasks>\n");
    let uid_of: HashMap<&str, usize> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i + 1))
        .collect();
    let forecast_of: HashMap<&str, &crate::stats::TaskForecast> =
        f.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    let duration = |days: f64, mpd: u32| {
        let minutes = (days * f64::from(mpd)).round().max(0.0) as u64;
        format!("PT{}H{}M0S", minutes / 60, minutes % 60)
    };
    let mut written = Written {
        fields: std::iter::once(("Text1".to_string(), ID_LABEL))
            .chain(chosen.iter().map(|c| (c.2.clone(), c.0.label())))
            .collect(),
        ..Written::default()
    };
    for (i, t) in plan.tasks.iter().enumerate() {
        let uid = i + 1;
        let cal = calendar_of(t.calendar.as_deref());
        let cal_mpd = minutes_per_day(&cal.hours);
        let (cs, ce) = day_times(&cal.hours);
        let tf = forecast_of.get(t.id.as_str());
        // The single-point duration in the task's own calendar's working days (the
        // forecast's axis counts the project calendar's).
        let days = match &t.estimate {
            Some(e) => e.deterministic(),
            None => tf.map_or(0.0, |tf| tf.deterministic_finish - tf.deterministic_start),
        };
        let zero = days <= 0.0;
        let _ = write!(
            x,
            "<Task><UID>{uid}</UID><ID>{uid}</ID><Name>{}</Name><Type>0</Type><IsNull>0</IsNull><OutlineNumber>{uid}</OutlineNumber><OutlineLevel>1</OutlineLevel>",
            esc(t.name.as_deref().unwrap_or(&t.id))
        );
        if let Some(tf) = tf
            && let (Some(a), Some(b)) = (
                tf.deterministic_start_date.as_deref(),
                tf.deterministic_finish_date.as_deref(),
            )
        {
            // A zero-length task sits at the end of the day its predecessors finish.
            let start = if zero { ce } else { cs };
            let _ = write!(
                x,
                "<Start>{a}T{}</Start><Finish>{b}T{}</Finish>",
                clock(start),
                clock(ce)
            );
        }
        let _ = write!(
            x,
            "<Duration>{}</Duration><DurationFormat>7</DurationFormat><Milestone>{}</Milestone><Summary>0</Summary>",
            duration(days, cal_mpd),
            u8::from(t.milestone)
        );
        if let Some(a) = t.actual_start {
            let _ = write!(x, "<ActualStart>{a}T{}</ActualStart>", clock(cs));
        }
        if let Some(b) = t.actual_finish {
            let _ = write!(x, "<ActualFinish>{b}T{}</ActualFinish>", clock(ce));
        }
        if let (Some(r), Some(_), None) = (t.remaining, t.actual_start, t.actual_finish) {
            let _ = write!(
                x,
                "<RemainingDuration>{}</RemainingDuration>",
                duration(r, cal_mpd)
            );
        }
        let constraint = match t.not_before {
            Some(DateOrDays::Date(d)) => Some(format!("{d}T{}", clock(cs))),
            Some(DateOrDays::At(d, m)) => Some(format!("{d}T{}", clock(m))),
            _ => None,
        };
        let _ = write!(
            x,
            "<ConstraintType>{}</ConstraintType>",
            if constraint.is_some() { 4 } else { 0 }
        );
        if cal.uid != 1 {
            let _ = write!(x, "<CalendarUID>{}</CalendarUID>", cal.uid);
        }
        if let Some(c) = constraint {
            let _ = write!(x, "<ConstraintDate>{c}</ConstraintDate>");
        }
        if let Some(DateOrDays::Date(d)) = t.target {
            let _ = write!(x, "<Deadline>{d}T{}</Deadline>", clock(ce));
        }
        for l in &t.predecessors {
            let Some(p) = uid_of.get(l.pred.as_str()) else {
                continue;
            };
            let kind = match l.kind {
                LinkKind::FF => 0,
                LinkKind::FS => 1,
                LinkKind::SF => 2,
                LinkKind::SS => 3,
            };
            // Tenths of a minute of the successor's working day.
            let lag = (l.lag * f64::from(cal_mpd) * 10.0).round() as i64;
            let _ = write!(
                x,
                "<PredecessorLink><PredecessorUID>{p}</PredecessorUID><Type>{kind}</Type><CrossProject>0</CrossProject><LinkLag>{lag}</LinkLag><LagFormat>7</LagFormat></PredecessorLink>"
            );
        }
        let _ = write!(
            x,
            "<ExtendedAttribute><FieldID>{TEXT1}</FieldID><Value>{}</Value></ExtendedAttribute>",
            esc(&t.id)
        );
        if let Some(v) = values.get(&t.id) {
            written.tasks += 1;
            for (field, id, _) in &chosen {
                let value = match v.cell(*field) {
                    Some(Cell::Date(d, finish)) => {
                        format!("{d}T{}", clock(if finish { ce } else { cs }))
                    }
                    Some(Cell::Number(n)) => decimal(n),
                    None => continue,
                };
                let _ = write!(
                    x,
                    "<ExtendedAttribute><FieldID>{id}</FieldID><Value>{value}</Value></ExtendedAttribute>"
                );
            }
        }
        x.push_str("</Task>\n");
    }
    x.push_str("</Tasks>\n</Project>\n");
    Ok((x, written))
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
