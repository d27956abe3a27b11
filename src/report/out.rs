//! An output folder written as one set: a reader sees either the complete earlier set or
//! the complete new one, never a mix, whatever happens part-way (disk full, SIGKILL,
//! power loss).
//!
//! The new files are written and synced into a hidden staging folder beside `--out`
//! (`.NAME.slipcast-PID`, on the same filesystem); files of the user's in `--out` are
//! hard-linked into it; then the two folders are exchanged in one step (Linux
//! `renameat2(RENAME_EXCHANGE)`) and the old set is removed. A `.slipcast-manifest` lists
//! the set's files, so a later run knows which files are slipcast's: those it does not
//! write again disappear with the old set, and nothing else is ever deleted.
//!
//! Where the exchange is impossible — a folder of the user's inside `--out`, `--out`
//! being the current folder (a shell in it would be left in a deleted folder), a
//! filesystem without hard links or without `renameat2`, a parent folder slipcast may
//! not write — each file is still replaced atomically on its own, and stale slipcast
//! files are removed after the new ones are in place; the run says so.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The file in an output folder that lists the files of its set, one per line.
pub const MANIFEST: &str = ".slipcast-manifest";

/// Files slipcast writes into an output folder, for folders written before manifests
/// existed: the fixed names and the per-milestone charts.
fn looks_like_ours(name: &str) -> bool {
    const FIXED: &[&str] = &[
        "milestones.csv",
        "tasks.csv",
        "histogram.csv",
        "risks.csv",
        "correlations.csv",
        "paths.csv",
        "drivers.csv",
        "merges.csv",
        "resources.csv",
        "summary.json",
        "report.html",
        "drivers.svg",
        "compare.csv",
        "compare.json",
        "versions.csv",
        "versions.json",
        MANIFEST,
    ];
    FIXED.contains(&name) || name.ends_with("-scurve.svg") || name.ends_with("-scenarios.svg")
}

/// Why a set was not committed as one.
enum Fallback {
    /// Not possible here (the reason): write file by file instead.
    Yes(String),
    /// A write failed: report it; the old set is untouched.
    No(Error),
}

/// The files of one output set, written by [`OutSet::commit`].
#[derive(Debug, Default)]
pub struct OutSet {
    files: Vec<(String, Vec<u8>)>,
}

/// How a set was committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    /// The folder was exchanged with the new set in one step.
    AsOneSet,
    /// Each file was replaced atomically on its own (the reason is in the note).
    FileByFile,
}

