"""Contacts that set the same fields share one set of field names (pydantic keeps one per model,
more memory than the contact's values); what each contact manages stays exactly its own."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from storegate.engine.load import load_repo
from storegate.engine.model import PERMISSIONS, managed_fields
from tests.desired.conftest import RepoFactory

ACCOUNT = """\
account:
  name: Acme Industrial
contacts:
  - email: a@acme.example
    access: active
    purchase_on_account: true
  - email: b@acme.example
    access: active
    purchase_on_account: false
  - email: c@acme.example
    access: revoked
    purchase_on_account: null
    account_credit: true
"""


def test_same_fields_share_one_set_and_managed_fields_are_unchanged(
    make_repo: RepoFactory,
) -> None:
    loaded = load_repo(make_repo({"accounts/acme.yaml": ACCOUNT}))
    assert loaded.desired is not None, loaded.problems
    a, b, c = loaded.desired.accounts[0].file.contacts
    assert a.model_fields_set is b.model_fields_set
    assert c.model_fields_set is not a.model_fields_set
    assert managed_fields(a, PERMISSIONS) == {"purchase_on_account": True}
    assert managed_fields(b, PERMISSIONS) == {"purchase_on_account": False}
    assert managed_fields(c, PERMISSIONS) == {"purchase_on_account": None, "account_credit": True}
    assert a.model_dump(exclude_unset=True) == {
        "email": "a@acme.example",
        "access": "active",
        "purchase_on_account": True,
    }
    with pytest.raises(ValidationError):
        a.first_name = "Ann"  # frozen: nothing ever adds to a shared set
    assert b.model_fields_set == {"email", "access", "purchase_on_account"}
