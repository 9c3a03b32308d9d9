"""`/V1/companyCredits`: a company's credit limit, balance and history.

`available_limit` = `credit_limit` + `balance` (a purchase makes the balance negative).
increaseBalance takes operation types 1 Allocated, 2 Updated, 4 Reimbursed, 5 Refunded,
6 Reverted; decreaseBalance 2 Updated, 3 Purchased, 4 Reimbursed. Both answer `true`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .adobe_commerce_api import Api, body_object, path_id
from .adobe_commerce_data import AdobeData
from .adobe_commerce_wire import (
    CREDIT_CLASS,
    as_int,
    invalid,
    no_accessor,
    no_such_entity,
    required,
)
from .http import Request, Response

INCREASE_TYPES = (1, 2, 4, 5, 6)
DECREASE_TYPES = (2, 3, 4)
UPDATED = 2
CREDIT_KEYS = (
    "id",
    "company_id",
    "credit_limit",
    "balance",
    "currency_code",
    "exceed_limit",
    "available_limit",
    "credit_comment",
    "extension_attributes",
)
SEARCH_FIELDS = frozenset(
    {"entity_id", "id", "company_id", "credit_limit", "balance", "currency_code", "exceed_limit"}
)
HISTORY_FIELDS = frozenset(
    {
        "entity_id",
        "id",
        "company_credit_id",
        "type",
        "amount",
        "balance",
        "credit_limit",
        "datetime",
    }
)


def _get(record: Mapping[str, Any], name: str) -> Any:
    return record["id"] if name in ("entity_id", "id") else record.get(name)


class Credits:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.data: AdobeData = api.data

    def search(self, request: Request) -> Response:
        return self.api.search(request, self.data.credits(), _get, SEARCH_FIELDS)

    def history(self, request: Request) -> Response:
        return self.api.search(request, self.data.history(), _get, HISTORY_FIELDS)

    def of_company(self, request: Request) -> Response:
        company_id = path_id(request, "companyId")
        credit = self.data.credit_of(company_id) if company_id is not None else None
        if credit is None:
            return no_such_entity("company_id", request.params.get("companyId"))
        return Response(200, credit)

    def get(self, request: Request) -> Response:
        credit_id = path_id(request, "creditId")
        credit = self.data.credit(credit_id) if credit_id is not None else None
        if credit is None:
            return no_such_entity("id", request.params.get("creditId"))
        return Response(200, credit)

    def update(self, request: Request) -> Response:
        given = body_object(request, "creditLimit")
        if isinstance(given, Response):
            return given
        for name in given:
            if name not in CREDIT_KEYS:
                return no_accessor(name, CREDIT_CLASS)
        with self.data.lock:
            credit_id = path_id(request, "id")
            credit = self.data.credit(credit_id) if credit_id is not None else None
            if credit is None:
                return no_such_entity("id", request.params.get("id"))
            if "credit_limit" in given:
                limit = given["credit_limit"]
                if limit is not None and (
                    not isinstance(limit, int | float) or isinstance(limit, bool) or limit < 0
                ):
                    return invalid("credit_limit", limit)
                credit["credit_limit"] = limit
            if "exceed_limit" in given:
                credit["exceed_limit"] = bool(given["exceed_limit"])
            if given.get("currency_code"):
                credit["currency_code"] = str(given["currency_code"])
            self.data.save_credit(credit)
            self.data.add_history(credit, 0, UPDATED, str(given.get("credit_comment") or ""))
        return Response(200, credit)

    def increase(self, request: Request) -> Response:
        return self._balance(request, +1, INCREASE_TYPES)

    def decrease(self, request: Request) -> Response:
        return self._balance(request, -1, DECREASE_TYPES)

    def _balance(self, request: Request, sign: int, kinds: tuple[int, ...]) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            return required(["value", "currency", "operationType"])
        missing = [n for n in ("value", "currency", "operationType") if body.get(n) is None]
        if missing:
            return required(missing)
        value, kind = body["value"], as_int(body["operationType"])
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            return invalid("value", value)
        if kind not in kinds:
            return invalid("operationType", body["operationType"])
        with self.data.lock:
            credit_id = path_id(request, "creditId")
            credit = self.data.credit(credit_id) if credit_id is not None else None
            if credit is None:
                return no_such_entity("id", request.params.get("creditId"))
            if str(body["currency"]) != credit["currency_code"]:
                return invalid("currency", body["currency"])
            credit["balance"] = float(credit.get("balance") or 0) + sign * float(value)
            self.data.save_credit(credit)
            self.data.add_history(credit, sign * float(value), kind, str(body.get("comment") or ""))
        return Response(200, True)
