"""Validates mfa-auditor's output with the tools that define each format.

    validate.py ocsf  < findings.jsonl   OCSF 1.5.0 Compliance Findings, with py-ocsf-models
    validate.py asff  < findings.json    ASFF, with botocore's BatchImportFindings input shape

Prints one line per problem and exits 1 if there is any; prints a count and exits 0 otherwise.
Unknown keys are problems too: pydantic would ignore them, so the OCSF check walks the models.
"""

import json
import sys
import typing


def ocsf(text):
    from pydantic import BaseModel, ValidationError
    from py_ocsf_models import OCSF_VERSION
    from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
    from py_ocsf_models.objects.cloud import Cloud

    def models_in(annotation):
        """The pydantic models an annotation holds (through Optional, list, dict)."""
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return [annotation]
        return [m for arg in typing.get_args(annotation) for m in models_in(arg)]

    def unknown_keys(model, value, where):
        """Keys of `value` that `model` does not define, recursively."""
        if not isinstance(value, dict):
            return []
        found = []
        for key, item in value.items():
            field = model.model_fields.get(key)
            if field is None:
                found.append(f"{where}.{key}")
                continue
            for inner in models_in(field.annotation):
                items = item if isinstance(item, list) else [item]
                for element in items:
                    found += unknown_keys(inner, element, f"{where}.{key}")
        return found

    problems, count = [], 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        count += 1
        try:
            event = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"line {number}: not JSON: {error}")
            continue
        # `cloud` comes from OCSF's cloud profile, which the class model does not carry.
        cloud = event.pop("cloud", None)
        try:
            ComplianceFinding.model_validate(event)
            if cloud is None:
                problems.append(f"line {number}: no cloud object (cloud profile)")
            else:
                Cloud.model_validate(cloud)
        except ValidationError as error:
            problems.append(f"line {number}: {error}")
        problems += [f"line {number}: unknown key {k}" for k in unknown_keys(ComplianceFinding, event, "")]
        if cloud is not None:
            problems += [f"line {number}: unknown key {k}" for k in unknown_keys(Cloud, cloud, ".cloud")]
        if event.get("metadata", {}).get("version") != OCSF_VERSION:
            problems.append(f"line {number}: metadata.version is not {OCSF_VERSION}")
        if event.get("class_uid") != 2003:
            problems.append(f"line {number}: class_uid is not 2003 (Compliance Finding)")
    return problems, count


def asff(text):
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    findings = json.loads(text)
    if not isinstance(findings, list):
        return ["the output is not a JSON array"], 0
    problems = []
    # BatchImportFindings takes at most 100 findings a call: validate as the README sends them.
    for start in range(0, len(findings), 100):
        report = ParamValidator().validate({"Findings": findings[start:start + 100]}, shape)
        if report.has_errors():
            problems.append(f"findings {start}..{start + 99}: {report.generate_report()}")
    return problems, len(findings)


def main():
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    check = {"ocsf": ocsf, "asff": asff}.get(kind)
    if check is None:
        sys.exit("usage: validate.py ocsf|asff < output")
    problems, count = check(sys.stdin.read())
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print(f"{count} {kind} findings valid")


if __name__ == "__main__":
    main()