impl OutSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) file `name` (a plain file name, no folders).
    pub fn add(&mut self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        let name = name.into();
        let bytes = bytes.into();
        match self.files.iter_mut().find(|(n, _)| *n == name) {
            Some(f) => f.1 = bytes,
            None => self.files.push((name, bytes)),
        }
    }

    /// The paths the files will have in `dir`.
    fn paths(&self, dir: &Path) -> Vec<PathBuf> {
        self.files.iter().map(|(n, _)| dir.join(n)).collect()
    }

    /// Writes the set into `dir` (created when missing). Returns the paths written, how
    /// the set was committed, and a note when it could not be committed as one set.
    pub fn commit(mut self, dir: &Path) -> Result<(Vec<PathBuf>, Committed, Option<String>)> {
        let manifest: String = self.files.iter().map(|(n, _)| format!("{n}\n")).collect();
        self.add(MANIFEST, manifest);
        let werr = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Write { path, source }
        };
        std::fs::create_dir_all(dir).map_err(werr(dir))?;
        let dir = dir.canonicalize().map_err(werr(dir))?;
        sweep_stale_staging(&dir);
        let old_set = read_set(&dir);
        match self.as_one_set(&dir, &old_set) {
            Ok(()) => Ok((self.paths(&dir), Committed::AsOneSet, None)),
            // Writing the set failed (disk full, …): the old set is untouched.
            Err(Fallback::No(e)) => Err(e),
            Err(Fallback::Yes(why)) => {
                self.file_by_file(&dir, &old_set)?;
                Ok((
                    self.paths(&dir),
                    Committed::FileByFile,
                    Some(format!(
                        "{}: files were replaced one by one, not as one set ({why})",
                        dir.display()
                    )),
                ))
            }
        }
    }

    /// Staging folder, hard links, exchange. On `Err`, nothing in `dir` has changed:
    /// [`Fallback::Yes`] says why the set cannot be committed this way here (write it
    /// file by file), [`Fallback::No`] is a failed write (report it).
    fn as_one_set(&self, dir: &Path, old_set: &[String]) -> std::result::Result<(), Fallback> {
        let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
            return Err(Fallback::Yes(
                "the output folder has no parent folder".into(),
            ));
        };
        let staging = parent.join(format!(
            ".{}.slipcast-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        // Files of the user's: carried into the new set by hard links. A folder of the
        // user's cannot be carried atomically.
        let fallback = |why: String| Fallback::Yes(why);
        // Exchanging the folder a shell is in would leave that shell in a deleted folder.
        if std::env::current_dir()
            .and_then(|c| c.canonicalize())
            .is_ok_and(|c| c.starts_with(dir))
        {
            return Err(fallback("it is the current folder or holds it".into()));
        }
        let mut theirs = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| fallback(e.to_string()))?;
        for e in entries {
            let e = e.map_err(|e| fallback(e.to_string()))?;
            let n = e.file_name().to_string_lossy().into_owned();
            if old_set.contains(&n) || self.files.iter().any(|(f, _)| *f == n) || is_temp(&n) {
                continue;
            }
            let ft = e.file_type().map_err(|e| fallback(e.to_string()))?;
            if ft.is_dir() {
                return Err(fallback(format!("it holds a folder of yours, {n}")));
            }
            theirs.push(n);
        }
        std::fs::create_dir(&staging)
            .map_err(|e| fallback(format!("cannot create {}: {e}", staging.display())))?;
        crate::report::track_temporary(&staging);
        let result = (|| -> std::result::Result<(), Fallback> {
            for (n, bytes) in &self.files {
                let p = staging.join(n);
                let write = || -> std::io::Result<()> {
                    let mut f = std::fs::File::create(&p)?;
                    f.write_all(bytes)?;
                    f.sync_all()
                };
                write().map_err(|source| {
                    Fallback::No(Error::Write {
                        path: dir.join(n),
                        source,
                    })
                })?;
            }
            for n in &theirs {
                std::fs::hard_link(dir.join(n), staging.join(n))
                    .map_err(|e| fallback(format!("cannot link {n} into the new set: {e}")))?;
            }
            sync_dir(&staging);
            exchange(&staging, dir).map_err(fallback)
        })();
        match result {
            Ok(()) => {
                // The staging path now holds the old set (and links to the user's files,
                // which stay in the new folder).
                sync_dir(parent);
                let _ = std::fs::remove_dir_all(&staging);
                crate::report::untrack_temporary(&staging);
                Ok(())
            }
            Err(why) => {
                let _ = std::fs::remove_dir_all(&staging);
                crate::report::untrack_temporary(&staging);
                Err(why)
            }
        }
    }

    /// Each file atomically on its own, then the stale files of the old set removed.
    fn file_by_file(&self, dir: &Path, old_set: &[String]) -> Result<()> {
        // The manifest last: until it is replaced, the old one still names every file a
        // later run may need to clean up.
        for (n, bytes) in self.files.iter().filter(|(n, _)| n != MANIFEST) {
            crate::report::write_atomic(&dir.join(n), bytes)?;
        }
        if let Some((n, bytes)) = self.files.iter().find(|(n, _)| n == MANIFEST) {
            crate::report::write_atomic(&dir.join(n), bytes)?;
        }
        for n in old_set {
            if !self.files.iter().any(|(f, _)| f == n) {
                let _ = std::fs::remove_file(dir.join(n));
            }
        }
        Ok(())
    }
}

/// The files of the set in `dir`: its manifest's list, or (written before manifests)
/// the files that look like slipcast's.
fn read_set(dir: &Path) -> Vec<String> {
    let safe = |n: &str| !n.is_empty() && !n.contains(['/', '\\']) && n != "." && n != "..";
    if let Ok(text) = std::fs::read_to_string(dir.join(MANIFEST)) {
        let mut v: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|n| safe(n))
            .map(String::from)
            .collect();
        v.push(MANIFEST.into());
        return v;
    }
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| looks_like_ours(n))
                .collect()
        })
        .unwrap_or_default()
}

/// Removes staging folders beside `dir` that a killed run left (`.NAME.slipcast-PID`
/// whose process no longer exists). Only on Linux, where a process's existence can be
/// told from /proc.
fn sweep_stale_staging(dir: &Path) {
    if !cfg!(target_os = "linux") || !Path::new("/proc/self").exists() {
        return;
    }
    let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
        return;
    };
    let prefix = format!(".{}.slipcast-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = n.strip_prefix(&prefix) else {
            continue;
        };
        if pid.is_empty()
            || !pid.bytes().all(|b| b.is_ascii_digit())
            || pid == std::process::id().to_string()
            || Path::new("/proc").join(pid).exists()
        {
            continue;
        }
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// slipcast's own temporary files (`.NAME.tmp-PID`).
fn is_temp(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Exchanges two folders in one step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::result::Result<(), String> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    let cb = CString::new(b.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: both paths are valid NUL-terminated strings for the duration of the call;
    // renameat2 only reads them.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!(
            "the filesystem cannot exchange folders: {}",
            std::io::Error::last_os_error()
        ))
    }
}

