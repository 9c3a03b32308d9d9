"""The plan as JSON: the document `Plan.to_json()` builds, described by schemas/plan.schema.json."""

from __future__ import annotations

import json

from ..plan import Plan
from ..redact import Redactor


def render_json(plan: Plan) -> str:
    # Redacted as a tree first: JSON escaping can turn a secret into text that no longer matches it.
    redactor = Redactor()
    document = redactor.value(plan.to_json())
    return redactor.text(json.dumps(document, indent=2) + "\n")
