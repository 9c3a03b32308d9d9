"""Emporix customer-management service: legal entities (the B2B companies) and the contact
assignments that tie a customer to one, under `/customer-management/{tenant}/...`.

Lists are bare JSON arrays paged by `pageNumber`/`pageSize` (default 16), filtered by `q` and the
documented query fields, sorted by `sort`; `X-Total-Count: true` adds the total (V). Creates take an
optional custom id (POST 201 `{id}`, 409 when the id exists); PUT upserts (201/204); DELETE is 204.
Errors use this service's own body `{code, status, message, details?}`.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Any

from .emporix_wire import (
    CUSTOM_ID,
    SYSTEM,
    PageError,
    QueryError,
    management_error,
    matches_all,
    now_iso,
    page_params,
    paged,
    parse_q,
    sort_records,
)
from .http import Request, Response
from .store import Record, Store

ENTITY = "legal_entity"
ASSIGNMENT = "contact_assignment"
CUSTOMER = "customer"
DEFAULT_PAGE_SIZE = 16  # (V) pageSize default of the customer-management lists
ENTITY_TYPES = ("COMPANY", "SUBSIDIARY")
ASSIGNMENT_TYPES = ("PRIMARY", "BILLING", "LOGISTICS", "CONTACT")
ENTITY_FIELDS = (
    "name",
    "type",
    "parentId",
    "accountLimit",
    "legalInfo",
    "customerGroups",
    "entitiesAddresses",
    "approvalGroup",
    "restrictions",
    "mixins",
)
# Query fields documented for GET /legal-entities: (name, "contains" | "equals").
ENTITY_FILTERS = {
    "id": "equals",
    "name": "contains",
    "type": "equals",
    "parentId": "equals",
    "legalInfo.legalName": "contains",
    "legalInfo.registrationDate": "equals",
    "legalInfo.taxRegistrationNumber": "equals",
    "legalInfo.registrationAgency": "contains",
    "legalInfo.countryOfRegistration": "contains",
    "legalInfo.registrationId": "equals",
}
ASSIGNMENT_FILTERS = {
    "legalEntity.id": "equals",
    "customer.id": "equals",
    "type": "equals",
    "primary": "equals",
}


def _at(record: Record, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _filter(records: list[Record], request: Request, filters: dict[str, str]) -> list[Record]:
    for name, operator in filters.items():
        wanted = request.arg(name)
        if wanted is None:
            continue
        if operator == "contains":
            needle = wanted.casefold()
            records = [r for r in records if needle in str(_at(r, name) or "").casefold()]
        elif name in ("id", "legalEntity.id", "customer.id"):
            records = [
                r for r in records if str(_at(r, name) or "").casefold() == wanted.casefold()
            ]
        else:
            records = [r for r in records if str(_at(r, name)).lower() == wanted.lower()]
    return records


class CompanyService:
    def __init__(self, store: Store, settings: Callable[[], dict[str, Any]]) -> None:
        self.store = store
        self._settings = settings
        self.lock = threading.RLock()

    @property
    def settings(self) -> dict[str, Any]:
        return self._settings()

    def _page(
        self, request: Request, records: list[Record], q: str | None, filters: dict[str, str]
    ) -> Response:
        try:
            terms = parse_q(q)
            page, size = page_params(
                request.arg("pageNumber"),
                request.arg("pageSize"),
                DEFAULT_PAGE_SIZE,
                int(self.settings["max_page_size"]),
                str(self.settings["oversized_page"]),
            )
        except (QueryError, PageError) as exc:
            return management_error(400, str(exc))
        found = [r for r in _filter(records, request, filters) if matches_all(r, terms)]
        found = sort_records(found, request.arg("sort") or "metadata.createdAt,id")
        fields = [f.strip() for f in (request.arg("fields") or "").split(",") if f.strip()]
        data = paged(found, page, size)
        if fields:
            data = [{k: v for k, v in r.items() if k in fields or k == "id"} for r in data]
        headers = {}
        if request.headers.get("X-Total-Count", "").lower() == "true":
            headers["X-Total-Count"] = str(len(found))
        return Response(200, data, headers)

    # ------------------------------------------------------------------ legal entities

    def list_entities(self, request: Request) -> Response:
        entities = [self._entity_view(e) for e in self.store.list(SYSTEM, ENTITY)]
        return self._page(request, entities, request.arg("q"), ENTITY_FILTERS)

    def search_entities(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("q", ""), str):
            return management_error(400, 'The search body is {"q": "..."}.')
        entities = [self._entity_view(e) for e in self.store.list(SYSTEM, ENTITY)]
        return self._page(request, entities, body.get("q"), ENTITY_FILTERS)

    def get_entity(self, request: Request) -> Response:
        entity = self.store.get(SYSTEM, ENTITY, request.params["legalEntityId"])
        if entity is None:
            return _entity_missing()
        return Response(200, self._entity_view(entity))

    def create_entity(self, request: Request) -> Response:
        body = request.json()
        problems = _check_entity(body, require_type=False)
        given = body.get("id") if isinstance(body, dict) else None
        if given is not None and (not isinstance(given, str) or not CUSTOM_ID.match(given)):
            problems.append("id must match ^[a-zA-Z0-9_-]{1,66}$")
        if problems:
            return management_error(400, "The legal entity is invalid.", problems)
        with self.lock:
            entity_id = given or secrets.token_hex(12)
            if self.store.get(SYSTEM, ENTITY, entity_id) is not None:
                return management_error(409, "Given resource already exists.")
            problem = self._check_links(body)
            if problem:
                return management_error(400, problem)
            self.store.insert(SYSTEM, ENTITY, entity_id, _new_entity(entity_id, body))
        return Response(201, {"id": entity_id})

    def upsert_entity(self, request: Request) -> Response:
        entity_id = request.params["legalEntityId"]
        body = request.json()
        problems = _check_entity(body, require_type=True)
        if not CUSTOM_ID.match(entity_id):
            problems.append("id must match ^[a-zA-Z0-9_-]{1,66}$")
        if problems:
            return management_error(400, "The legal entity is invalid.", problems)
        with self.lock:
            existing = self.store.get(SYSTEM, ENTITY, entity_id)
            problem = self._check_links(body)
            if problem:
                return management_error(400, problem)
            if existing is None:
                self.store.insert(SYSTEM, ENTITY, entity_id, _new_entity(entity_id, body))
                return Response(201, {"id": entity_id})
            version = (body.get("metadata") or {}).get("version")
            current = existing["metadata"]["version"]
            if version is not None and version != current:
                return management_error(409, f"The document version {version} is not {current}.")
            updated = {k: v for k, v in existing.items() if k not in ENTITY_FIELDS}
            updated.update({k: body[k] for k in ENTITY_FIELDS if k in body})
            updated["metadata"] = {
                **existing["metadata"],
                "version": current + 1,
                "modifiedAt": now_iso(),
            }
            self.store.update(SYSTEM, ENTITY, entity_id, updated)
        return Response(204)

    def delete_entity(self, request: Request) -> Response:
        entity_id = request.params["legalEntityId"]
        with self.lock, self.store.transaction():
            if not self.store.delete(SYSTEM, ENTITY, entity_id):
                return _entity_missing()
            for assignment in self.store.list(SYSTEM, ASSIGNMENT):
                if assignment["legalEntity"]["id"] == entity_id:
                    self.store.delete(SYSTEM, ASSIGNMENT, assignment["id"])
        return Response(204)

    def _check_links(self, body: Record) -> str | None:
        parent = body.get("parentId")
        if parent and self.store.get(SYSTEM, ENTITY, str(parent)) is None:
            return f"The parent legal entity {parent} does not exist."
        return None

    def _entity_view(self, entity: Record) -> Record:
        """A legal entity as read: its approval group's assignments expanded (V shape)."""
        view = dict(entity)
        group = []
        for ref in entity.get("approvalGroup") or []:
            assignment = self.store.get(SYSTEM, ASSIGNMENT, str(ref.get("id")))
            if assignment is not None:
                group.append(self._assignment_view(assignment, expand_entity=False))
        view["approvalGroup"] = group
        return view

    # ------------------------------------------------------------------ contact assignments

    def list_assignments(self, request: Request) -> Response:
        assignments = [self._assignment_view(a) for a in self.store.list(SYSTEM, ASSIGNMENT)]
        return self._page(request, assignments, request.arg("q"), ASSIGNMENT_FILTERS)

    def get_assignment(self, request: Request) -> Response:
        assignment = self.store.get(SYSTEM, ASSIGNMENT, request.params["contactAssignmentId"])
        if assignment is None:
            return management_error(
                404, "The contact assignment with the requested id does not exist."
            )
        return Response(200, self._assignment_view(assignment))

    def create_assignment(self, request: Request) -> Response:
        body = request.json()
        problems = _check_assignment(body, require_type=False)
        given = body.get("id") if isinstance(body, dict) else None
        if given is not None and (not isinstance(given, str) or not CUSTOM_ID.match(given)):
            problems.append("id must match ^[a-zA-Z0-9_-]{1,66}$")
        if problems:
            return management_error(400, "The contact assignment is invalid.", problems)
        with self.lock:
            assignment_id = given or secrets.token_hex(12)
            if self.store.get(SYSTEM, ASSIGNMENT, assignment_id) is not None:
                return management_error(409, "Given resource already exists.")
            refused = self._check_parties(body, assignment_id)
            if refused is not None:
                return refused
            self.store.insert(
                SYSTEM, ASSIGNMENT, assignment_id, _new_assignment(assignment_id, body)
            )
        return Response(201, {"id": assignment_id})

    def upsert_assignment(self, request: Request) -> Response:
        assignment_id = request.params["contactAssignmentId"]
        body = request.json()
        problems = _check_assignment(body, require_type=True)
        if not CUSTOM_ID.match(assignment_id):
            problems.append("id must match ^[a-zA-Z0-9_-]{1,66}$")
        if problems:
            return management_error(400, "The contact assignment is invalid.", problems)
        with self.lock:
            refused = self._check_parties(body, assignment_id)
            if refused is not None:
                return refused
            existing = self.store.get(SYSTEM, ASSIGNMENT, assignment_id)
            if existing is None:
                self.store.insert(
                    SYSTEM, ASSIGNMENT, assignment_id, _new_assignment(assignment_id, body)
                )
                return Response(201, {"id": assignment_id})
            updated = _new_assignment(assignment_id, body)
            updated["metadata"] = {
                **existing["metadata"],
                "version": existing["metadata"]["version"] + 1,
                "modifiedAt": now_iso(),
            }
            self.store.update(SYSTEM, ASSIGNMENT, assignment_id, updated)
        return Response(204)

    def delete_assignment(self, request: Request) -> Response:
        if not self.store.delete(SYSTEM, ASSIGNMENT, request.params["contactAssignmentId"]):
            return management_error(
                404, "The contact assignment with the requested id does not exist."
            )
        return Response(204)

    def _check_parties(self, body: Record, assignment_id: str) -> Response | None:
        entity_id = str(body["legalEntity"]["id"])
        customer_id = str(body["customer"]["id"])
        if self.store.get(SYSTEM, ENTITY, entity_id) is None:
            return management_error(400, f"The legal entity {entity_id} does not exist.")
        if self.store.get(SYSTEM, CUSTOMER, customer_id) is None:
            return management_error(400, f"The customer {customer_id} does not exist.")
        if self.settings["duplicate_assignment_conflict"]:
            for other in self.store.list(SYSTEM, ASSIGNMENT):
                if (
                    other["id"] != assignment_id
                    and other["legalEntity"]["id"] == entity_id
                    and str(other["customer"]["id"]) == customer_id
                ):
                    return management_error(
                        409,
                        f"The customer {customer_id} is already assigned to {entity_id}.",
                    )
        return None

    def _assignment_view(self, assignment: Record, *, expand_entity: bool = True) -> Record:
        view = dict(assignment)
        entity = self.store.get(SYSTEM, ENTITY, assignment["legalEntity"]["id"])
        if entity is not None and expand_entity:
            view["legalEntity"] = {k: v for k, v in entity.items() if k != "approvalGroup"}
        customer = self.store.get(SYSTEM, CUSTOMER, str(assignment["customer"]["id"]))
        if customer is not None:
            view["customer"] = {
                "id": customer["id"],
                "name": customer.get("firstName"),
                "surname": customer.get("lastName"),
                "email": customer.get("contactEmail"),
                "phone": customer.get("contactPhone"),
            }
        return view


