"""Adobe Commerce's wire shapes: the error body, the messages it uses, and the default objects.

Every error is `{"message": "... %name ... %1 ...", "parameters": {...} | [...]}` (plus `errors`
for several input errors): the client fills the placeholders from `parameters`, by name or by
position. The messages below are Magento's own (NoSuchEntityException, InputException,
AuthorizationException, the service input processor).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from .http import Response

SYSTEM = "adobe_commerce"

NO_SUCH_ENTITY = "No such entity with %fieldName = %fieldValue"
REQUIRED = '"%fieldName" is required. Enter and try again.'
INVALID_VALUE = 'Invalid value of "%value" provided for the %fieldName field.'
SEVERAL = "One or more input exceptions have occurred."
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."
SIGN_IN = (
    "The account sign-in was incorrect or your account is disabled temporarily. "
    "Please wait and try again later."
)
NO_ROUTE = "Request does not match any route."
NO_ACCESSOR = 'Property "%1" does not have accessor method "%2" in class "%3".'
EMAIL_TAKEN = "A customer with the same email address already exists in an associated website."
STORE_NOT_FOUND = "The store that was requested wasn't found. Verify the store and try again."
ROLE_NAME_TAKEN = (
    "User role with this name already exists. Enter a different name to save this role."
)
ARRAY_LIMIT = 'Maximum items of type "%type" is %max'

COMPANY_CLASS = "Magento\\Company\\Api\\Data\\CompanyInterface"
COMPANY_EXTENSION_CLASS = "Magento\\Company\\Api\\Data\\CompanyExtensionInterface"
CUSTOMER_CLASS = "Magento\\Customer\\Api\\Data\\CustomerInterface"
COMPANY_CUSTOMER_CLASS = "Magento\\Company\\Api\\Data\\CompanyCustomerInterface"
ROLE_CLASS = "Magento\\Company\\Api\\Data\\RoleInterface"
CREDIT_CLASS = "Magento\\CompanyCredit\\Api\\Data\\CreditLimitInterface"

STATUS_PENDING, STATUS_APPROVED, STATUS_REJECTED, STATUS_BLOCKED = 0, 1, 2, 3
COMPANY_STATUSES = (STATUS_PENDING, STATUS_APPROVED, STATUS_REJECTED, STATUS_BLOCKED)

ROLE_RESOURCES = (
    "Magento_Company::index",
    "Magento_Sales::all",
    "Magento_Sales::place_order",
    "Magento_Sales::payment_account",
    "Magento_Sales::view_orders",
    "Magento_Sales::view_orders_sub",
    "Magento_NegotiableQuote::all",
    "Magento_NegotiableQuote::view_quotes",
    "Magento_NegotiableQuote::manage",
    "Magento_NegotiableQuote::checkout",
    "Magento_NegotiableQuote::view_quotes_sub",
    "Magento_PurchaseOrder::all",
    "Magento_PurchaseOrder::view_purchase_orders",
    "Magento_PurchaseOrder::view_purchase_orders_for_subordinates",
    "Magento_PurchaseOrder::view_purchase_orders_for_company",
    "Magento_PurchaseOrder::autoapprove_purchase_order",
    "Magento_PurchaseOrder::super_approve_purchase_order",
    "Magento_PurchaseOrder::view_approval_rules",
    "Magento_PurchaseOrder::manage_approval_rules",
    "Magento_Company::view",
    "Magento_Company::view_account",
    "Magento_Company::edit_account",
    "Magento_Company::view_address",
    "Magento_Company::edit_address",
    "Magento_Company::contacts",
    "Magento_Company::payment_information",
    "Magento_Company::shipping_information",
    "Magento_Company::user_management",
    "Magento_Company::roles_view",
    "Magento_Company::roles_edit",
    "Magento_Company::users_view",
    "Magento_Company::users_edit",
    "Magento_Company::credit",
    "Magento_Company::credit_history",
)
"""Every company resource, in the order a role lists its permissions."""

DEFAULT_USER_ALLOWS = (
    "Magento_Company::index",
    "Magento_Sales::all",
    "Magento_Sales::place_order",
    "Magento_Sales::view_orders",
    "Magento_NegotiableQuote::all",
    "Magento_NegotiableQuote::view_quotes",
    "Magento_NegotiableQuote::manage",
    "Magento_NegotiableQuote::checkout",
    "Magento_Company::view",
    "Magento_Company::view_account",
    "Magento_Company::view_address",
    "Magento_Company::contacts",
    "Magento_Company::payment_information",
    "Magento_Company::user_management",
    "Magento_Company::users_view",
)
"""What the "Default User" role a new company gets allows (the guide's example role)."""

COMPANY_FIELDS = (
    "id",
    "status",
    "company_name",
    "legal_name",
    "company_email",
    "vat_tax_id",
    "reseller_id",
    "comment",
    "street",
    "city",
    "country_id",
    "region",
    "region_id",
    "postcode",
    "telephone",
    "customer_group_id",
    "sales_representative_id",
    "reject_reason",
    "rejected_at",
    "super_user_id",
    "extension_attributes",
)
COMPANY_REQUIRED = (
    "company_name",
    "company_email",
    "street",
    "city",
    "country_id",
    "postcode",
    "telephone",
    "customer_group_id",
    "super_user_id",
)
COMPANY_EXTENSIONS = (
    "quote_config",
    "applicable_payment_method",
    "available_payment_methods",
    "use_config_settings",
    "is_purchase_order_enabled",
    "applicable_shipping_method",
    "available_shipping_methods",
    "use_config_settings_shipping",
)
CUSTOMER_FIELDS = (
    "id",
    "group_id",
    "default_billing",
    "default_shipping",
    "confirmation",
    "created_at",
    "updated_at",
    "created_in",
    "dob",
    "email",
    "firstname",
    "lastname",
    "middlename",
    "prefix",
    "suffix",
    "gender",
    "store_id",
    "taxvat",
    "website_id",
    "addresses",
    "disable_auto_group_change",
    "extension_attributes",
    "custom_attributes",
)
CUSTOMER_EXTENSIONS = ("company_attributes", "is_subscribed", "assistance_allowed")
COMPANY_CUSTOMER_FIELDS = (
    "customer_id",
    "company_id",
    "job_title",
    "status",
    "telephone",
    "is_default",
    "extension_attributes",
)


def error(
    status: int,
    message: str,
    parameters: Mapping[str, Any] | Sequence[Any] | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
) -> Response:
    body: dict[str, Any] = {"message": message}
    if parameters:
        body["parameters"] = parameters if isinstance(parameters, Mapping) else list(parameters)
    if errors:
        body["errors"] = [dict(e) for e in errors]
    return Response(status, body)


def no_such_entity(name: str, value: Any) -> Response:
    return error(404, NO_SUCH_ENTITY, {"fieldName": name, "fieldValue": value})


def required(names: Sequence[str]) -> Response:
    """One missing field: its message; several: the InputException list under `errors`."""
    if len(names) == 1:
        return error(400, REQUIRED, {"fieldName": names[0]})
    return error(
        400,
        SEVERAL,
        errors=[{"message": REQUIRED, "parameters": {"fieldName": n}} for n in names],
    )


def invalid(name: str, value: Any) -> Response:
    return error(400, INVALID_VALUE, {"value": value, "fieldName": name})


def no_accessor(name: str, class_name: str) -> Response:
    getter = "get" + "".join(part.capitalize() for part in name.split("_"))
    return error(400, NO_ACCESSOR, [name, getter, class_name])


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def as_int(value: Any) -> int | None:
    """An integer id as Magento's type juggling reads it ("12" and 12), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
