"""Bulk API 2.0 ingest jobs of the simulated org: Open -> UploadComplete -> InProgress -> JobComplete (or Failed,
Aborted), one CSV upload per job, processed record by record with per-record results as CSV."""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field
from typing import Any

from sandbox.salesforce.org import Ambiguous, Org, Problem, _now

JOB_FIELDS = ("id", "operation", "object", "createdById", "createdDate", "systemModstamp", "state",
              "externalIdFieldName", "concurrencyMode", "contentType", "apiVersion", "contentUrl", "lineEnding",
              "columnDelimiter")  # fmt: skip
USER_ID = "0055g00000Sandbox1AAA"


@dataclass
class Job:
    """One ingest job and, once processed, its results."""

    info: dict[str, Any]
    csv_text: str | None = None
    polls: int = 0
    successes: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


class BulkJobs:
    """The org's ingest jobs; processing runs when a client first polls a job after UploadComplete."""

    def __init__(self, org: Org, api_version: str):
        self.org = org
        self.api_version = api_version
        self.jobs: dict[str, Job] = {}
        self._ids = itertools.count(1)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("operation") != "upsert" or not body.get("externalIdFieldName"):
            raise Problem("INVALIDJOB", "InvalidJob : only upsert jobs with an externalIdFieldName are supported")
        self.org.fields(body.get("object", ""))
        job_id = f"7505g0000{next(self._ids):06d}AAA"
        stamp = _now()
        info = {
            "id": job_id, "operation": "upsert", "object": body["object"], "createdById": USER_ID,
            "createdDate": stamp, "systemModstamp": stamp, "state": "Open",
            "externalIdFieldName": body["externalIdFieldName"], "concurrencyMode": "Parallel", "contentType": "CSV",
            "apiVersion": float(self.api_version.removeprefix("v")),
            "contentUrl": f"services/data/{self.api_version}/jobs/ingest/{job_id}/batches",
            "lineEnding": body.get("lineEnding", "LF"), "columnDelimiter": body.get("columnDelimiter", "COMMA"),
        }  # fmt: skip
        self.jobs[job_id] = Job(info)
        return info

    def job(self, job_id: str) -> Job:
        if job_id not in self.jobs:
            raise Problem("NOT_FOUND", "The requested resource does not exist")
        return self.jobs[job_id]

    def upload(self, job_id: str, text: str) -> None:
        job = self.job(job_id)
        if job.info["state"] != "Open" or job.csv_text is not None:
            raise Problem("INVALIDJOBSTATE", f"Job {job_id} is not open for data upload")
        job.csv_text = text

    def set_state(self, job_id: str, state: str) -> dict[str, Any]:
        job = self.job(job_id)
        if state == "UploadComplete" and job.info["state"] == "Open" and job.csv_text is not None:
            job.info["state"] = "UploadComplete"
        elif state == "Aborted" and job.info["state"] in ("Open", "UploadComplete"):
            job.info["state"] = "Aborted"
        else:
            raise Problem("INVALIDJOBSTATE", f"Cannot move job {job_id} from {job.info['state']} to {state}")
        return job.info

    def status(self, job_id: str) -> dict[str, Any]:
        """The job as a poll sees it: an uploaded job shows InProgress once, then completes."""
        job = self.job(job_id)
        if job.info["state"] in ("UploadComplete", "InProgress"):
            job.polls += 1
            if job.polls == 1:
                job.info["state"] = "InProgress"
            else:
                self._process(job)
        processed = len(job.successes) + len(job.failures)
        return {**job.info, "numberRecordsProcessed": processed, "numberRecordsFailed": len(job.failures)}

    def _process(self, job: Job) -> None:
        reader = csv.DictReader(io.StringIO(job.csv_text or ""))
        job.columns = list(reader.fieldnames or [])
        obj, ext = job.info["object"], job.info["externalIdFieldName"]
        with self.org.lock:
            for row in reader:
                try:
                    rid, created = self.org.upsert(obj, ext, _values(row))
                    job.successes.append({"sf__Id": rid, "sf__Created": str(created).lower(), **row})
                except Problem as err:
                    job.failures.append({"sf__Id": "", "sf__Error": f"{err.code}:{err.message}", **row})
                except Ambiguous as err:
                    message = (
                        f"DUPLICATE_EXTERNAL_ID:{ext}: more than one record found for external id field: {err.ids}"
                    )
                    job.failures.append({"sf__Id": "", "sf__Error": message, **row})
        job.info["state"] = "JobComplete"

    def results(self, job_id: str, which: str) -> tuple[str, int]:
        """(CSV text, record count) of successfulResults or failedResults; JOB_NOT_COMPLETE before the end."""
        job = self.job(job_id)
        if job.info["state"] != "JobComplete":
            raise Problem("JOB_NOT_COMPLETE", f"Job {job_id} is not complete")
        rows, lead = (job.successes, ["sf__Id", "sf__Created"]) if which == "successful" else (
            job.failures, ["sf__Id", "sf__Error"])  # fmt: skip
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=[*lead, *job.columns], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue(), len(rows)


def _values(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as upsert values: `Parent.Ext__c` columns become lookups; empty cells are left out (Bulk API 2.0
    ignores them; #N/A would clear a field)."""
    values: dict[str, Any] = {}
    for column, text in row.items():
        if text == "":
            continue
        value = None if text == "#N/A" else text
        if "." in column:
            relationship, ext = column.split(".", 1)
            values[relationship] = {ext: value}
        else:
            values[column] = value
    return values