/// Exchanges two folders in one step (not available here).
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::result::Result<(), String> {
    Err("this system cannot exchange folders in one step".into())
}

/// Refuses an `--out` folder that holds a plan being read: slipcast's outputs
/// (`tasks.csv`, `risks.csv`, `correlations.csv`) would replace its input files.
pub fn refuse_plan_folder(out: Option<&Path>, plans: &[&Path]) -> crate::error::Result<()> {
    let Some(out) = out else { return Ok(()) };
    let Ok(out_c) = out.canonicalize() else {
        return Ok(()); // not there yet: it holds no plan
    };
    for plan in plans {
        let folder = if plan.is_dir() {
            Some(plan.to_path_buf())
        } else {
            plan.parent().map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".").to_path_buf()
                } else {
                    p.to_path_buf()
                }
            })
        };
        if folder.and_then(|f| f.canonicalize().ok()).as_deref() == Some(out_c.as_path()) {
            return Err(crate::error::Error::Argument {
                arg: crate::error::Arg::Out,
                message: format!(
                    " {} is the folder of the plan {}: the forecast's tasks.csv, risks.csv, resources.csv and correlations.csv would replace the plan's own files; write to another folder, e.g. {}",
                    out.display(),
                    plan.display(),
                    out.join("forecast").display()
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_new_set_replaces_the_old_one_and_keeps_the_users_files() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("forecast");
        let mut a = OutSet::new();
        a.add("milestones.csv", "old");
        a.add("M_EXIT-scurve.svg", "old chart");
        let (_, how, _) = a.commit(&out).unwrap();
        assert_eq!(how, Committed::AsOneSet);
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let mut b = OutSet::new();
        b.add("milestones.csv", "new");
        b.add("END-scurve.svg", "new chart");
        let (paths, how, note) = b.commit(&out).unwrap();
        assert_eq!((how, note), (Committed::AsOneSet, None));
        assert_eq!(paths.len(), 3);
        assert_eq!(
            names(&out),
            [
                ".slipcast-manifest",
                "END-scurve.svg",
                "milestones.csv",
                "notes.txt"
            ]
        );
        assert_eq!(
            std::fs::read_to_string(out.join("milestones.csv")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "mine"
        );
        // No staging folder is left beside it.
        assert_eq!(names(root.path()), ["forecast"]);
    }

    #[test]
    fn a_failed_write_leaves_the_old_set_whole_and_no_staging_folder() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("forecast");
        let mut a = OutSet::new();
        a.add("milestones.csv", "old");
        a.add("tasks.csv", "old tasks");
        a.commit(&out).unwrap();
        let before = names(&out);
        // A file the filesystem refuses (a name too long for it) fails the write of
        // the new set part-way, after milestones.csv was staged.
        let mut b = OutSet::new();
        b.add("milestones.csv", "new");
        b.add(format!("{}.csv", "x".repeat(300)), "cannot be written");
        b.add("tasks.csv", "new tasks");
        assert!(b.commit(&out).is_err());
        assert_eq!(names(&out), before);
        assert_eq!(
            std::fs::read_to_string(out.join("milestones.csv")).unwrap(),
            "old"
        );
        assert_eq!(names(root.path()), ["forecast"]);
    }

    #[test]
    fn a_staging_folder_left_by_a_killed_run_is_swept() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("forecast");
        // No process has PID 4,294,967,295.
        let stale = root.path().join(".forecast.slipcast-4294967295");
        std::fs::create_dir_all(&stale).unwrap();
        std::fs::write(stale.join("tasks.csv"), "half").unwrap();
        let mine = root.path().join(".forecast.slipcast-notes");
        std::fs::create_dir_all(&mine).unwrap();
        let mut s = OutSet::new();
        s.add("tasks.csv", "new");
        s.commit(&out).unwrap();
        assert!(!stale.exists() || !cfg!(target_os = "linux"));
        assert!(mine.exists(), "only slipcast's staging folders are swept");
    }

    #[test]
    fn a_folder_of_the_users_falls_back_to_file_by_file_and_says_so() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("forecast");
        std::fs::create_dir_all(out.join("mine")).unwrap();
        std::fs::write(out.join("tasks.csv"), "an old output").unwrap();
        std::fs::write(out.join("old-scurve.svg"), "an old chart").unwrap();
        let mut s = OutSet::new();
        s.add("tasks.csv", "new");
        let (_, how, note) = s.commit(&out).unwrap();
        assert_eq!(how, Committed::FileByFile);
        assert!(note.unwrap().contains("a folder of yours, mine"));
        assert_eq!(names(&out), [".slipcast-manifest", "mine", "tasks.csv"]);
    }
}
