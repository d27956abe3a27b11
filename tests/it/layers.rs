//! The layer rule of ARCHITECTURE.md, checked on the source: no module of the library
//! imports a module of a layer above it. Layers, bottom to top: error, num, lanes, plan,
//! model, sim, stats, history, analysis, report, import.

use std::path::Path;

const LAYERS: [&str; 11] = [
    "error", "num", "lanes", "plan", "model", "sim", "stats", "history", "analysis", "report",
    "import",
];

fn rank(name: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == name)
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut checked = 0;
    let mut upward = Vec::new();
    for f in &all {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let Some(own) = rank(top.trim_end_matches(".rs")) else {
            continue; // lib.rs (the facade), main.rs and cli/ sit above every layer
        };
        checked += 1;
        let text = std::fs::read_to_string(f).unwrap();
        // Unit tests may build what they need from any layer.
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (i, _) in line.match_indices("crate::") {
                let name: String = line[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                // The facade's re-exports (`crate::Error`) sit above every layer.
                if line[i + 7..].starts_with(|c: char| c.is_ascii_uppercase()) {
                    upward.push(format!(
                        "{}: {} (name the layer: `crate::error::Error`, not the facade's `crate::Error`)",
                        rel.display(),
                        line.trim()
                    ));
                }
                // A grouped `crate::{…}` would hide its layers from this check.
                if line[i + 7..].starts_with('{') {
                    upward.push(format!(
                        "{}: {} (write one `use crate::LAYER::…` per layer)",
                        rel.display(),
                        line.trim()
                    ));
                }
                if let Some(r) = rank(&name)
                    && r > own
                {
                    upward.push(format!("{}: {}", rel.display(), line.trim()));
                }
            }
        }
    }
    assert!(checked > 40, "only {checked} files checked");
    assert!(
        upward.is_empty(),
        "imports up the layers:\n{}",
        upward.join("\n")
    );
}
