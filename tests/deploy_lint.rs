//! The container and Kubernetes files, checked by the tools that define them: `hadolint` lints
//! both Dockerfiles; `kubernetes-validate` checks every manifest, rejecting unknown fields,
//! against the schemas of the oldest Kubernetes its header says it needs and of the newest the
//! tool knows. And the image's build context: `.dockerignore` lets through what the build reads
//! (the workspace resolves from it alone, every file a crate embeds is in it) and nothing of
//! `target/`, `.scratch/` or `.git`; the demo emulator's image holds every module it imports.

#![allow(clippy::unwrap_used)]

use mfa_testkit::{repo_root, validator};
use std::path::{Path, PathBuf};
use std::process::Command;

const REQUIREMENTS: &str =
    "pip install -r tests/validators/requirements.txt (scripts/test and .ci/run do)";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn said(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

#[test]
fn both_dockerfiles_lint_clean_with_hadolint() {
    let Some(hadolint) = validator("hadolint", REQUIREMENTS) else {
        return;
    };
    for dockerfile in ["Dockerfile", "tests/emulator/Dockerfile"] {
        let output = Command::new(&hadolint)
            .arg(repo_root().join(dockerfile))
            .output()
            .unwrap();
        assert!(output.status.success(), "{dockerfile}:\n{}", said(&output));
    }
}

/// The oldest Kubernetes a manifest says it needs: "(Kubernetes 1.31 or later)".
fn oldest_kubernetes(manifest: &str) -> String {
    manifest
        .split("(Kubernetes ")
        .nth(1)
        .and_then(|rest| rest.split_once(" or later)"))
        .map(|(version, _)| version.to_string())
        .expect("the header says \"(Kubernetes X.Y or later)\"")
}

#[test]
fn every_kubernetes_manifest_validates_strictly_from_its_oldest_kubernetes_to_the_newest() {
    let Some(validate) = validator("kubernetes-validate", REQUIREMENTS) else {
        return;
    };
    let dir = repo_root().join("deploy/kubernetes");
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    manifests.sort();
    assert!(manifests.len() >= 2, "{manifests:?}");
    for manifest in &manifests {
        let resources = read(manifest)
            .lines()
            .filter(|l| l.starts_with("kind: "))
            .count();
        // The tool's own default is the newest Kubernetes it knows.
        for version in [Some(oldest_kubernetes(&read(manifest))), None] {
            let mut command = Command::new(&validate);
            command.arg("--strict");
            if let Some(version) = &version {
                command.args(["--kubernetes-version", version]);
            }
            let output = command.arg(manifest).output().unwrap();
            let said = said(&output);
            assert!(
                output.status.success(),
                "{} ({version:?}):\n{said}",
                manifest.display()
            );
            assert_eq!(
                said.matches(" passed for resource ").count(),
                resources,
                "{} ({version:?}): every resource checked:\n{said}",
                manifest.display()
            );
        }
    }
}

/// What `.dockerignore` lets through: it excludes everything (`*`), then lets named paths back.
fn build_context() -> Vec<String> {
    let ignore = read(&repo_root().join(".dockerignore"));
    let mut lines = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    assert_eq!(
        lines.next(),
        Some("*"),
        ".dockerignore starts by excluding everything"
    );
    lines
        .map(|line| {
            let path = line
                .strip_prefix('!')
                .unwrap_or_else(|| panic!("{line}: a line this test does not know; teach it"));
            assert!(
                !path.contains(['*', '?', '[']),
                "{line}: a pattern this test does not know; teach it"
            );
            path.trim_matches('/').to_string()
        })
        .collect()
}

fn in_context(context: &[String], relative: &Path) -> bool {
    context.iter().any(|entry| relative.starts_with(entry))
}

fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}

