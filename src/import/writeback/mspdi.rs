//! Writing back into Microsoft Project XML: custom-field definitions and values spliced into the source's bytes.

use super::*;

/// Microsoft Project's task custom date fields: Date1 … Date10.
pub(super) fn date_fields() -> impl Iterator<Item = (u32, String)> {
    (0..10).map(|k| (188_743_945 + k, format!("Date{}", k + 1)))
}

/// Its task custom number fields: Number1 … Number20.
pub(super) fn number_fields() -> impl Iterator<Item = (u32, String)> {
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
    let invalid = |why: String| super::super::xml::not_well_formed(file, why);
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

/// `HH:MM:00` of minutes after midnight, as MSPDI writes a time.
pub(super) fn clock(m: u16) -> String {
    format!("{:02}:{:02}:00", m / 60 % 24, m % 60)
}

/// A task's `ExtendedAttribute` holding `cell` in field `id` (nothing for no value); a
/// date at the start or the end of the working day `times`.
pub(super) fn value_element(out: &mut String, id: u32, cell: Option<Cell>, times: (u16, u16)) {
    let value = match cell {
        Some(Cell::Date(d, finish)) => {
            format!("{d}T{}", clock(if finish { times.1 } else { times.0 }))
        }
        Some(Cell::Number(x)) => decimal(x),
        None => return,
    };
    let _ = write!(
        out,
        "<ExtendedAttribute><FieldID>{id}</FieldID><Value>{value}</Value></ExtendedAttribute>"
    );
}

pub(super) fn mspdi(
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
            value_element(&mut text, *id, v.cell(*f), (day_start, day_end));
        }
        if let Some(at) = t.insert_at {
            edits.push((at, at, text));
            written.tasks += 1;
        }
    }
    Ok((splice(bytes, edits), written))
}
