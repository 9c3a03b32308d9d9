"""Cross-field and cross-file rules from the seeds, each with a stable code.

SG101 error    an email declared twice (as an email or in a `previously:` list)
SG102 warning  purchase_on_account without the account's pay_by_account: true (no effect)
SG103 warning  pay_by_account on an account on credit_hold (blocked at checkout)
SG104 error    active or pending access under an account with active: false
SG105 warning  account_pricing without a price_book on the account
SG106 warning  tax_entity_code other than TAXABLE: the account is tax exempt
SG107 error    more than one membership on an account
SG108 error    the same account name in two files
SG109 error    the same salesforce_id in two files
SG110 error    offboard: true without access: revoked
SG111 warning  a protected email that no account file declares
SG113 warning  permissions set true on a revoked contact (revoking clears them)
SG114 warning  no account files at all
"""

from __future__ import annotations

from collections.abc import Iterator

from .model import (
    PERMISSIONS,
    Config,
    DesiredState,
    LoadedAccount,
    SourceMap,
    email_key,
)
from .problems import Problem, Severity

CODE_DUPLICATE_EMAIL = "SG101"
CODE_PURCHASE_WITHOUT_PAY_BY_ACCOUNT = "SG102"
CODE_PAY_BY_ACCOUNT_ON_HOLD = "SG103"
CODE_ACCESS_ON_INACTIVE_ACCOUNT = "SG104"
CODE_PRICING_WITHOUT_PRICE_BOOK = "SG105"
CODE_TAX_EXEMPT = "SG106"
CODE_ONE_MEMBERSHIP = "SG107"
CODE_DUPLICATE_ACCOUNT_NAME = "SG108"
CODE_DUPLICATE_SALESFORCE_ID = "SG109"
CODE_OFFBOARD_NOT_REVOKED = "SG110"
CODE_PROTECTED_UNDECLARED = "SG111"
CODE_PERMISSIONS_ON_REVOKED = "SG113"
CODE_NO_ACCOUNTS = "SG114"

ERROR = Severity.ERROR
WARNING = Severity.WARNING


def check(desired: DesiredState) -> list[Problem]:
    return check_parts(desired.config, desired.accounts, desired.sources, desired.config_path)


def check_parts(
    config: Config | None, accounts: list[LoadedAccount], sources: SourceMap, config_path: str
) -> list[Problem]:
    """Every rule over what validated; `config` is None when storegate.yaml did not."""
    rules = _Rules(sources)
    rules.accounts(accounts)
    rules.emails(accounts)
    if config is not None:
        rules.protected(config, accounts, config_path)
    return rules.found


