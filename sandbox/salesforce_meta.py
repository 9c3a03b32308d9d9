"""The emulated org's schema: Account, Contact, Pricebook2 and s_c__Membership__c with the
StoreConnect and CPQ eCommerce fields, served as `describe` and used to validate reads and writes.

`Schema` is per sandbox and mutable (the admin path can drop a field or make it read-only) so the
provider's describe-mismatch checks can be exercised; `reset()` restores the defaults.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from .http import Request, Response

# Field types, as describe reports them.
ID, STRING, BOOLEAN, DATE, DATETIME, REFERENCE = (
    "id",
    "string",
    "boolean",
    "date",
    "datetime",
    "reference",
)
PICKLIST, TEXTAREA, EMAIL, CURRENCY, DOUBLE, URL = (
    "picklist",
    "textarea",
    "email",
    "currency",
    "double",
    "url",
)

# Fields the emulator maintains itself: never writable by a client.
SYSTEM_FIELDS = ("Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    label: str
    length: int = 0
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    custom: bool = False
    default: Any = None
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    required: bool = False  # required on create (REQUIRED_FIELD_MISSING)
    calculated: bool = False
    external_id: bool = False  # an External ID field: upserts may match on it
    unique: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "label": self.label,
            "length": self.length,
            "byteLength": self.length * 3,
            "precision": 18 if self.type in (CURRENCY, DOUBLE) else 0,
            "scale": 2 if self.type in (CURRENCY, DOUBLE) else 0,
            "updateable": self.updateable,
            "createable": self.createable,
            "nillable": self.nillable,
            "custom": self.custom,
            "calculated": self.calculated,
            "defaultValue": self.default,
            "defaultedOnCreate": self.default is not None,
            "filterable": True,
            "sortable": self.type != TEXTAREA,
            "unique": self.unique or self.name == "s_c__SSO_Uid__c",
            "externalId": self.external_id,
            "idLookup": self.external_id or self.name in ("Id", "Email", "Name"),
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "restrictedPicklist": self.restricted,
            "picklistValues": [
                {
                    "active": True,
                    "defaultValue": v == self.default,
                    "label": v,
                    "validFor": None,
                    "value": v,
                }
                for v in self.picklist
            ],
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
        }


_SOAP_TYPES = {
    ID: "tns:ID",
    REFERENCE: "tns:ID",
    BOOLEAN: "xsd:boolean",
    DATE: "xsd:date",
    DATETIME: "xsd:dateTime",
    CURRENCY: "xsd:double",
    DOUBLE: "xsd:double",
}


@dataclass
class ObjectSpec:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    custom: bool
    fields: dict[str, FieldSpec] = field(default_factory=dict)

    def field(self, name: str) -> FieldSpec | None:
        """A field by API name, case-insensitively (as Salesforce resolves names)."""
        found = self.fields.get(name)
        if found is not None:
            return found
        lowered = name.lower()
        return next((f for n, f in self.fields.items() if n.lower() == lowered), None)

    def relationship(self, name: str) -> FieldSpec | None:
        lowered = name.lower()
        return next(
            (
                f
                for f in self.fields.values()
                if f.relationship_name and f.relationship_name.lower() == lowered
            ),
            None,
        )

    def summary(self, version: str) -> dict[str, Any]:
        base = f"/services/data/{version}/sobjects/{self.name}"
        return {
            "name": self.name,
            "label": self.label,
            "labelPlural": self.label_plural,
            "keyPrefix": self.key_prefix,
            "custom": self.custom,
            "createable": True,
            "updateable": True,
            "deletable": True,
            "queryable": True,
            "searchable": True,
            "retrieveable": True,
            "layoutable": True,
            "urls": {
                "sobject": base,
                "describe": f"{base}/describe",
                "rowTemplate": f"{base}/{{ID}}",
            },
        }


def _system_fields() -> list[FieldSpec]:
    return [
        FieldSpec("Id", ID, "Record ID", 18, createable=False, updateable=False, nillable=False),
        FieldSpec(
            "IsDeleted", BOOLEAN, "Deleted", createable=False, updateable=False, nillable=False
        ),
        FieldSpec(
            "CreatedDate",
            DATETIME,
            "Created Date",
            createable=False,
            updateable=False,
            nillable=False,
        ),
        FieldSpec(
            "LastModifiedDate",
            DATETIME,
            "Last Modified Date",
            createable=False,
            updateable=False,
            nillable=False,
        ),
        FieldSpec(
            "SystemModstamp",
            DATETIME,
            "System Modstamp",
            createable=False,
            updateable=False,
            nillable=False,
        ),
    ]


def _checkbox(name: str, label: str, default: bool = False) -> FieldSpec:
    return FieldSpec(
        name, BOOLEAN, label, custom=name.endswith("__c"), nillable=False, default=default
    )


def _text(name: str, label: str, length: int = 255, type_: str = STRING) -> FieldSpec:
    return FieldSpec(name, type_, label, length, custom=name.endswith("__c"))


def _lookup(name: str, label: str, target: str) -> FieldSpec:
    relationship = name[:-1] + "r" if name.endswith("__c") else name.removesuffix("Id")
    return FieldSpec(
        name,
        REFERENCE,
        label,
        18,
        custom=name.endswith("__c"),
        reference_to=(target,),
        relationship_name=relationship,
    )


def _account() -> ObjectSpec:
    fields = [
        *_system_fields(),
        FieldSpec("Name", STRING, "Account Name", 255, nillable=False, required=True),
        _checkbox("s_c__Active__c", "Active", default=True),
        _checkbox("s_c__Credit_Hold__c", "Account is on credit hold"),
        _text("s_c__Display_Name__c", "Display Name"),
        _checkbox("s_c__Brand__c", "Is Brand"),
        _checkbox("s_c__Pay_By_Account__c", "Pay by Account"),
        _lookup("s_c__Pricebook_Id__c", "Price Book", "Pricebook2"),
        _lookup("s_c__Membership_Id__c", "Membership", "s_c__Membership__c"),
        _text("s_c__Tax_Entity_Code__c", "Tax Entity Code"),
        _checkbox("s_c__Supplier__c", "Supplier"),
        _text("s_c__Supplier_Notes__c", "Supplier Notes", 32768, TEXTAREA),
        _checkbox("s_c__Is_Business__c", "Is Business", default=True),
        _text("s_c__Subdomain__c", "Subdomain"),
        FieldSpec(
            "s_c__Account_Credit_Balance__c",
            CURRENCY,
            "Account Credit Balance",
            custom=True,
            createable=False,
            updateable=False,
            calculated=True,
        ),
        FieldSpec(
            "s_c__Account_Points_Balance__c",
            DOUBLE,
            "Account Points Balance",
            custom=True,
            createable=False,
            updateable=False,
            calculated=True,
        ),
    ]
    return ObjectSpec("Account", "Account", "Accounts", "001", False, {f.name: f for f in fields})


def _contact() -> ObjectSpec:
    fields = [
        *_system_fields(),
        FieldSpec(
            "Name", STRING, "Full Name", 121, createable=False, updateable=False, nillable=False
        ),
        _text("FirstName", "First Name", 40),
        FieldSpec("LastName", STRING, "Last Name", 80, nillable=False, required=True),
        _text("Email", "Email", 80, EMAIL),
        _lookup("AccountId", "Account ID", "Account"),
        _checkbox("s_c__Can_Purchase_For_Account__c", "Authorised to purchase for Account"),
        _checkbox("s_c__Can_Use_Account_Credit__c", "Can use Account Credit"),
        _checkbox("s_c__Can_Use_Account_Points__c", "Can Use Account Points"),
        _checkbox("s_c__Can_Use_Account_Pricing__c", "Can use Account pricing"),
        FieldSpec(
            "s_c__Invitation_Accepted_At__c", DATETIME, "Invitation Accepted At", custom=True
        ),
        FieldSpec("s_c__Password_Reset_At__c", DATETIME, "Password Reset At", custom=True),
        FieldSpec("s_c__Last_Login_Date__c", DATETIME, "Last Login Date", custom=True),
        _checkbox("s_c__Reset_Password__c", "Reset Password"),
        _text("s_c__Invitation_URL__c", "Invitation URL", 255, URL),
        _text("s_c__Reset_Password_URL__c", "Reset Password URL", 255, URL),
        _text("s_c__SSO_Uid__c", "SSO Uid"),
        _checkbox("eCommerce__c", "eCommerce"),
        FieldSpec(
            "eCommerce_Access_Date_Stamp__c", DATE, "eCommerce Access Date Stamp", custom=True
        ),
        _text("eCommerce_User_ID__c", "eCommerce User ID"),
        _text("eCommerce_Customer_ID__c", "eCommerce Customer ID"),
        FieldSpec(
            "Contact_Status__c",
            PICKLIST,
            "Contact Status",
            255,
            custom=True,
            default="Active",
            picklist=("Active", "Deactivated"),
            restricted=True,
        ),
    ]
    return ObjectSpec("Contact", "Contact", "Contacts", "003", False, {f.name: f for f in fields})


def _pricebook() -> ObjectSpec:
    fields = [
        *_system_fields(),
        FieldSpec("Name", STRING, "Price Book Name", 255, nillable=False, required=True),
        _checkbox("IsActive", "Active", default=True),
        _text("Description", "Description", 255, TEXTAREA),
        FieldSpec(
            "IsStandard",
            BOOLEAN,
            "Is Standard Price Book",
            createable=False,
            updateable=False,
            nillable=False,
            default=False,
        ),
    ]
    return ObjectSpec(
        "Pricebook2", "Price Book", "Price Books", "01s", False, {f.name: f for f in fields}
    )


def _membership() -> ObjectSpec:
    fields = [
        *_system_fields(),
        FieldSpec("Name", STRING, "Membership Name", 80, nillable=False, required=True),
        _checkbox("s_c__Active__c", "Active", default=True),
        _lookup("s_c__Pricebook_Id__c", "Price Book", "Pricebook2"),
    ]
    return ObjectSpec(
        "s_c__Membership__c", "Membership", "Memberships", "a0M", True, {f.name: f for f in fields}
    )


def default_objects() -> dict[str, ObjectSpec]:
    return {spec.name: spec for spec in (_account(), _contact(), _pricebook(), _membership())}


class SchemaError(ValueError):
    """An admin request to alter the schema names an unknown object or field."""


ADDABLE_TYPES = (STRING, EMAIL, BOOLEAN, DATE, DATETIME, DOUBLE)


def _added_field(spec: ObjectSpec, name: str, options: dict[str, Any]) -> FieldSpec:
    """A custom field an admin request adds: `{type, label, length, externalId, unique}`."""
    if not name.endswith("__c") or not name[:-3].replace("_", "").isalnum():
        raise SchemaError(f"{name!r} is not a custom field API name (Name__c)")
    if spec.field(name) is not None:
        raise SchemaError(f"{spec.name}.{name} exists already")
    type_ = str(options.get("type", STRING))
    if type_ not in ADDABLE_TYPES:
        raise SchemaError(f"type {type_!r} cannot be added; one of {', '.join(ADDABLE_TYPES)}")
    external = bool(options.get("externalId", False))
    if external and type_ not in (STRING, EMAIL, DOUBLE):
        raise SchemaError("an External ID field is text, email or number")
    return FieldSpec(
        name,
        type_,
        str(options.get("label") or name[:-3].replace("_", " ")),
        int(options.get("length", 255 if type_ in (STRING, EMAIL) else 0)),
        custom=True,
        nillable=type_ != BOOLEAN,
        default=False if type_ == BOOLEAN else None,
        external_id=external,
        unique=bool(options.get("unique", False)),
    )


class Schema:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.objects = default_objects()

    def reset(self) -> None:
        with self._lock:
            self.objects = default_objects()

    def object(self, name: str) -> ObjectSpec | None:
        """An object by API name, case-insensitively."""
        found = self.objects.get(name)
        if found is not None:
            return found
        lowered = name.lower()
        return next((o for n, o in self.objects.items() if n.lower() == lowered), None)

    def by_prefix(self, record_id: str) -> ObjectSpec | None:
        return next((o for o in self.objects.values() if record_id.startswith(o.key_prefix)), None)

    def alter(self, body: dict[str, Any]) -> None:
        """{object, field, remove: true} drops a field; {object, field, updateable: false} makes it
        read-only; createable may be set the same way; {object, field, add: {type, label, length,
        externalId, unique}} adds a custom field (an org's External ID field, say)."""
        with self._lock:
            spec = self.object(str(body.get("object", "")))
            if spec is None:
                raise SchemaError(
                    f"unknown object {body.get('object')!r}; known: {sorted(self.objects)}"
                )
            if isinstance(body.get("add"), dict):
                added = _added_field(spec, str(body.get("field", "")), body["add"])
                objects = copy.copy(self.objects)
                objects[spec.name] = replace(spec, fields={**spec.fields, added.name: added})
                self.objects = objects
                return
            target = spec.field(str(body.get("field", "")))
            if target is None:
                raise SchemaError(f"unknown field {body.get('field')!r} on {spec.name}")
            objects = copy.copy(self.objects)
            fields = dict(spec.fields)
            if body.get("remove"):
                del fields[target.name]
            else:
                if "updateable" not in body and "createable" not in body:
                    raise SchemaError("say remove: true, updateable: <bool> or createable: <bool>")
                fields[target.name] = replace(
                    target,
                    updateable=bool(body.get("updateable", target.updateable)),
                    createable=bool(body.get("createable", target.createable)),
                )
            objects[spec.name] = replace(spec, fields=fields)
            self.objects = objects

    def admin_alter(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            raise SchemaError("the body is a JSON object {object, field, remove|updateable}")
        self.alter(body)
        return Response(204)

    def global_describe(self, version: str) -> dict[str, Any]:
        return {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [spec.summary(version) for spec in self.objects.values()],
        }

    def describe(self, spec: ObjectSpec, version: str) -> dict[str, Any]:
        described = spec.summary(version)
        described["fields"] = [f.describe() for f in spec.fields.values()]
        described["childRelationships"] = [
            {
                "childSObject": child.name,
                "field": f.name,
                "relationshipName": f"{child.label_plural.replace(' ', '')}",
                "cascadeDelete": False,
            }
            for child in self.objects.values()
            for f in child.fields.values()
            if spec.name in f.reference_to
        ]
        return described
