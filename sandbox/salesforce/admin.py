"""What an admin does to a sandbox org before the first sync, following README: create each custom field and object
qbsync lists, and add the Opportunity stages it sets (leave some out to rehearse the describe check)."""

from __future__ import annotations

from collections.abc import Iterable

from sandbox.salesforce.org import STANDARD_STAGES, Field
from sources.salesforce.fields import REQUIRED


def prepared_org(stages: Iterable[str], *, skip: Iterable[str] = ()) -> dict[str, tuple[Field, ...]]:
    """The custom fields (and the widened StageName picklist) of an org set up as README says; `skip` leaves out
    fields or objects named `Object.Field` or `Object`."""
    left_out = set(skip)
    custom: dict[str, tuple[Field, ...]] = {}
    for obj, fields in REQUIRED.items():
        if obj in left_out:
            continue
        made = [
            Field(f.name, f.type, f.length or 255, external_id=f.external_id, unique=f.external_id)
            for f in fields
            if f"{obj}.{f.name}" not in left_out
        ]
        custom[obj] = tuple(made)
    extra = tuple(s for s in stages if s not in STANDARD_STAGES and f"Opportunity.StageName:{s}" not in left_out)
    stage = Field("StageName", "picklist", required=True, picklist=STANDARD_STAGES + extra, restricted=True)
    custom["Opportunity"] = (*custom.get("Opportunity", ()), stage)
    return custom
