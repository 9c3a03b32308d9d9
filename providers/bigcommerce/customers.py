"""BigCommerce v3 customers on the wire: the fields storegate manages, bulk reads, lookups."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from ..contract import (
    PERSON_FIELDS,
    Address,
    LiveRecord,
    ProviderError,
    email_key,
    shared_text,
)
from .client import BigCommerceClient, error_text
from .desired import KIND

PATH = "/v3/customers"
FIELDS = ("email", "first_name", "last_name", "company", "customer_group_id")
"""storegate's customer fields; BigCommerce happens to use the same names."""
FILTER_CHUNK = 50
"""Values per `:in` filter: keeps the query string far below URL length limits."""

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def live_record(system: str, customer: Mapping[str, Any]) -> LiveRecord:
    fields = {name: customer.get(name) for name in FIELDS}
    for name in ("company", *PERSON_FIELDS):  # an account's name, a person's: each held once
        fields[name] = shared_text(fields[name])
    key = shared_text(email_key(str(customer["email"])))
    if fields["email"] == key:
        fields["email"] = key  # one string for the person everywhere
    return LiveRecord(
        address=Address(system, KIND, key),
        id=str(customer["id"]),
        fields=fields,
        access="active",
    )


class CustomerReader:
    """Reads customers in the fewest calls: the largest page, or `:in` filters in chunks."""

    def __init__(self, client: BigCommerceClient, page_size: int) -> None:
        self._client = client
        self._page_size = page_size

    def all(self) -> Iterator[dict[str, Any]]:
        """Every customer, a page at a time: a caller that keeps only what it needs of each never
        holds the whole store's raw pages at once."""
        return self._pages({})

    def by_emails(self, emails: Iterable[str]) -> Iterator[dict[str, Any]]:
        return self._filtered("email:in", sorted({email_key(e) for e in emails}))

    def by_ids(self, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        return self._filtered("id:in", sorted({i for i in ids if i.isdigit()}, key=int))

    def _filtered(self, name: str, values: Sequence[str]) -> Iterator[dict[str, Any]]:
        for chunk in chunks(values, FILTER_CHUNK):
            yield from self._pages({name: ",".join(chunk)})

    def _pages(self, filters: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        page, total_pages = 1, 1
        while page <= total_pages:
            params: dict[str, str | int] = {**filters, "limit": self._page_size, "page": page}
            response = self._client.request("GET", PATH, params=params)
            if response.status_code == 422:
                raise ProviderError(
                    f"bigcommerce: listing customers failed: {error_text(response)}"
                )
            body = response.json()
            yield from body.get("data") or []
            pagination = (body.get("meta") or {}).get("pagination") or {}
            total_pages = int(pagination.get("total_pages") or 1)
            page += 1