def _entity_missing() -> Response:
    return management_error(404, "The legal entity with the requested code does not exist.")


def _check_entity(body: Any, *, require_type: bool) -> list[str]:
    if not isinstance(body, dict):
        return ["The body must be a JSON object."]
    problems = []
    if not isinstance(body.get("name"), str) or not body["name"].strip():
        problems.append("name is required")
    kind = body.get("type")
    if kind is None and require_type:
        problems.append("type is required")
    elif kind is not None and kind not in ENTITY_TYPES:
        problems.append(f"type must be one of {', '.join(ENTITY_TYPES)}")
    for name in ("customerGroups", "entitiesAddresses", "approvalGroup"):
        items = body.get(name)
        if items is not None and not (
            isinstance(items, list) and all(isinstance(i, dict) and i.get("id") for i in items)
        ):
            problems.append(f"{name} must be a list of {{id}} objects")
    return problems


def _check_assignment(body: Any, *, require_type: bool) -> list[str]:
    if not isinstance(body, dict):
        return ["The body must be a JSON object."]
    problems = []
    for party in ("legalEntity", "customer"):
        ref = body.get(party)
        if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or not ref["id"]:
            problems.append(f"{party}.id is required")
    kind = body.get("type")
    if kind is None and require_type:
        problems.append("type is required")
    elif kind is not None and kind not in ASSIGNMENT_TYPES:
        problems.append(f"type must be one of {', '.join(ASSIGNMENT_TYPES)}")
    if "primary" in body and not isinstance(body["primary"], bool):
        problems.append("primary must be a boolean")
    return problems


def _new_entity(entity_id: str, body: Record) -> Record:
    stamp = now_iso()
    entity: Record = {"id": entity_id, "type": "COMPANY"}
    entity.update({k: body[k] for k in ENTITY_FIELDS if k in body and body[k] is not None})
    entity["metadata"] = {"version": 1, "createdAt": stamp, "modifiedAt": stamp}
    return entity


def _new_assignment(assignment_id: str, body: Record) -> Record:
    stamp = now_iso()
    return {
        "id": assignment_id,
        "legalEntity": {"id": str(body["legalEntity"]["id"])},
        "customer": {"id": str(body["customer"]["id"])},
        "type": body.get("type") or "CONTACT",
        "primary": bool(body.get("primary", False)),
        "mixins": dict(body.get("mixins") or {}),
        "metadata": {"version": 1, "createdAt": stamp, "modifiedAt": stamp},
    }
