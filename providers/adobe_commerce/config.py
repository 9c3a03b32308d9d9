"""`systems.<name>` of type `adobe_commerce` in storegate.yaml, and `account.stores.<name>` in
account files (the company's legal address and admin, which Adobe Commerce needs to create it)."""

from __future__ import annotations

from itertools import product
from typing import Literal

from pydantic import Field, model_validator

from ..contract import PERMISSIONS
from ..settings import SecretRef, Setting, Strict

INDEX_RESOURCE = "Magento_Company::index"
PAY_ON_ACCOUNT = "companycredit"
"""The method code of "Payment on Account" (Adobe Commerce B2B's company credit)."""

BUYER = (
    INDEX_RESOURCE,
    "Magento_Sales::all",
    "Magento_Sales::place_order",
    "Magento_Sales::view_orders",
    "Magento_Company::view",
    "Magento_Company::view_account",
    "Magento_Company::view_address",
    "Magento_Company::contacts",
)
ON_ACCOUNT = ("Magento_Sales::payment_account",)
CREDIT = ("Magento_Company::credit", "Magento_Company::credit_history")


class RoleRule(Strict):
    """Contacts whose permissions match (a permission left out matches either value) get `role`."""

    role: str = Field(min_length=1, description="the company role's name")
    purchase_on_account: bool | None = None
    account_credit: bool | None = None
    account_points: bool | None = None
    account_pricing: bool | None = None

    def matches(self, permissions: dict[str, bool]) -> bool:
        return all(
            getattr(self, name) is None or getattr(self, name) == permissions[name]
            for name in PERMISSIONS
        )


DEFAULT_RULES = (
    RoleRule(role="Buyer on Account with Credit", purchase_on_account=True, account_credit=True),
    RoleRule(role="Buyer on Account", purchase_on_account=True),
    RoleRule(role="Buyer with Credit", account_credit=True),
    RoleRule(role="Buyer"),
)
DEFAULT_RESOURCES = {
    "Buyer on Account with Credit": [*BUYER, *ON_ACCOUNT, *CREDIT],
    "Buyer on Account": [*BUYER, *ON_ACCOUNT],
    "Buyer with Credit": [*BUYER, *CREDIT],
    "Buyer": list(BUYER),
}


class CompanyDetails(Strict):
    """What Adobe Commerce requires to create a company (besides its name and admin)."""

    company_email: str | None = Field(None, description="the company's email (need not be unique)")
    legal_name: str | None = None
    vat_tax_id: str | None = None
    street: list[str] | None = Field(None, min_length=1, max_length=2)
    city: str | None = None
    country_id: str | None = Field(None, pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2")
    region: str | None = Field(None, description="state or province")
    region_id: int | None = None
    postcode: str | None = None
    telephone: str | None = None


REQUIRED_DETAILS = (
    "company_email",
    "street",
    "city",
    "country_id",
    "region",
    "postcode",
    "telephone",
)


class AdobeCommerceAccountOptions(CompanyDetails):
    """`account.stores.<name>`: the company's details (over `company_defaults`) and its admin."""

    super_user: str | None = Field(
        None,
        description="email of the contact (in this file) who becomes the company admin on create "
        "(default: the first active contact)",
    )
    delete_company: bool = Field(
        False,
        description="delete the company (its users become inactive); every contact must be revoked",
    )


class AdobeCommerceSystem(Strict):
    type: Literal["adobe_commerce"] = "adobe_commerce"
    accounts: Literal["all", "listed"] = Field(
        "listed",
        description="serve every account file that lists no stores (all), or only those listing it",
    )
    base_url: Setting = Field(description="https host; /rest/{store_code}/V1 is added")
    store_code: str = Field("default", description="the store view in the REST path (or all)")
    username: Setting = Field(description="admin user for POST /V1/integration/admin/token")
    password: SecretRef
    ca_bundle: Setting | None = Field(None, description="CA file to trust (the sandbox's ca.pem)")
    timeout_seconds: float = Field(30.0, gt=0)
    max_retries: int = Field(5, ge=1, description="attempts per call on 5xx, 429 and lost answers")
    page_size: int = Field(
        300,
        ge=1,
        description="searchCriteria[pageSize]; 300 is the maximum when the store enables its Web "
        "API input limits (a smaller maximum the store reports is adopted)",
    )
    max_concurrency: int = Field(4, ge=1, le=16, description="writes in flight at once")
    salesforce_id_attribute: str = Field(
        "salesforce_id",
        description="the company extension attribute holding the Salesforce Account Id (the "
        "Salesforce integration's 'Salesforce ID' column)",
    )
    salesforce_id_from_crm: bool = Field(
        True, description="without salesforce_id in the file, write the CRM account's id"
    )
    shared_catalogs: dict[str, int] = Field(
        default_factory=dict,
        description="price book name -> customer_group_id of its shared catalog",
    )
    default_customer_group_id: int = Field(
        1, description="the group of `price_book: null` and of new companies (1: default catalog)"
    )
    roles: list[RoleRule] = Field(
        default_factory=lambda: list(DEFAULT_RULES),
        description="the first rule matching a contact's four permissions names its company role",
    )
    role_resources: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_RESOURCES.items()},
        description="role name -> the company resources it allows (every other one is denied)",
    )
    payment_methods: list[str] = Field(
        default_factory=lambda: ["checkmo", "banktransfer", "purchaseorder"],
        description="a company's payment methods besides Payment on Account, when storegate first "
        "pins them (afterwards the company's own list is kept)",
    )
    company_defaults: CompanyDetails = Field(
        default_factory=CompanyDetails,
        description="company details for accounts whose options leave them out",
    )
    job_title: str = Field("Buyer", description="company_attributes.job_title of a new user")

    @model_validator(mode="after")
    def _roles_are_complete(self) -> AdobeCommerceSystem:
        if not self.roles:
            raise ValueError("roles: at least one rule is needed")
        for values in product((False, True), repeat=len(PERMISSIONS)):
            permissions = dict(zip(PERMISSIONS, values, strict=True))
            if not any(rule.matches(permissions) for rule in self.roles):
                shown = ", ".join(f"{k}: {str(v).lower()}" for k, v in permissions.items())
                raise ValueError(
                    f"roles: no rule matches {{{shown}}}; end the list with a rule naming only a role"
                )
        missing = sorted({r.role for r in self.roles} - set(self.role_resources))
        if missing:
            raise ValueError(f"role_resources: no resources for role(s) {', '.join(missing)}")
        return self

    def role_for(self, permissions: dict[str, bool]) -> str:
        return next(rule.role for rule in self.roles if rule.matches(permissions))

    def resources_of(self, role: str) -> list[str]:
        """The resources a role allows, always with the root resource the API requires."""
        return sorted({INDEX_RESOURCE, *self.role_resources[role]})
