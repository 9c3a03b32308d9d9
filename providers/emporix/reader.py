"""Bulk reads: customers and companies in the largest pages, or customers picked by id and email.

A full read costs ceil(customers / page_size) + ceil(companies / page_size) calls (plus the token).
The list asks for `X-Total-Count`; when the answer carries it, the read goes on until it has that
many records even if the tenant serves smaller pages than asked, otherwise a short page ends it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from ..contract import ProviderError, email_key
from .client import EmporixClient, error_text

PICK_CHUNK = 40
"""Values per `q=field:(a,b,...)` search, far below the 10 KB URL and body limits."""

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Reader:
    def __init__(self, client: EmporixClient, page_size: int) -> None:
        self._client = client
        self._page_size = page_size

    def customers(self) -> list[dict[str, Any]]:
        return self._pages(self._client.customers, "customers", {"sort": "id:asc"})

    def companies(self) -> list[dict[str, Any]]:
        path = f"{self._client.management}/legal-entities"
        return self._pages(path, "legal entities", {"sort": "id"})

    def customers_by(self, ids: Iterable[str], emails: Iterable[str]) -> list[dict[str, Any]]:
        """The customers with these ids or contact emails, by POST searches in chunks."""
        found: dict[str, dict[str, Any]] = {}
        for field, values in (
            ("id", sorted(set(ids))),
            ("contactEmail", sorted({email_key(e) for e in emails})),
        ):
            for chunk in chunks(values, PICK_CHUNK):
                q = f"{field}:({','.join(_quoted(v) for v in chunk)})"
                path = f"{self._client.customers}/search"
                for customer in self._pages(path, "customers", {}, body={"q": q}):
                    found[str(customer["id"])] = customer
        return list(found.values())

    def _pages(
        self, path: str, what: str, params: dict[str, str | int], body: Any = None
    ) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        page = 1
        while True:
            response = self._client.request(
                "POST" if body is not None else "GET",
                path,
                params={**params, "pageNumber": page, "pageSize": self._page_size},
                body=body,
                headers={"X-Total-Count": "true"},
            )
            if response.status_code >= 300:
                raise ProviderError(
                    f"{self._client.target.name}: reading {what} failed: {error_text(response)}"
                )
            batch = response.json()
            if not isinstance(batch, list):
                raise ProviderError(
                    f"{self._client.target.name}: listing {what} answered something other than a "
                    "JSON array"
                )
            records.extend(r for r in batch if isinstance(r, dict) and "id" in r)
            total = _total(response.headers.get("X-Total-Count"))
            if not batch:
                return records
            if total is not None:
                if len(records) >= total:
                    return records
            elif len(batch) < self._page_size:
                return records
            page += 1


def _total(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None
