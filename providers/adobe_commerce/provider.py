"""AdobeCommerceProvider: B2B companies linked to Salesforce accounts, company users, company roles.

Adobe Commerce's REST API has no batch writes outside its asynchronous bulk API (which needs the
store's message queue consumers), so writes go one record per call, `max_concurrency` at a time,
and their results reach the engine in groups as they land. Reads are searches with the largest
page the store allows.

Results carry the record's `id`; a company user's also its `email` and `company` (the company's
id), so the CRM can write them back (Salesforce: `writeback: {<this system>: {<contact field>:
company}}`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

from ..contract import (
    Action,
    BaseProvider,
    BatchCallback,
    Change,
    ChangeResult,
    Check,
    ConfigError,
    DesiredContext,
    DesiredRecord,
    InputError,
    LiveRecord,
    PlanWarning,
    Scope,
    email_key,
)
from ..settings import resolve, resolve_path
from .client import AdobeClient
from .companies import CompanyWriter
from .config import (
    AdobeCommerceAccountOptions,
    AdobeCommerceSystem,
)
from .desired import (
    APPROVED,
    COMPANY,
    ROLE,
    USER,
    DesiredBuilder,
    Projection,
)
from .live import LiveReader, Snapshot
from .roles import RoleWriter
from .search import Searcher
from .users import UserWriter

REPORT_EVERY = 25
"""Results handed to the engine (and saved in state) at least this often."""

Write = Callable[[Change], ChangeResult]


class AdobeCommerceProvider(BaseProvider):
    TYPE: ClassVar[str] = "adobe_commerce"
    SUPPORTS: ClassVar[frozenset[str]] = frozenset({COMPANY, USER, ROLE})
    settings_model: ClassVar[type[AdobeCommerceSystem]] = AdobeCommerceSystem
    account_options_model: ClassVar[type[Any] | None] = AdobeCommerceAccountOptions
    CONTACT_KIND: ClassVar[str | None] = USER

    def __init__(self, name: str, settings: AdobeCommerceSystem, root: Path) -> None:
        super().__init__(name)
        self._where = where = f"systems.{name}"
        self._settings = settings
        self._client = AdobeClient(
            system=name,
            base_url=resolve(settings.base_url, f"{where}.base_url"),
            store_code=settings.store_code,
            username=resolve(settings.username, f"{where}.username"),
            password=resolve(settings.password, f"{where}.password", secret=True),
            ca_bundle=resolve_path(settings.ca_bundle, f"{where}.ca_bundle", root),
            timeout_seconds=settings.timeout_seconds,
            max_retries=settings.max_retries,
            max_concurrency=settings.max_concurrency,
        )
        self._searcher = Searcher(self._client, settings.page_size, name)
        self._reader = LiveReader(
            name, self._client, self._searcher, settings.salesforce_id_attribute
        )
        self._projection = Projection()

    # ------------------------------------------------------------------ check

    def check(self) -> None:
        """Authenticates, and checks that every mapped shared catalog's customer group exists."""
        groups = {
            int(g["id"]): str(g.get("code", ""))
            for g in self._searcher.all("/customerGroups/search")
        }
        mapped = {
            **self._settings.shared_catalogs,
            "(default)": self._settings.default_customer_group_id,
        }
        missing = [
            f"{book!r} -> customer group {group_id}"
            for book, group_id in mapped.items()
            if group_id not in groups
        ]
        if missing:
            known = ", ".join(f"{i} ({n})" for i, n in sorted(groups.items())) or "none"
            raise ConfigError(
                f"{self._where}.shared_catalogs: the store has no {'; '.join(missing)}; "
                f"its customer groups: {known}"
            )

    # ------------------------------------------------------------------ desired

    def desired(self, context: DesiredContext) -> list[DesiredRecord]:
        projection = DesiredBuilder(self.name, self._settings, context).build()
        if projection.problems:
            raise InputError(sorted(projection.problems))
        self._projection = projection
        self._reader.accounts_by_salesforce_id = dict(projection.accounts_by_salesforce_id)
        return projection.records

    # ------------------------------------------------------------------ read

    def read(self, scope: Scope) -> list[LiveRecord]:
        return self._read(scope, with_roles=True)

    def _read(self, scope: Scope, *, with_roles: bool) -> list[LiveRecord]:
        kinds = scope.kinds or self.SUPPORTS
        snapshot = self._reader.companies()
        records: list[LiveRecord] = []
        if COMPANY in kinds:
            records += [
                self._reader.company_record(company, snapshot.keys[company_id])
                for company_id, company in snapshot.companies.items()
                if scope.full
                or snapshot.keys[company_id] in scope.keys
                or str(company_id) in scope.ids
            ]
        if not kinds & {USER, ROLE}:
            return records
        companies = self._scoped_companies(scope, snapshot)
        customers = self._customers(scope, companies) if USER in kinds else []
        if with_roles or ROLE in kinds:
            companies |= {cid for c in customers if (cid := _company_id(c)) in snapshot.companies}
            roles = self._reader.roles(sorted(companies)) if companies else []
        else:
            roles = []
        if ROLE in kinds:
            role_records = [self._reader.role_record(r, snapshot) for r in roles]
            records += [
                r for r in role_records if scope.full or r.key in scope.keys or r.id in scope.ids
            ]
        if USER in kinds:
            role_of = self._role_of_users(roles, customers) if with_roles else {}
            for customer in customers:
                record = self._reader.user_record(customer, snapshot, role_of)
                if scope.full or record.key in scope.keys or record.id in scope.ids:
                    records.append(record)
        return records

    def _scoped_companies(self, scope: Scope, snapshot: Snapshot) -> set[int]:
        wanted = set(scope.keys | scope.accounts if scope.full else scope.keys)
        wanted |= {  # a role's key is "<account>/<role>"
            key[: -len(role) - 1]
            for key in scope.keys
            for role in self._settings.role_resources
            if key.endswith("/" + role)
        }
        if scope.full and not wanted:
            return set(snapshot.keys)  # a scope naming nothing: every company
        return {cid for cid, key in snapshot.keys.items() if key in wanted}

    def _customers(self, scope: Scope, companies: set[int]) -> list[dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        member_ids = (
            {int(m["customer_id"]) for m in self._reader.members(sorted(companies))}
            if scope.full and companies
            else set()
        )
        if not scope.full:
            member_ids |= {int(i) for i in scope.ids if i.isdigit()}
        if member_ids:
            for customer in self._reader.customers_by_ids(sorted(member_ids)):
                found[int(customer["id"])] = customer
        known = {email_key(str(c.get("email") or "")) for c in found.values()}
        emails = {k for k in scope.keys if "@" in k} - known
        if emails:
            for customer in self._reader.customers_by_emails(emails):
                found[int(customer["id"])] = customer
        return list(found.values())

    def _role_of_users(
        self, roles: Sequence[dict[str, Any]], customers: Sequence[dict[str, Any]]
    ) -> dict[int, str]:
        """customer id -> role name, for the roles of the companies these customers are in."""
        in_use = {_company_id(c) for c in customers}
        role_of: dict[int, str] = {}
        for role in roles:
            if int(role["company_id"]) not in in_use:
                continue
            for customer_id in self._reader.role_users(int(role["id"])):
                role_of[customer_id] = str(role["role_name"])
        return role_of

    # ------------------------------------------------------------------ apply

    def apply(self, changes: Sequence[Change], on_batch: BatchCallback) -> None:
        companies = CompanyWriter(self.name, self._client, self._reader, self._settings)
        roles = RoleWriter(self.name, self._client, self._reader, self._settings)
        users = UserWriter(self.name, self._client, self._reader, self._settings)
        deleted = [c for c in changes if c.kind == COMPANY and c.action is Action.DELETE]
        steps: list[tuple[list[Change], Write]] = [
            ([c for c in changes if c.kind == COMPANY and c not in deleted], companies.write),
            ([c for c in changes if c.kind == ROLE], roles.write),
            ([c for c in changes if c.kind == USER], users.write),
            (deleted, companies.write),  # after its users
        ]
        users.prefetch([c for c in changes if c.kind == USER])
        handled = {c.id for group, _ in steps for c in group}
        unknown = [c for c in changes if c.id not in handled]
        if unknown:
            on_batch(
                [
                    ChangeResult(c.id, False, error=f"{self.name} has no {c.kind} records")
                    for c in unknown
                ]
            )
        for group, write in steps:
            self._run(group, write, on_batch)

    def _run(self, changes: list[Change], write: Write, on_batch: BatchCallback) -> None:
        if not changes:
            return
        workers = min(self._settings.max_concurrency, len(changes))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for start in range(0, len(changes), REPORT_EVERY):
                on_batch(list(pool.map(write, changes[start : start + REPORT_EVERY])))

    # ------------------------------------------------------------------ verify

    def verify(self, changes: Sequence[Change], revoked: frozenset[str]) -> list[Check]:
        """Each revoked or deleted user: inactive or gone; each revoked person: active in no company;
        each deleted company: gone."""
        mine = [c for c in changes if c.system == self.name and c.removing]
        users = {c.key for c in mine if c.kind == USER} | set(revoked)
        checks: list[Check] = []
        if users:
            live = {
                r.key: r
                for r in self.read(
                    Scope(keys=frozenset(users), kinds=frozenset({USER}), full=False)
                )
            }
            for key in sorted(users):
                record = live.get(email_key(key))
                seen = "absent" if record is None else f"status {record.fields.get('status')}"
                good = record is None or record.access != "active"
                address = str(self.address(USER, key))
                checks.append(Check(self.name, address, "company user", "inactive", seen, good))
        deleted = [c for c in mine if c.kind == COMPANY and c.action is Action.DELETE]
        if deleted:
            snapshot = self._reader.companies()
            for change in deleted:
                present = (
                    change.remote_id is not None and int(change.remote_id) in snapshot.companies
                )
                seen = f"company {change.remote_id}" if present else "absent"
                checks.append(
                    Check(self.name, str(change.address), "company", "absent", seen, not present)
                )
        return checks

    # ------------------------------------------------------------------ hooks

    def same_value(self, name: str, desired: Any, live: Any) -> bool:
        if name == "email" and isinstance(desired, str) and isinstance(live, str):
            return email_key(desired) == email_key(live)
        if (
            name == "permissions"
            and isinstance(desired, list | tuple)
            and isinstance(live, list | tuple)
        ):
            return set(desired) == set(live)
        return super().same_value(name, desired, live)

    def include_change(self, change: Change) -> bool:
        """A revoked contact with no company user here needs nothing made."""
        return not (
            change.kind == USER and change.action is Action.CREATE and change.access == "revoked"
        )

    def extra_changes(
        self,
        changes: Sequence[Change],
        desired: Sequence[DesiredRecord],
        live: Sequence[LiveRecord],
    ) -> list[Change]:
        """No extra changes; a company to create without its required details stops the plan."""
        del desired, live
        problems = [
            problem
            for change in changes
            if change.system == self.name
            and change.kind == COMPANY
            and change.action is Action.CREATE
            for problem in self._projection.create_problems.get(change.address, [])
        ]
        if problems:
            raise InputError(sorted(problems))
        return []

    def plan_warnings(
        self, desired: Sequence[DesiredRecord], live: Sequence[LiveRecord]
    ) -> list[PlanWarning]:
        """Active users of a company that is not approved cannot buy."""
        status = {
            r.key: r.fields.get("status")
            for r in live
            if r.system == self.name and r.kind == COMPANY
        }
        status.update(
            (r.key, r.fields["status"])
            for r in desired
            if r.system == self.name and r.kind == COMPANY and "status" in r.fields
        )
        warnings = []
        for record in desired:
            if record.system != self.name or record.kind != USER or record.access != "active":
                continue
            company_status = status.get(record.account)
            if company_status is not None and company_status != APPROVED:
                warnings.append(
                    PlanWarning(
                        "SG735",
                        f"{record.key} is an active user of {record.account!r}, whose company is "
                        f"not approved (status {company_status}): the user cannot buy",
                        str(record.address),
                    )
                )
        return warnings

    def calls(self) -> int:
        return self._client.calls

    def close(self) -> None:
        self._client.close()


def _company_id(customer: dict[str, Any]) -> int:
    attributes = (customer.get("extension_attributes") or {}).get("company_attributes") or {}
    return int(attributes.get("company_id") or 0)
