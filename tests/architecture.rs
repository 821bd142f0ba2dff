//! ARCHITECTURE.md's code map names every file: a newcomer who looks a file up there finds it.
//! A file of a crate is named when its crate's section gives its path (from `src/`, or
//! `tests/NAME` for an integration test; below a directory the section names, its path from
//! there), or when any line gives its whole path (`crates/CRATE/...`); a file of the top-level
//! `tests/` when the document gives `tests/PATH`, or the `tests/` section its path below
//! `tests/`.

#![allow(clippy::unwrap_used)]

use mfa_testkit::repo_root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The source files below `dir`, relative to `dir`, sorted.
fn files_below(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path: PathBuf = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "__pycache__" {
                    pending.push(path);
                }
            } else if [".rs", ".py", ".css", ".sql"]
                .iter()
                .any(|e| name.ends_with(e))
            {
                let relative = path.strip_prefix(dir).unwrap();
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

/// The text from the heading that starts with `heading` to the next heading of any level.
fn section<'a>(document: &'a str, heading: &str) -> Option<&'a str> {
    let start = document.find(&format!("\n{heading}"))?;
    let body = &document[start + 1..];
    let end = body[1..].find("\n#").map_or(body.len(), |at| at + 1);
    Some(&body[..end])
}

/// Whether `section` names `path`: the path itself, or, once the section names the path's
/// first directory (`config/`), the path below it (`validate.rs`, `secrets/tests.rs`).
fn section_names(section: &str, path: &str) -> bool {
    names(section, path)
        || path.split_once('/').is_some_and(|(dir, below)| {
            section.contains(&format!("{dir}/")) && names(section, below)
        })
}

/// Whether `text` names `path`: the path not preceded by more of a path or a name.
fn names(text: &str, path: &str) -> bool {
    text.match_indices(path).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + path.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || "_/.-".contains(c))
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

#[test]
fn the_code_map_names_every_file_of_every_crate_and_of_tests() {
    let root = repo_root();
    let document = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut unnamed = Vec::new();
    for crate_dir in std::fs::read_dir(root.join("crates")).unwrap() {
        let crate_dir = crate_dir.unwrap().path();
        let crate_name = crate_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let heading = format!("### `crates/{crate_name}`");
        let crate_section = section(&document, &heading).unwrap_or_else(|| {
            unnamed.push(format!("(no section `{heading}`)"));
            ""
        });
        for (part, strip) in [("src", true), ("tests", false)] {
            if !crate_dir.join(part).is_dir() {
                continue;
            }
            for file in files_below(&crate_dir.join(part)) {
                let in_section = if strip {
                    file.clone()
                } else {
                    format!("{part}/{file}")
                };
                let whole = format!("crates/{crate_name}/{part}/{file}");
                if !section_names(crate_section, &in_section) && !names(&document, &whole) {
                    unnamed.push(whole);
                }
            }
        }
    }
    let tests_section = section(&document, "### `tests/`").unwrap();
    for file in files_below(&root.join("tests")) {
        let whole = format!("tests/{file}");
        if !section_names(tests_section, &file) && !names(&document, &whole) {
            unnamed.push(whole);
        }
    }
    assert!(
        unnamed.is_empty(),
        "ARCHITECTURE.md's code map does not name these files; add each, with its job, to its \
         crate's section (or `tests/`):\n  {}",
        unnamed.join("\n  ")
    );
}

/// The project's crates each crate's `[dependencies]` name (dev-dependencies aside).
fn project_dependencies(manifest: &Path) -> (String, BTreeSet<String>) {
    let text = std::fs::read_to_string(manifest).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    let name = table["package"]["name"].as_str().unwrap().to_string();
    let dependencies = table
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|d| {
            d.keys()
                .filter(|k| k.starts_with("mfa-"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    (name, dependencies)
}

/// The diagram of ARCHITECTURE.md's bird's-eye view: `crate ──> a, b` per line.
fn allowed_dependencies(document: &str) -> BTreeMap<String, BTreeSet<String>> {
    let start = document.find("\n```\nmfa-auditor").unwrap() + 5;
    let end = start + document[start..].find("```").unwrap();
    document[start..end]
        .lines()
        .map(|line| {
            let (from, to) = line.split_once("──>").unwrap();
            let from = from.split_whitespace().next().unwrap().to_string();
            let to = to
                .split(',')
                .filter_map(|t| t.split_whitespace().next())
                .filter(|t| t.starts_with("mfa-"))
                .map(str::to_string)
                .collect();
            (from, to)
        })
        .collect()
}

#[test]
fn every_crate_depends_on_exactly_what_the_bird_s_eye_view_allows() {
    let root = repo_root();
    let document = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let allowed = allowed_dependencies(&document);
    assert!(allowed.len() >= 7, "{allowed:?}");
    for crate_dir in std::fs::read_dir(root.join("crates")).unwrap() {
        let (name, dependencies) =
            project_dependencies(&crate_dir.unwrap().path().join("Cargo.toml"));
        // The test kit and the benchmark's load generator are outside the diagram: the text
        // beneath it says they depend on nothing of the project.
        let wanted = match name.as_str() {
            "mfa-testkit" | "mfa-bench" => BTreeSet::new(),
            _ => allowed
                .get(&name)
                .unwrap_or_else(|| panic!("{name} is not in ARCHITECTURE.md's diagram"))
                .clone(),
        };
        assert_eq!(
            dependencies, wanted,
            "{name}: its Cargo.toml against the diagram"
        );
    }
}
