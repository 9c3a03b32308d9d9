"""Where the YAML asks for each change: "path:line" of the contact's email, else of the account's
name. Looked up for changes only, so a plan of 100,000 unchanged records locates nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..providers.contract import AccountSpec, Change, DesiredRecord, DesiredView
from .diff import own_source


class SourceLines:
    def __init__(self, view: DesiredView) -> None:
        self._view = view
        self._accounts = {account.name: account for account in view.accounts}
        self._contacts: dict[str, dict[str, int]] = {}
        """Per account name, its contacts' positions by key: made for the accounts that have a
        change, as their first change is located."""
        self._people: dict[str, AccountSpec] | None = None
        """Every contact's account by key: made only for a person the change's account does not
        list (a removal, a contact moved to another account)."""

    def of(self, person: str | None, account: str) -> str | None:
        """The line of a contact (by key), else of an account (by name); None when the YAML no
        longer declares it (a removal)."""
        if person is not None:
            found = self._contact(person, self._accounts.get(account))
            if found is None:
                return None
            where = self._view.locate(found[0], "contacts", found[1], "email")
        else:
            spec = self._accounts.get(account)
            if spec is None:
                return None
            where = self._view.locate(spec.path, "account", "name")
        return f"{where.path}:{where.line}"

    def _contact(self, person: str, account: AccountSpec | None) -> tuple[str, int] | None:
        """The file and position of a contact, looked for first in the change's account."""
        if account is not None:
            index = self._positions(account).get(person)
            if index is not None:
                return account.path, index
        if self._people is None:
            self._people = {c.key: a for a, c in self._view.contacts()}
        elsewhere = self._people.get(person)
        if elsewhere is None or elsewhere is account:
            return None
        return elsewhere.path, self._positions(elsewhere)[person]

    def _positions(self, account: AccountSpec) -> dict[str, int]:
        positions = self._contacts.get(account.name)
        if positions is None:
            positions = self._contacts[account.name] = {c.key: c.index for c in account.contacts}
        return positions

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
