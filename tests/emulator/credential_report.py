"""The IAM credential report as AWS serves it, which stock moto does not.

Stock moto builds the report from the live users at every `GetCredentialReport` and answers a
fixed `GeneratedTime` of 2015. AWS generates a snapshot, at most every four hours, serves that
same snapshot until then, and takes seconds to make it:

- `GenerateCredentialReport` answers `STARTED` and begins a new report when there is none or the
  last one is older than the cache period; `COMPLETE` (or `INPROGRESS` while it is being made)
  otherwise, without regenerating.
- `GetCredentialReport` answers `ReportInProgress` (404) until the report is ready,
  `ReportNotPresent` (410) before any generation, `ReportExpired` (410) once the report is older
  than the cache period, and otherwise the snapshot taken when generation began, with that time
  as its `GeneratedTime`.

The cache period (`credential_report_cache_seconds`, AWS: 4 hours) and the generation time
(`credential_report_generation_seconds`, AWS: seconds) are set per test through the fault set.
With a cache period of 0 (the default) every generation is a new report of the live state, as
if each sweep came more than four hours after the last: what a nightly sweep sees.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"


@dataclass
class Report:
    generated_at: float
    ready_at: float
    content: str


class CredentialReports:
    """Every account's latest report."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reports: dict[str, Report] = {}

    def clear(self) -> None:
        with self._lock:
            self._reports.clear()

    def generate(self, account: str, cache_seconds: float, generation_seconds: float,
                 snapshot: Callable[[], str]) -> tuple[int, str]:
        """`GenerateCredentialReport`: (HTTP status, XML body)."""
        now = time.time()
        with self._lock:
            report = self._reports.get(account)
            if report is not None and now - report.generated_at < cache_seconds:
                state = "COMPLETE" if now >= report.ready_at else "INPROGRESS"
                description = "A report exists and is under the cache period; not regenerated."
            else:
                self._reports[account] = Report(now, now + generation_seconds, snapshot())
                state, description = "STARTED", "Starting a new report generation task."
        return 200, (
            f'<GenerateCredentialReportResponse xmlns="{NAMESPACE}">'
            f"<GenerateCredentialReportResult><State>{state}</State>"
            f"<Description>{description}</Description></GenerateCredentialReportResult>"
            "<ResponseMetadata><RequestId>mfa-emulator</RequestId></ResponseMetadata>"
            "</GenerateCredentialReportResponse>"
        )

    def get(self, account: str, cache_seconds: float) -> tuple[int, str]:
        """`GetCredentialReport`: (HTTP status, XML body)."""
        now = time.time()
        with self._lock:
            report = self._reports.get(account)
        if report is None:
            return error(410, "ReportNotPresent", "Credential report not present.")
        if now < report.ready_at:
            return error(404, "ReportInProgress", "Report generation in progress.")
        if cache_seconds and now - report.generated_at >= cache_seconds:
            return error(410, "ReportExpired", "The credential report has expired.")
        generated = datetime.fromtimestamp(report.generated_at, timezone.utc)
        content = base64.b64encode(report.content.encode()).decode()
        return 200, (
            f'<GetCredentialReportResponse xmlns="{NAMESPACE}"><GetCredentialReportResult>'
            f"<Content>{content}</Content><ReportFormat>text/csv</ReportFormat>"
            f"<GeneratedTime>{generated.strftime('%Y-%m-%dT%H:%M:%SZ')}</GeneratedTime>"
            "</GetCredentialReportResult>"
            "<ResponseMetadata><RequestId>mfa-emulator</RequestId></ResponseMetadata>"
            "</GetCredentialReportResponse>"
        )


def error(status: int, code: str, message: str) -> tuple[int, str]:
    return status, (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>mfa-emulator</RequestId></ErrorResponse>"
    )