/// Every `include_str!`, `include_bytes!` and `sqlx::migrate!` of the crates' sources and build
/// scripts, as a path from the repository's root.
fn embedded_files() -> Vec<PathBuf> {
    let root = repo_root();
    let mut found = Vec::new();
    let mut pending = vec![root.join("crates")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(&root).unwrap().to_path_buf();
            // Integration tests are not built into the image.
            if path.is_dir() && path.file_name().is_some_and(|n| n != "tests") {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = read(&path);
            for (macro_name, base) in [
                ("include_str!(\"", path.parent().unwrap().to_path_buf()),
                ("include_bytes!(\"", path.parent().unwrap().to_path_buf()),
                // Relative to the crate's manifest.
                (
                    "migrate!(\"",
                    root.join(relative.iter().take(2).collect::<PathBuf>()),
                ),
            ] {
                for (at, _) in text.match_indices(macro_name) {
                    let argument = &text[at + macro_name.len()..];
                    let argument = &argument[..argument.find('"').unwrap()];
                    let target = base.join(argument).canonicalize().unwrap();
                    found.push(target.strip_prefix(&root).unwrap().to_path_buf());
                }
            }
        }
    }
    found
}

#[test]
fn the_image_is_built_from_the_sources_alone() {
    let root = repo_root();
    let context = build_context();
    for entry in &context {
        assert!(
            root.join(entry).exists(),
            ".dockerignore lets through {entry}, which is not there"
        );
        for never in ["target", ".scratch", ".git"] {
            assert!(
                !Path::new(entry).starts_with(never) && !Path::new(never).starts_with(entry),
                ".dockerignore lets {never} through with {entry}"
            );
        }
    }
    let embedded = embedded_files();
    assert!(
        embedded.iter().any(|p| p.starts_with("migrations")),
        "the migrations are embedded: {embedded:?}"
    );
    for file in &embedded {
        assert!(
            in_context(&context, file),
            "the build embeds {}, which .dockerignore keeps out",
            file.display()
        );
    }
    // What the Dockerfile copies from the context.
    for line in read(&root.join("Dockerfile")).lines() {
        let Some(copy) = line.strip_prefix("COPY ") else {
            continue;
        };
        if copy.starts_with("--from=") {
            continue;
        }
        let words: Vec<&str> = copy.split_whitespace().collect();
        for source in &words[..words.len() - 1] {
            assert!(
                *source == "." || in_context(&context, Path::new(source)),
                "the Dockerfile copies {source}, which .dockerignore keeps out"
            );
        }
    }
    // The image builds --locked: with the dependencies the suite ran with, so from this lock.
    assert!(read(&root.join("Dockerfile")).contains("cargo build --release --locked "));
    assert!(
        in_context(&context, Path::new("Cargo.lock")),
        "the build is --locked: .dockerignore must let Cargo.lock through"
    );
    // The workspace's manifests and members resolve from the context alone (no dependency is
    // read: the registry's cache may not hold every platform's).
    let copy = std::env::temp_dir().join(format!("mfa-build-context-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    for entry in &context {
        copy_tree(&root.join(entry), &copy.join(entry));
    }
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--locked",
            "--format-version",
            "1",
        ])
        .current_dir(&copy)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&copy);
    assert!(
        output.status.success(),
        "cargo metadata in the build context:\n{}",
        said(&output)
    );
}

#[test]
fn the_demo_emulators_image_holds_every_module_the_emulator_imports() {
    let dir = repo_root().join("tests/emulator");
    let dockerfile = read(&dir.join("Dockerfile"));
    let copied = |file: &str| {
        dockerfile
            .lines()
            .filter_map(|l| l.strip_prefix("COPY "))
            .any(|copy| {
                let words: Vec<&str> = copy.split_whitespace().collect();
                words[..words.len() - 1]
                    .iter()
                    .any(|source| *source == file || (*source == "*.py" && file.ends_with(".py")))
            })
    };
    for program in ["mfa_emulator.py", "seed.py"] {
        assert!(copied(program), "{program}");
        for line in read(&dir.join(program)).lines() {
            let module = line
                .strip_prefix("import ")
                .or_else(|| line.strip_prefix("from "))
                .and_then(|rest| rest.split([' ', '.']).next());
            if let Some(module) = module {
                let file = format!("{module}.py");
                if dir.join(&file).is_file() {
                    assert!(
                        copied(&file),
                        "{program} imports {module}, which the image lacks"
                    );
                }
            }
        }
    }
}
