"""load_repo / load_config: the loaded state, its locations, and unmanaged fields left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from storegate.engine.errors import InputError
from storegate.engine.load import load_config, load_repo
from storegate.engine.model import ACCOUNT_SETTINGS, PERMISSIONS, Location, managed_fields
from storegate.engine.yaml_nodes import parse_yaml
from storegate.providers.bigcommerce.config import BigCommerceSystem
from storegate.providers.salesforce.config import SalesforceSystem
from tests.desired.conftest import CONFIG, RepoFactory

ACCOUNT = """\
account:
  name: "O'Brien & Sons"
  credit_hold: null
  membership: Gold
contacts:
  - email: Siobhan.OBrien@obriensons.example
    access: pending
    account_pricing: false
  - {email: liam@obriensons.example, access: active}
"""


def test_loads_models_and_locations(make_repo: RepoFactory) -> None:
    root = make_repo({"accounts/nested/obrien.yaml": ACCOUNT})
    result = load_repo(root)
    assert result.problems == []
    assert result.files == ["storegate.yaml", "accounts/nested/obrien.yaml"]
    desired = result.desired
    assert desired is not None
    assert desired.root == str(root)
    [loaded] = desired.accounts
    assert loaded.path == "accounts/nested/obrien.yaml"
    assert loaded.file.account.name == "O'Brien & Sons"
    locate = desired.sources.locate
    path = loaded.path
    assert locate(path, "account", "membership") == Location(path, 4, 3)
    assert locate(path, "contacts", 0) == Location(path, 6, 5)
    assert locate(path, "contacts", 0, "access") == Location(path, 7, 5)
    assert locate(path, "contacts", 1, "email") == Location(path, 9, 6)
    assert locate(path, "contacts", 1, "first_name") == Location(path, 9, 5)  # nearest parent
    assert locate("storegate.yaml", "systems", "salesforce", "auth", "session_id") == Location(
        "storegate.yaml", 6, 7
    )


def test_left_out_fields_stay_unmanaged_and_null_clears(make_repo: RepoFactory) -> None:
    desired = load_repo(make_repo({"accounts/obrien.yaml": ACCOUNT})).desired
    assert desired is not None
    file = desired.accounts[0].file
    assert managed_fields(file.account, ACCOUNT_SETTINGS) == {
        "credit_hold": None,
        "membership": "Gold",
    }
    first, second = file.contacts
    assert managed_fields(first, PERMISSIONS) == {"account_pricing": False}
    assert managed_fields(second, PERMISSIONS) == {}
    assert first.key == "siobhan.obrien@obriensons.example"


def test_files_are_found_recursively_sorted_and_filtered(make_repo: RepoFactory) -> None:
    other = ACCOUNT.replace("O'Brien & Sons", "B").replace("obriensons", "b")
    third = ACCOUNT.replace("O'Brien & Sons", "C").replace("obriensons", "c")
    root = make_repo(
        {
            "accounts/z/b.yml": other,
            "accounts/a.yaml": third,
            "accounts/.hidden.yaml": "not: [valid",
            "accounts/notes.txt": "ignored",
            "other/ignored.yaml": "- not read",
        }
    )
    result = load_repo(root)
    assert result.problems == []
    assert result.desired is not None
    assert [a.path for a in result.desired.accounts] == ["accounts/a.yaml", "accounts/z/b.yml"]


def test_load_config_returns_config_or_raises_with_problems(make_repo: RepoFactory) -> None:
    root = make_repo()
    config = load_config(root)
    salesforce = config.systems["salesforce"]
    assert isinstance(salesforce, SalesforceSystem)
    assert salesforce.auth.type == "session"
    # `type` left out is the system's name, filled in before validation
    assert salesforce.type == "salesforce"
    assert salesforce.model_fields_set == {"type", "instance_url", "auth"}
    (root / "storegate.yaml").write_text(CONFIG.replace("type: session", "type: sesion"))
    with pytest.raises(InputError) as raised:
        load_config(root)
    [problem] = raised.value.problems
    assert (problem.path, problem.line) == ("storegate.yaml", 5)
    assert "'type' must be one of" in problem.message


def test_load_config_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        load_config(tmp_path)
    assert "there is no storegate.yaml" in str(raised.value)


def test_bom_is_accepted(make_repo: RepoFactory) -> None:
    root = make_repo({"accounts/obrien.yaml": b"\xef\xbb\xbf" + ACCOUNT.encode()})
    assert load_repo(root).desired is not None


@pytest.mark.parametrize(
    ("text", "data"),
    [
        (
            "a: yes\nb: 'yes'\nc: 1\nd: 1.5\ne: ~\nf:\ng: Nope\n",
            {"a": True, "b": "yes", "c": 1, "d": 1.5, "e": None, "f": None, "g": "Nope"},
        ),
        ("on: x\n1: y\n", {"on": "x", "1": "y"}),  # keys stay the words written
        ("a: &x {b: 1}\nc: *x\n", {"a": {"b": 1}, "c": {"b": 1}}),
    ],
)
def test_scalars_resolve_as_yaml_1_1(text: str, data: object) -> None:
    parsed = parse_yaml(text, "f.yaml")
    assert parsed.problems == []
    assert parsed.data == data


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\n---\nb: 2\n", 2, "more than one YAML document"),
        ("<<: {a: 1}\n", 1, "merge keys ('<<') are not supported"),
        ("? [a]\n: 1\n", 1, "a key must be a plain word"),
        ("a: &r [*r]\n", 1, "refers to its own enclosing node"),
        ("a: *nowhere\n", 1, "refers to no anchor"),
        ("a: !custom x\n", 1, "unsupported YAML tag !custom"),
    ],
)
def test_structural_problems(text: str, line: int, message: str) -> None:
    parsed = parse_yaml(text, "f.yaml")
    assert parsed.data is None
    [problem] = parsed.problems
    assert problem.line == line
    assert message in problem.message


def test_systems_are_named_and_typed_and_accounts_list_their_stores(
    make_repo: RepoFactory,
) -> None:
    config = CONFIG.replace(
        "systems:\n", "repo: github.com/acme/store-access\nexclusive: true\nsystems:\n"
    )
    config += (
        "  trade_shop:\n    type: bigcommerce\n    store_hash: env:H\n    access_token: env:T\n"
    )
    listed = ACCOUNT.replace(
        "  membership: Gold\n",
        "  membership: Gold\n  stores:\n    trade_shop: {}\n  exclusive: false\n"
        "  store_removal: delete\n",
    )
    desired = load_repo(make_repo({"accounts/obrien.yaml": listed}, config)).desired
    assert desired is not None
    assert desired.config.repo == "github.com/acme/store-access"
    assert desired.config.exclusive is True
    assert list(desired.config.systems) == ["salesforce", "trade_shop"]
    shop = desired.config.systems["trade_shop"]
    assert isinstance(shop, BigCommerceSystem)
    assert shop.store_hash == "env:H"
    account = desired.accounts[0].file.account
    assert account.exclusive is False
    assert account.store_removal == "delete"
    assert account.stores is not None and set(account.stores.model_fields_set) == {"trade_shop"}

    # only configured store systems can serve an account: a misspelt one is located
    misspelt = listed.replace("trade_shop: {}", "trade_shp: {}")
    result = load_repo(make_repo({"accounts/obrien.yaml": misspelt}, config))
    assert result.desired is None
    [problem] = result.errors
    assert (problem.path, problem.line) == ("accounts/obrien.yaml", 6)
    assert "trade_shp" in problem.message
