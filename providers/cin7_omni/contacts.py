"""Reads Cin7 Omni CRM contacts in the fewest calls: the largest page, or `IN` conditions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from ..contract import ProviderError, email_key
from .client import Cin7Client
from .wire import LIST_FIELDS, quote

PATH = "/Contacts"
IN_CHUNK = 50
"""Values per `IN (...)` condition: keeps the query string far below URL length limits."""

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ContactReader:
    def __init__(self, client: Cin7Client, page_size: int, contact_filter: str | None) -> None:
        self._client = client
        self._page_size = page_size
        self._filter = contact_filter

    def all(self) -> list[dict[str, Any]]:
        return self._pages(f"({self._filter})" if self._filter else None)

    def by_emails(self, emails: Iterable[str]) -> list[dict[str, Any]]:
        keys = sorted({email_key(e) for e in emails if e})
        found: list[dict[str, Any]] = []
        for chunk in chunks(keys, IN_CHUNK):
            found.extend(self._pages(f"email IN ({', '.join(quote(k) for k in chunk)})"))
        return found

    def by_ids(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        numbers = sorted({int(i) for i in ids if i.isdigit()})
        found: list[dict[str, Any]] = []
        for chunk in chunks(numbers, IN_CHUNK):
            found.extend(self._pages(f"id IN ({', '.join(str(n) for n in chunk)})"))
        return found

    def _pages(self, where: str | None) -> list[dict[str, Any]]:
        contacts: list[dict[str, Any]] = []
        page = 1
        while True:
            params: dict[str, str | int] = {
                "fields": LIST_FIELDS,
                "order": "id",
                "page": page,
                "rows": self._page_size,
            }
            if where:
                params["where"] = where
            batch = self._client.request("GET", PATH, params=params).json()
            if not isinstance(batch, list):
                raise ProviderError(
                    f"{self._client.name}: GET {PATH} answered something other than a list"
                )
            contacts.extend(c for c in batch if isinstance(c, dict))
            if len(batch) < self._page_size:
                return contacts
            page += 1
