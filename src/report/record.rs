//! The forecast record (`run --record FILE.csv`): one row per reported milestone and
//! run, appended to a CSV file kept over months, from which forecasts are scored once
//! the milestones are done.
//!
//! Appending is a whole-file replace under a lock: the file is read, the new rows are
//! added, and the result is written to a temporary file and renamed over the old one,
//! while a lock on `FILE.lock` keeps a second process out. A crash leaves the old file
//! or the new one, never a torn row; two processes appending at once both land.

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Diagnostic, Error, Result};
use crate::history::trend::check_header;
use crate::stats::Forecast;

pub use crate::history::trend::{COLUMNS, LEVELS};

/// A hash of what a forecast depends on: the plan's files (by name, in the order
/// given) and the run's settings, as 16 hexadecimal digits. Re-running the same plan
/// with the same settings gives the same hash, so the record counts it once.
pub fn plan_hash<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    settings: &str,
) -> String {
    let mut h = Sha256::new();
    for (name, bytes) in files {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    h.update(settings.as_bytes());
    h.finalize()[..8].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The rows a run adds: one per milestone of `f`, which needs a start date and the
/// percentiles 10, 50, 80 and 90 (`None` otherwise).
pub fn rows(f: &Forecast, plan: &str, recorded_at: &str, hash: &str) -> Option<Vec<Vec<String>>> {
    let mut out = Vec::with_capacity(f.milestones.len());
    for m in &f.milestones {
        let mut row = vec![
            recorded_at.to_string(),
            plan.to_string(),
            m.id.clone(),
            m.deterministic_date.clone()?,
        ];
        for p in LEVELS {
            let q = m.percentiles.iter().find(|q| q.p == p)?;
            row.push(q.date.clone()?);
        }
        let target = m.target.as_ref();
        row.push(target.and_then(|t| t.date.clone()).unwrap_or_default());
        row.push(
            target
                .map(|t| format!("{}", (t.probability * 1e4).round() / 1e4))
                .unwrap_or_default(),
        );
        row.push(f.iterations.to_string());
        row.push(f.seed.to_string());
        row.push(hash.to_string());
        out.push(row);
    }
    Some(out)
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// The rows were added (how many).
    Added(usize),
    /// The file already holds this run (the same plan hash): nothing was added.
    AlreadyRecorded,
}

fn csv_line(cells: &[String]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record(cells);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Checks, before a run, that `path` is absent or a record [`append`] can add to.
pub fn check(path: &Path) -> Result<()> {
    match std::fs::read(path) {
        Ok(b) => check_header(&String::from_utf8_lossy(&b), &path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Appends `rows` to the record at `path` (made, with its header, when absent), unless
/// it already holds rows with their plan hash. A file whose header is not
/// [`COLUMNS`] exits 2 untouched.
pub fn append(path: &Path, rows: &[Vec<String>]) -> Result<Appended> {
    let file = path.display().to_string();
    let lock_path = {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        path.with_file_name(name)
    };
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| Error::Write {
            path: lock_path.clone(),
            source,
        })?;
    lock.lock().map_err(|source| Error::Write {
        path: lock_path.clone(),
        source,
    })?;
    let existing = match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(Error::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let header = csv_line(&COLUMNS.map(String::from));
    let mut text = match existing {
        None => header.clone(),
        Some(bytes) => {
            let mut text = String::from_utf8(bytes).map_err(|_| {
                Error::Invalid(vec![
                    Diagnostic::new(&file, "the record is not UTF-8 text")
                        .fix("give --record a new file, or the record slipcast wrote"),
                ])
            })?;
            check_header(&text, &file)?;
            let hash = rows.first().and_then(|r| r.last()).map(String::as_str);
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let recorded = reader
                .records()
                .filter_map(|r| r.ok())
                .any(|r| r.get(COLUMNS.len() - 1) == hash);
            if recorded {
                return Ok(Appended::AlreadyRecorded);
            }
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text
        }
    };
    for r in rows {
        text.push_str(&csv_line(r));
    }
    super::write_atomic(path, text.as_bytes())?;
    drop(lock);
    Ok(Appended::Added(rows.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(hash: &str, m: &str) -> Vec<String> {
        let mut r: Vec<String> = COLUMNS.iter().map(|c| format!("{c}-x")).collect();
        r[2] = m.into();
        r[12] = hash.into();
        r
    }

    #[test]
    fn the_record_is_made_appended_once_per_run_and_guarded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forecasts.csv");
        let a = [row("aaaa", "M1"), row("aaaa", "M2")];
        assert_eq!(append(&path, &a).unwrap(), Appended::Added(2));
        assert_eq!(append(&path, &a).unwrap(), Appended::AlreadyRecorded);
        let b = [row("bbbb", "M1, with a comma")];
        assert_eq!(append(&path, &b).unwrap(), Appended::Added(1));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], COLUMNS.join(","));
        assert_eq!(lines.len(), 4);
        assert!(lines[3].contains("\"M1, with a comma\""));
        // Another file's columns: refused, untouched.
        let other = dir.path().join("other.csv");
        std::fs::write(&other, "milestone,date\nM,2027-01-01\n").unwrap();
        let err = append(&other, &a).unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "exit 2");
        assert!(
            err.to_string().contains("not slipcast's forecast record"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(&other).unwrap(),
            "milestone,date\nM,2027-01-01\n"
        );
    }

    #[test]
    fn the_plan_hash_changes_with_any_input() {
        let a = plan_hash([("tasks.csv", &b"id\nA"[..])], "seed=1");
        assert_eq!(a.len(), 16);
        assert_eq!(a, plan_hash([("tasks.csv", &b"id\nA"[..])], "seed=1"));
        assert_ne!(a, plan_hash([("tasks.csv", &b"id\nB"[..])], "seed=1"));
        assert_ne!(a, plan_hash([("tasks.csv", &b"id\nA"[..])], "seed=2"));
        // Moving bytes between files is a different plan.
        assert_ne!(
            plan_hash([("a", &b"xy"[..]), ("b", &b""[..])], ""),
            plan_hash([("a", &b"x"[..]), ("b", &b"y"[..])], "")
        );
    }
}
