"""Searches over `searchCriteria`: the query parameters, and every page of a result.

Pages are the largest the store allows: `page_size`, or the smaller maximum a store with its Web
API input limits on reports ("Maximum SearchCriteria pageSize is %max"). A read stops at
`total_count`, never at a short or repeated page (Magento serves the last page again for a page
number past the end).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..contract import ProviderError
from .client import (
    AdobeClient,
    error_parameters,
    error_text,
    json_of,
)

IN_CHUNK = 100
"""Values per `in` filter: keeps URLs well under common limits."""

T = TypeVar("T")


@dataclass(frozen=True)
class Filter:
    field: str
    value: str
    condition: str = "eq"


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def criteria(
    groups: Sequence[Sequence[Filter]],
    *,
    page_size: int,
    page: int,
    prefix: str = "searchCriteria",
) -> list[tuple[str, str | int]]:
    """The query parameters: filters OR'ed inside a group, groups AND'ed."""
    params: list[tuple[str, str | int]] = []
    for g, group in enumerate(groups):
        for f, item in enumerate(group):
            base = f"{prefix}[filter_groups][{g}][filters][{f}]"
            params += [
                (f"{base}[field]", item.field),
                (f"{base}[value]", item.value),
                (f"{base}[condition_type]", item.condition),
            ]
    params += [(f"{prefix}[pageSize]", page_size), (f"{prefix}[currentPage]", page)]
    return params


class Searcher:
    def __init__(self, client: AdobeClient, page_size: int, system: str) -> None:
        self._client = client
        self._page_size = page_size
        self._system = system

    @property
    def page_size(self) -> int:
        return self._page_size

    def all(
        self,
        path: str,
        groups: Sequence[Sequence[Filter]] = (),
        *,
        prefix: str = "searchCriteria",
    ) -> list[dict[str, Any]]:
        """Every item the search finds, in as few calls as the page size allows."""
        items: dict[Any, dict[str, Any]] = {}
        unkeyed: list[dict[str, Any]] = []
        page = 1
        while True:
            params = criteria(groups, page_size=self._page_size, page=page, prefix=prefix)
            response = self._client.request("GET", path, params=params)
            if response.status_code == 400 and self._adopt_maximum(response):
                items.clear()
                unkeyed.clear()
                page = 1
                continue
            if response.status_code != 200:
                raise ProviderError(
                    f"{self._system}: searching {path} failed: {error_text(response)}"
                )
            body = json_of(response, f"{self._system}: GET {path}")
            found = [i for i in body.get("items") or [] if isinstance(i, dict)]
            for item in found:
                key = item.get("id", item.get("customer_id"))
                if key is None:
                    unkeyed.append(item)
                else:
                    items[key] = item
            total = int(body.get("total_count") or 0)
            if not found or len(items) + len(unkeyed) >= total or page * self._page_size >= total:
                return [*items.values(), *unkeyed]
            page += 1

    def where_in(
        self,
        path: str,
        field: str,
        values: Iterable[str],
        *,
        prefix: str = "searchCriteria",
    ) -> list[dict[str, Any]]:
        """Every item whose `field` is one of `values` (chunked `in` filters)."""
        wanted = sorted(set(values))
        found: list[dict[str, Any]] = []
        for chunk in chunks(wanted, IN_CHUNK):
            found += self.all(path, [[Filter(field, ",".join(chunk), "in")]], prefix=prefix)
        return found

    def _adopt_maximum(self, response: Any) -> bool:
        """A store's own page maximum ("Maximum SearchCriteria pageSize is %max"): use it."""
        parameters = error_parameters(response)
        maximum = parameters.get("max") if isinstance(parameters, dict) else None
        text = error_text(response)
        if "pagesize" not in text.lower() or not str(maximum).isdigit():
            return False
        if int(str(maximum)) >= self._page_size or int(str(maximum)) < 1:
            return False
        self._page_size = int(str(maximum))
        return True
