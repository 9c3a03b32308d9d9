"""Where the YAML asks for each change: "path:line" of the contact's email, else of the account's
name. Looked up for changes only, so a plan of 100,000 unchanged records locates nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..providers.contract import Change, DesiredRecord, DesiredView
from .diff import own_source


class SourceLines:
    def __init__(self, view: DesiredView) -> None:
        self._view = view
        self._accounts = {account.name: account.path for account in view.accounts}
        self._people: dict[str, tuple[str, int]] | None = None

    def of(self, person: str | None, account: str) -> str | None:
        """The line of a contact (by key), else of an account (by name); None when the YAML no
        longer declares it (a removal)."""
        if person is not None:
            if self._people is None:
                self._people = {c.key: (a.path, c.index) for a, c in self._view.contacts()}
            found = self._people.get(person)
            if found is None:
                return None
            where = self._view.locate(found[0], "contacts", found[1], "email")
        else:
            path = self._accounts.get(account)
            if path is None:
                return None
            where = self._view.locate(path, "account", "name")
        return f"{where.path}:{where.line}"

    def of_record(self, record: DesiredRecord) -> str | None:
        return own_source(record) or self.of(record.person, record.account)

    def located(self, changes: Sequence[Change]) -> list[Change]:
        """The changes, each unlocated one located if the YAML declares its record (the ones a
        provider's hooks added after the diff)."""
        out: list[Change] = []
        for change in changes:
            if change.source is None:
                where = self.of(change.person, change.account)
                if where is not None:
                    change = replace(change, source=where)
            out.append(change)
        return out
