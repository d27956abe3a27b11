//! A CSV file as the plan readers see it: known columns by name, rows with line numbers,
//! and field parsers that produce positioned diagnostics.
//!
//! Conventions shared by every plan file (SPEC §1): UTF-8 with or without a BOM, a header
//! row, free column order, header names trimmed and compared case-insensitively, values
//! trimmed, blank lines and lines starting with `#` skipped, columns starting with `_`
//! ignored, any other unknown column an error naming the closest known column.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;

use crate::error::{Diagnostic, Diags, Error};

/// Largest magnitude accepted for any duration, lag or impact, in working days
/// (about 4,000 years). Larger values are almost always a typo and would overflow
/// the single-precision lanes of the kernel.
pub const MAX_DAYS: f64 = 1.0e6;

/// Largest plan file read (512 MiB, several million rows): larger files are refused with
/// a message rather than exhausting memory.
pub const MAX_FILE_BYTES: u64 = 512 << 20;

/// Longest id accepted (characters).
pub const MAX_ID_CHARS: usize = 200;

/// A parsed CSV file with its header mapped to known column names.
pub(crate) struct Sheet {
    pub file: String,
    cols: HashMap<String, usize>,
    /// Header names (lower case) in file order.
    pub names: Vec<String>,
    pub rows: Vec<Row>,
}

/// One data row and the 1-based line it starts on.
pub(crate) struct Row {
    pub line: u64,
    rec: csv::StringRecord,
}

