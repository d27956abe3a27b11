//! Writing back into a Primavera P6 XER: UDFTYPE and UDFVALUE rows added to the source's lines.

use super::*;

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

pub(super) fn xer(
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
