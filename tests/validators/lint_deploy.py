"""Lints what deploy/ ships with the tools that define each kind, and fails on any finding.

    lint_deploy.py DEPLOY_DIR

- every IAM policy and SCP (*.json with a "Statement") with parliament;
- every CloudFormation template (*.yaml / *.yml with "AWSTemplateFormatVersion") with cfn-lint;
- every Terraform file (*.tf) parsed as HCL2.

A role's trust policy and the Organizations delegation policy (statements with a "Principal") are
resource policies, which parliament does not model (it asks every statement for a Resource): they
are listed as skipped; the trust policy's `sts:ExternalId` condition is checked by the Rust tests
and the emulator's AssumeRole, and both principals by tests/deployment_story.rs.
Prints one line per file and per finding; exits 1 on any finding.
"""

import json
import pathlib
import subprocess
import sys


def lint_policy(path):
    from parliament import analyze_policy_string

    text = path.read_text()
    document = json.loads(text)
    if any("Principal" in s or "NotPrincipal" in s for s in document.get("Statement", [])):
        return None
    policy = analyze_policy_string(text, filepath=str(path))
    return [f"{f.issue}: {f.detail} at {f.location}" for f in policy.findings]


def lint_template(path):
    result = subprocess.run(
        [str(pathlib.Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", str(path)],
        capture_output=True,
        text=True,
    )
    findings = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 and not findings:
        findings = [f"cfn-lint exited {result.returncode}: {result.stderr.strip()}"]
    return findings


def lint_terraform(path):
    import hcl2

    try:
        with path.open() as handle:
            hcl2.load(handle)
    except Exception as error:  # hcl2 raises lark's errors, which share no base class
        return [f"not HCL2: {error}"]
    return []


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "deploy")
    problems = 0
    checked = 0
    for path in sorted(root.rglob("*")):
        if path.suffix == ".json" and "testdata" not in path.parts:
            if "Statement" not in json.loads(path.read_text()):
                continue
            findings, tool = lint_policy(path), "parliament"
        elif path.suffix in (".yaml", ".yml") and "AWSTemplateFormatVersion" in path.read_text():
            findings, tool = lint_template(path), "cfn-lint"
        elif path.suffix == ".tf":
            findings, tool = lint_terraform(path), "hcl2"
        else:
            continue
        if findings is None:
            print(f"{path}: skipped (a resource policy, trust or delegation: parliament lints identity policies and SCPs)")
            continue
        checked += 1
        print(f"{path}: {tool}: {len(findings)} findings")
        for finding in findings:
            print(f"  {finding}")
        problems += len(findings)
    if checked == 0:
        sys.exit(f"nothing to lint under {root}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