impl Sheet {
    /// Parses a CSV file held in memory, shown to the user as `file`. `known` lists the
    /// column names it may have (empty: any); `required` those it must have. Problems go to
    /// `diags`; `None` when the file cannot be used at all.
    pub fn parse(
        bytes: &[u8],
        file: &str,
        known: &[&'static str],
        required: &[&'static str],
        diags: &mut Diags,
    ) -> Option<Sheet> {
        Self::parse_inner(bytes, file, known, required, false, diags)
    }

    /// Parses a tracker's export: any columns, a column repeated (Jira's `Sprint`,
    /// `Labels`) read from its first occurrence.
    pub fn parse_export(bytes: &[u8], file: &str, diags: &mut Diags) -> Option<Sheet> {
        Self::parse_inner(bytes, file, &[], &[], true, diags)
    }

    fn parse_inner(
        bytes: &[u8],
        file: &str,
        known: &[&'static str],
        required: &[&'static str],
        repeats: bool,
        diags: &mut Diags,
    ) -> Option<Sheet> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if let Err(e) = std::str::from_utf8(bytes) {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            diags.push(
                Diagnostic::new(file, "the file is not UTF-8 text")
                    .line(line as u64)
                    .fix("save the file as UTF-8 CSV"),
            );
            return None;
        }
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .comment(Some(b'#'))
            .from_reader(bytes);
        let mut records = rdr.records();
        let header = loop {
            match records.next() {
                None => {
                    diags.push(
                        Diagnostic::new(file, "the file is empty")
                            .fix(format!("add a header row: {}", required.join(","))),
                    );
                    return None;
                }
                Some(Err(e)) => {
                    diags.push(csv_error(file, &e));
                    return None;
                }
                Some(Ok(rec)) if is_blank(&rec) => continue,
                Some(Ok(rec)) => break rec,
            }
        };
        let mut lines = LineCounter {
            bytes,
            pos: 0,
            line: 1,
        };
        let header_line = lines.line_of(&header);
        // A spreadsheet saved in a locale with decimal commas separates fields by ';'.
        if header.len() == 1
            && header[0]
                .split(';')
                .filter(|x| !x.trim().is_empty())
                .count()
                > 1
        {
            diags.push(
                Diagnostic::new(
                    file,
                    "this file separates its columns with ';' (a spreadsheet export in a locale with decimal commas)",
                )
                .line(header_line)
                .fix("save it as \"CSV UTF-8 (comma delimited)\" with decimal points (1.5, not 1,5); slipcast uses ';' only inside a field, e.g. between predecessors"),
            );
            return None;
        }
        let mut cols = HashMap::new();
        let mut ok = true;
        for (i, raw) in header.iter().enumerate() {
            let name = raw.trim().to_ascii_lowercase();
            if name.starts_with('_') {
                continue;
            }
            if name.is_empty() {
                diags.push(
                    Diagnostic::new(file, format!("header field {} is empty", i + 1))
                        .line(header_line)
                        .fix(
                            "name the column, or start its name with _ to have slipcast ignore it",
                        ),
                );
                ok = false;
                continue;
            }
            // An empty `known` list accepts any column (files whose columns the caller
            // interprets itself, such as throughput histories).
            let found = if known.is_empty() {
                Some(name.as_str())
            } else {
                known.iter().find(|k| **k == name).copied()
            };
            match found {
                Some(k) if repeats => {
                    cols.entry(k.to_string()).or_insert(i);
                }
                Some(k) => {
                    if cols.insert(k.to_string(), i).is_some() {
                        diags.push(
                            Diagnostic::new(
                                file,
                                format!("column {k} appears twice in the header"),
                            )
                            .line(header_line)
                            .column(k)
                            .fix("remove or rename one of the two columns"),
                        );
                        ok = false;
                    }
                }
                None => {
                    let near = closest(&name, known);
                    diags.push(
                        Diagnostic::new(file, format!("unknown column \"{}\"", raw.trim()))
                            .line(header_line)
                            .column(raw.trim())
                            .fix(match near {
                                Some(n) => format!(
                                    "did you mean \"{n}\"? (a column starting with _ is ignored)"
                                ),
                                None => format!(
                                    "known columns are {}; start a column name with _ to keep your own notes",
                                    known.join(", ")
                                ),
                            }),
                    );
                    ok = false;
                }
            }
        }
        for r in required {
            if !cols.contains_key(*r) {
                diags.push(
                    Diagnostic::new(file, format!("required column {r} is missing"))
                        .line(header_line)
                        .fix(format!("add a column named {r} to the header row")),
                );
                ok = false;
            }
        }
        let width = header.len();
        let mut rows = Vec::new();
        for rec in records {
            match rec {
                Err(e) => {
                    diags.push(csv_error(file, &e));
                    ok = false;
                    break;
                }
                Ok(rec) => {
                    if is_blank(&rec) {
                        continue;
                    }
                    let line = lines.line_of(&rec);
                    if rec.len() != width {
                        diags.push(
                            Diagnostic::new(
                                file,
                                format!(
                                    "the row has {} fields but the header has {width}",
                                    rec.len()
                                ),
                            )
                            .line(line)
                            .fix(if rec.len() > width && rec.iter().any(|f| f.trim().chars().all(|c| c.is_ascii_digit())) {
                                "quote values that contain commas, write decimals with a point (1.5, not 1,5), and give every row one field per header column"
                            } else {
                                "quote values that contain commas, and give every row one field per header column"
                            }),
                        );
                        ok = false;
                        continue;
                    }
                    rows.push(Row { line, rec });
                }
            }
        }
        if !ok && cols.is_empty() {
            return None;
        }
        let mut names: Vec<(usize, String)> = cols.iter().map(|(k, v)| (*v, k.clone())).collect();
        names.sort();
        Some(Sheet {
            file: file.to_string(),
            names: names.into_iter().map(|(_, k)| k).collect(),
            cols,
            rows,
        })
    }

    /// The trimmed value of column `name` in `row`; `None` when the column is absent or
    /// the value is empty.
    pub fn get<'r>(&self, row: &'r Row, name: &str) -> Option<&'r str> {
        let i = *self.cols.get(name)?;
        let v = row.rec.get(i)?.trim();
        if v.is_empty() { None } else { Some(v) }
    }

    /// A diagnostic positioned at `row`, column `col`.
    /// The row's id (task or risk), when the sheet has an `id` column, is named too.
    pub fn diag(&self, row: &Row, col: &str, msg: impl Into<String>) -> Diagnostic {
        let d = Diagnostic::new(&self.file, msg).line(row.line).column(col);
        match self.get(row, "id") {
            Some(id) if col != "id" => d.subject(id),
            _ => d,
        }
    }

    /// Column `col` as a finite number in `[-MAX_DAYS, MAX_DAYS]`.
    pub fn number(&self, row: &Row, col: &str, diags: &mut Diags) -> Option<f64> {
        let v = self.get(row, col)?;
        match parse_number(v) {
            Ok(x) => Some(x),
            Err(why) => {
                diags.push(
                    self.diag(row, col, why)
                        .fix("write a plain decimal number such as 12 or 4.5"),
                );
                None
            }
        }
    }

    /// Column `col` as a `;`-separated list of non-empty, trimmed items (empty when absent).
    pub fn list(&self, row: &Row, col: &str) -> Vec<String> {
        self.get(row, col)
            .map(|v| {
                v.split(';')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Column `col` as a probability in [0, 1]; `None` when absent or invalid (with a
    /// diagnostic when invalid).
    pub fn probability(&self, row: &Row, col: &str, diags: &mut Diags) -> Option<f64> {
        // "30%" or "30 %": a percentage where a fraction is expected; the fix gives it.
        let as_fraction = |pct: f64| {
            let f = crate::num::round4(pct / 100.0);
            format!("write the chance as a fraction between 0 and 1: {f} for {pct} %")
        };
        if let Some(v) = self.get(row, col)
            && let Some(pct) = v
                .strip_suffix('%')
                .and_then(|x| x.trim().parse::<f64>().ok())
                .filter(|x| x.is_finite())
        {
            diags.push(
                self.diag(row, col, format!("expected a probability, found \"{v}\""))
                    .fix(as_fraction(pct)),
            );
            return None;
        }
        match self.number(row, col, diags) {
            Some(p) if (0.0..=1.0).contains(&p) => Some(p),
            Some(p) => {
                diags.push(
                    self.diag(
                        row,
                        col,
                        format!("probability must be between 0 and 1, found {p}"),
                    )
                    .fix(if p > 1.0 && p <= 100.0 {
                        as_fraction(p)
                    } else {
                        "write the chance as a fraction between 0 and 1: 0.3 for 30 %".into()
                    }),
                );
                None
            }
            None => None,
        }
    }

    /// Column `col` as a number that must also be ≥ 0.
    pub fn non_negative(&self, row: &Row, col: &str, diags: &mut Diags) -> Option<f64> {
        let x = self.number(row, col, diags)?;
        if x < 0.0 {
            diags.push(
                self.diag(row, col, format!("must not be negative, found {x}"))
                    .fix("durations and weights are zero or more working days"),
            );
            return None;
        }
        Some(x)
    }

    /// Column `col` as a `YYYY-MM-DD` date.
    pub fn date(&self, row: &Row, col: &str, diags: &mut Diags) -> Option<NaiveDate> {
        let v = self.get(row, col)?;
        match parse_date(v) {
            Some(d) => Some(d),
            None => {
                diags.push(
                    self.diag(row, col, format!("expected a date, found \"{v}\""))
                        .fix("write dates as YYYY-MM-DD, e.g. 2027-03-15"),
                );
                None
            }
        }
    }

    /// Column `col` as `true`/`false` (also yes/no, y/n, 1/0).
    pub fn boolean(&self, row: &Row, col: &str, diags: &mut Diags) -> Option<bool> {
        let v = self.get(row, col)?;
        match v.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" | "x" => Some(true),
            "false" | "no" | "n" | "0" => Some(false),
            _ => {
                diags.push(
                    self.diag(row, col, format!("expected true or false, found \"{v}\""))
                        .fix("write true or false"),
                );
                None
            }
        }
    }
}

/// Reads a file of at most [`MAX_FILE_BYTES`]; a larger one is a diagnostic (`None`).
pub(crate) fn read_limited(
    path: &Path,
    file: &str,
    diags: &mut Diags,
) -> Result<Option<Vec<u8>>, Error> {
    let err = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    // Only regular files: a device (/dev/zero) would be read forever and opening a FIFO
    // blocks until a writer comes.
    if !std::fs::metadata(path).map_err(err)?.is_file() {
        diags.push(
            Diagnostic::new(
                file,
                "not a regular file (a folder, device, pipe or socket)",
            )
            .fix("give the path of a file saved on disk"),
        );
        return Ok(None);
    }
    let mut f = std::fs::File::open(path).map_err(err)?;
    let size = f.metadata().map_err(err)?.len();
    if size > MAX_FILE_BYTES {
        diags.push(
            Diagnostic::new(
                file,
                format!(
                    "the file is {:.1} GiB; slipcast reads plan files of up to {} MiB",
                    size as f64 / (1u64 << 30) as f64,
                    MAX_FILE_BYTES >> 20
                ),
            )
            .fix("split the plan, or check that this is the right file"),
        );
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(size as usize);
    f.read_to_end(&mut bytes).map_err(err)?;
    Ok(Some(bytes))
}

/// Parses a finite number within `±MAX_DAYS`; the error says why not.
pub(crate) fn parse_number(v: &str) -> Result<f64, String> {
    match v.parse::<f64>() {
        Ok(x) if x.is_nan() => Err(format!("expected a number, found \"{v}\"")),
        Ok(x) if x.is_infinite() => Err(format!("expected a finite number, found \"{v}\"")),
        Ok(x) if x.abs() > MAX_DAYS => Err(format!(
            "{v} is out of range (at most {MAX_DAYS:e} working days in magnitude)"
        )),
        Ok(x) => Ok(x),
        Err(_) => Err(format!("expected a number, found \"{v}\"")),
    }
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok()
}

/// Finds the line a record starts on. The csv reader's own position points at the
/// start of any blank or comment lines skipped before a record, so skip those here.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn line_of(&mut self, rec: &csv::StringRecord) -> u64 {
        let start = rec
            .position()
            .map_or(self.pos, |p| p.byte() as usize)
            .min(self.bytes.len());
        while self.pos < start {
            if self.bytes[self.pos] == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
        loop {
            let rest = &self.bytes[self.pos..];
            let end = rest.iter().position(|&b| b == b'\n');
            let text = &rest[..end.unwrap_or(rest.len())];
            let skip = text.iter().all(|b| b.is_ascii_whitespace() || *b == b',')
                || text.first() == Some(&b'#');
            match end {
                Some(e) if skip => {
                    self.pos += e + 1;
                    self.line += 1;
                }
                _ => return self.line,
            }
        }
    }
}

fn is_blank(rec: &csv::StringRecord) -> bool {
    rec.iter().all(|f| f.trim().is_empty())
}

fn csv_error(file: &str, e: &csv::Error) -> Diagnostic {
    let line = e.position().map(|p| p.line());
    let mut d = Diagnostic::new(file, format!("cannot parse the CSV: {e}"))
        .fix("check quoting: a quoted field must end with a closing quote");
    d.line = line;
    d
}

/// The known name closest to `name` by edit distance, if it is close enough to be a typo.
pub(crate) fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let n = name.chars().count();
    known
        .iter()
        // A candidate whose length differs by more than the distance allowed cannot
        // be close: skip it before the edit distance.
        .filter(|k| {
            let m = k.chars().count();
            n.abs_diff(m) <= 2.max(m / 3)
        })
        .map(|k| (levenshtein(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.chars().count() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// "Did you mean …?" for unknown ids, with a bounded cost: candidates in sorted order
/// (ties go to the first), and suggestions for the first [`Suggester::BUDGET`] unknown
/// names only — a file with thousands of unknown ids costs no more than one with a
/// hundred.
pub(crate) struct Suggester<'a> {
    ids: Vec<&'a str>,
    left: usize,
}

impl<'a> Suggester<'a> {
    /// Suggestions computed per run.
    pub const BUDGET: usize = 100;

    /// Over the known ids (any order; duplicates are fine).
    pub fn new(ids: impl IntoIterator<Item = &'a str>) -> Self {
        let mut ids: Vec<&str> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        Suggester {
            ids,
            left: Self::BUDGET,
        }
    }

    /// The fix for an unknown `name`: the closest known id while the budget lasts,
    /// else `otherwise`.
    pub fn fix(&mut self, name: &str, otherwise: &str) -> String {
        if self.left == 0 {
            return otherwise.to_string();
        }
        self.left -= 1;
        match closest(name, &self.ids) {
            Some(c) => format!("did you mean {c}?"),
            None => otherwise.to_string(),
        }
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The first `max` items joined by commas, then "… and N more".
pub(crate) fn listing<S: AsRef<str>>(items: &[S], max: usize) -> String {
    let mut s = items
        .iter()
        .take(max)
        .map(AsRef::as_ref)
        .collect::<Vec<&str>>()
        .join(", ");
    if items.len() > max {
        s.push_str(&format!(", … and {} more", items.len() - max));
    }
    s
}

/// "1 task", "3 tasks".
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos() {
        let known = ["id", "likely", "predecessors", "milestone"];
        assert_eq!(closest("likley", &known), Some("likely"));
        assert_eq!(closest("predecesors", &known), Some("predecessors"));
        assert_eq!(closest("colour", &known), None);
    }

    #[test]
    fn numbers_reject_nan_inf_and_huge() {
        assert!(parse_number("NaN").is_err());
        assert!(parse_number("inf").is_err());
        assert!(parse_number("1e308").is_err());
        assert_eq!(parse_number("-1.5"), Ok(-1.5));
    }

    #[test]
    fn header_is_case_insensitive_and_bom_crlf_tolerated() {
        let mut d = Diags::default();
        let s = Sheet::parse(
            b"\xEF\xBB\xBFID , Likely\r\n\r\n# comment\r\na, 3 \r\n",
            "t.csv",
            &["id", "likely"],
            &["id"],
            &mut d,
        )
        .unwrap();
        assert!(d.is_empty(), "{:?}", d.0);
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.get(&s.rows[0], "likely"), Some("3"));
        assert_eq!(s.rows[0].line, 4);
    }
}
