"""The custom fields and objects the QuickBooks -> Salesforce flow writes, and the describe check that names any the
org lacks (with how to create it) before anything is sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EXTERNAL_ID = "QB_ListID__c"  # on Account, Product2, PricebookEntry, QB_Account__c: the QuickBooks ListID
TXN_ID = "QB_TxnID__c"  # on Opportunity: the QuickBooks TxnID
LINE_ID = "QB_TxnLineID__c"  # on OpportunityLineItem: the QuickBooks TxnLineID
CHART_OBJECT = "QB_Account__c"  # the chart of accounts, as a custom object


@dataclass(frozen=True)
class CustomField:
    """A field an admin creates: API name, Salesforce type, length (text) and whether it is an External ID."""

    name: str
    type: str
    length: int | None = None
    external_id: bool = False

    def how(self, obj: str) -> str:
        kind = {"string": f"Text({self.length})", "currency": "Currency(16, 2)", "boolean": "Checkbox (default "
                "unchecked)", "date": "Date"}[self.type]  # fmt: skip
        flags = ", External ID and Unique" if self.external_id else ""
        return f"Setup > Object Manager > {obj} > Fields & Relationships > New: {kind}{flags}, API name {self.name}"


def _ext(name: str) -> CustomField:
    return CustomField(name, "string", 40, external_id=True)


def _money(name: str) -> CustomField:
    return CustomField(name, "currency")


INACTIVE = CustomField("QB_Inactive__c", "boolean")
AGING = ("QB_Aging_Current__c", "QB_Aging_1_30__c", "QB_Aging_31_60__c", "QB_Aging_61_90__c", "QB_Aging_Over_90__c")
REQUIRED: dict[str, tuple[CustomField, ...]] = {
    "Account": (
        _ext(EXTERNAL_ID),
        CustomField("QB_Type__c", "string", 20),
        CustomField("QB_Email__c", "string", 255),
        CustomField("QB_Terms__c", "string", 31),
        _money("QB_Open_Balance__c"),
        _money("QB_Overdue__c"),
        *(_money(name) for name in AGING),
        INACTIVE,
    ),
    "Opportunity": (
        _ext(TXN_ID),
        CustomField("QB_Ref_Number__c", "string", 20),
        CustomField("QB_Due_Date__c", "date"),
        _money("QB_Balance__c"),
        INACTIVE,
    ),
    "OpportunityLineItem": (_ext(LINE_ID), INACTIVE),
    "Product2": (_ext(EXTERNAL_ID),),
    "PricebookEntry": (_ext(EXTERNAL_ID),),
    CHART_OBJECT: (
        _ext(EXTERNAL_ID),
        CustomField("QB_Account_Type__c", "string", 40),
        CustomField("QB_Account_Number__c", "string", 20),
        INACTIVE,
    ),
}


class OrgNotReady(RuntimeError):
    """The org lacks fields, objects or picklist values the flow writes; the message says each and how to add it."""


def missing_in_org(describe: Callable[[str], dict[str, Any] | None], stages: tuple[str, ...]) -> list[str]:
    """What the org lacks, one sentence each: objects, fields (by describe) and the Opportunity stages the flow sets.

    `describe(obj)` is the describe answer, None when the org has no such object."""
    problems = []
    for obj, wanted in REQUIRED.items():
        answer = describe(obj)
        if answer is None:
            problems.append(f"object {obj} is missing: Setup > Object Manager > Create > Custom Object, API name "
                            f"{obj}, record name Name (Text); then add its fields")  # fmt: skip
            continue
        have = {f["name"]: f for f in answer.get("fields", [])}
        for spec in wanted:
            got = have.get(spec.name)
            if got is None:
                problems.append(f"field {obj}.{spec.name} is missing: {spec.how(obj)}")
            elif spec.external_id and not got.get("externalId"):
                problems.append(f"field {obj}.{spec.name} must be an External ID: edit it and tick External ID")
        if obj == "Opportunity":
            values = {p["value"] for p in have.get("StageName", {}).get("picklistValues", [])}
            problems += [
                f"Opportunity stage '{stage}' is missing: Setup > Object Manager > Opportunity > Fields & "
                f"Relationships > Stage > New value '{stage}' (an Open stage, in the sales process of the API user's "
                "Opportunities)"
                for stage in stages
                if stage not in values
            ]
    return problems