class _Rules:
    def __init__(self, sources: SourceMap) -> None:
        self.sources = sources
        self.found: list[Problem] = []

    def add(
        self, path: str, keys: tuple[str | int, ...], message: str, code: str, severity: Severity
    ) -> None:
        at = self.sources.locate(path, *keys)
        self.found.append(Problem(path, at.line, at.col, message, code, severity))

    def where(self, path: str, keys: tuple[str | int, ...]) -> str:
        at = self.sources.locate(path, *keys)
        return f"{at.path}:{at.line}"

    def accounts(self, accounts: list[LoadedAccount]) -> None:
        names: dict[str, tuple[str, ...]] = {}
        ids: dict[str, str] = {}
        for loaded in accounts:
            self.account_settings(loaded)
            self.contacts(loaded)
            account, path = loaded.file.account, loaded.path
            name = " ".join(account.name.split()).casefold()
            if name in names:
                self.add(
                    path,
                    ("account", "name"),
                    f"account {account.name!r} is also declared in {names[name][0]}; "
                    "one file per account",
                    CODE_DUPLICATE_ACCOUNT_NAME,
                    ERROR,
                )
            else:
                names[name] = (path,)
            if account.salesforce_id:
                sfid = account.salesforce_id[:15]  # the 18-character id is the 15 plus a checksum
                if sfid in ids:
                    self.add(
                        path,
                        ("account", "salesforce_id"),
                        f"salesforce_id {account.salesforce_id} is also used in {ids[sfid]}; "
                        "one file per account",
                        CODE_DUPLICATE_SALESFORCE_ID,
                        ERROR,
                    )
                else:
                    ids[sfid] = path

    def account_settings(self, loaded: LoadedAccount) -> None:
        account, path = loaded.file.account, loaded.path
        if account.pay_by_account and account.credit_hold:
            self.add(
                path,
                ("account", "pay_by_account"),
                "pay_by_account is blocked at checkout while the account is on credit_hold",
                CODE_PAY_BY_ACCOUNT_ON_HOLD,
                WARNING,
            )
        code = account.tax_entity_code
        if code is not None and code.strip().upper() != "TAXABLE":
            self.add(
                path,
                ("account", "tax_entity_code"),
                f"tax exempt: tax_entity_code {code!r} is not TAXABLE, so orders from "
                f"{account.name} are not taxed",
                CODE_TAX_EXEMPT,
                WARNING,
            )
        if account.membership is not None and (
            "," in account.membership or ";" in account.membership
        ):
            self.add(
                path,
                ("account", "membership"),
                "an account holds one membership at a time; keep a single name",
                CODE_ONE_MEMBERSHIP,
                ERROR,
            )

    def contacts(self, loaded: LoadedAccount) -> None:
        account, path = loaded.file.account, loaded.path
        for index, contact in enumerate(loaded.file.contacts):
            at = ("contacts", index)
            has_access = contact.access != "revoked"
            if has_access and account.active is False:
                self.add(
                    path,
                    (*at, "access"),
                    f"{contact.email} has access {contact.access} but the account is active: false; "
                    "revoke the contact or activate the account",
                    CODE_ACCESS_ON_INACTIVE_ACCOUNT,
                    ERROR,
                )
            if contact.offboard and has_access:
                self.add(
                    path,
                    (*at, "offboard"),
                    f"{contact.email} is offboarded but has access {contact.access}; "
                    "set access: revoked",
                    CODE_OFFBOARD_NOT_REVOKED,
                    ERROR,
                )
            if not has_access:
                granted = [p for p in PERMISSIONS if getattr(contact, p) is True]
                if granted:
                    self.add(
                        path,
                        (*at, granted[0]),
                        f"{contact.email} is revoked, which clears {', '.join(granted)}; "
                        "remove them or set them to false",
                        CODE_PERMISSIONS_ON_REVOKED,
                        WARNING,
                    )
                continue
            if contact.purchase_on_account and account.pay_by_account is not True:
                self.add(
                    path,
                    (*at, "purchase_on_account"),
                    f"purchase_on_account has no effect for {contact.email}: the account does not "
                    "set pay_by_account: true",
                    CODE_PURCHASE_WITHOUT_PAY_BY_ACCOUNT,
                    WARNING,
                )
            if contact.account_pricing and account.price_book is None:
                self.add(
                    path,
                    (*at, "account_pricing"),
                    f"account_pricing for {contact.email} needs a price_book on the account; "
                    "none is set in this file",
                    CODE_PRICING_WITHOUT_PRICE_BOOK,
                    WARNING,
                )

    def emails(self, accounts: list[LoadedAccount]) -> None:
        seen: dict[str, tuple[str, tuple[str | int, ...]]] = {}
        for path, keys, email in _email_sites(accounts):
            key = email_key(email)
            first = seen.get(key)
            if first is None:
                seen[key] = (path, keys)
                continue
            self.add(
                path,
                keys,
                f"{email} is declared twice (also at {self.where(*first)}); an email identifies "
                "one contact: keep it in one place",
                CODE_DUPLICATE_EMAIL,
                ERROR,
            )

    def protected(self, config: Config, accounts: list[LoadedAccount], config_path: str) -> None:
        declared = {c.key for loaded in accounts for c in loaded.file.contacts}
        for index, email in enumerate(config.safety.protected):
            if email_key(email) not in declared:
                self.add(
                    config_path,
                    ("safety", "protected", index),
                    f"protected email {email} is not declared in any account file",
                    CODE_PROTECTED_UNDECLARED,
                    WARNING,
                )


def _email_sites(
    accounts: list[LoadedAccount],
) -> Iterator[tuple[str, tuple[str | int, ...], str]]:
    """Every place an email is declared: each contact's email, then its earlier emails."""
    for loaded in accounts:
        for index, contact in enumerate(loaded.file.contacts):
            yield loaded.path, ("contacts", index, "email"), contact.email
            for n, earlier in enumerate(contact.previously):
                yield loaded.path, ("contacts", index, "previously", n), earlier
