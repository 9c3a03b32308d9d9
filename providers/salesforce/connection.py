"""The one place every Salesforce API call goes through.

It authenticates lazily, counts each HTTP attempt (`calls()`), retries transient failures (5xx,
timeouts, dropped connections) with bounded exponential backoff, renews an expired OAuth session
once, and turns the org's API limit into ApiLimitExceeded. Callers pass `retry_transient=False`
for creates: a create that may have reached the server is never blindly sent again. A request whose
answer never came raises NoAnswer: it may still land, so the caller waits out the uncertainty window
(`wait_out_uncertainty`) before looking up what landed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import requests
import urllib3.exceptions
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from ..contract import (
    ApiLimitExceeded,
    AuthError,
    ConfigError,
    ProviderError,
    TransientError,
)
from ..net_errors import network_failure, request_url, shown_url
from ..retrying import NoAnswer
from ..settings import resolve_path
from .auth import Session, authenticate, session_env_name
from .config import SalesforceSystem, SessionAuth

T = TypeVar("T")

DEFAULT_RETRY_BASE_DELAY = 0.5
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, SalesforceGeneralError):
        return exc.status >= 500
    if isinstance(exc, requests.ConnectionError) and network_failure(exc).permanent:
        return False  # a certificate or DNS failure fails the same way every time
    return isinstance(
        exc,
        requests.ConnectionError
        | requests.Timeout
        | requests.exceptions.ChunkedEncodingError
        | requests.exceptions.JSONDecodeError,
    )


def is_unanswered(exc: BaseException) -> bool:
    """Whether a failed request may still land: it was sent and its answer never came."""
    if isinstance(exc, SalesforceGeneralError):
        return exc.status == 504
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False  # never connected, so never sent
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return not isinstance(reason, urllib3.exceptions.NewConnectionError)
    return isinstance(exc, requests.Timeout)


def _describe_transient(exc: BaseException) -> str:
    if isinstance(exc, SalesforceGeneralError):
        return f"HTTP {exc.status}"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.JSONDecodeError):
        return "truncated response"
    return "connection dropped"


def error_text(content: Any) -> str:
    """`CODE: message` from a Salesforce error body (a JSON array of {errorCode, message})."""
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        first = content[0]
        return f"{first.get('errorCode', 'ERROR')}: {first.get('message', '')}".strip()
    return str(content)[:300]


def _error_code(content: Any) -> str:
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        return str(content[0].get("errorCode", ""))
    return ""


class Connection:
    def __init__(
        self,
        settings: SalesforceSystem,
        root: Path,
        *,
        retry_base_delay: float = DEFAULT_RETRY_BASE_DELAY,
    ) -> None:
        self._settings = settings
        self._root = root
        self._retry_base_delay = retry_base_delay
        self._calls = 0
        self._client: Salesforce | None = None
        self._limit_info: str | None = None
        self._verify: str | bool = True
        self._http = requests.Session()
        self._http.hooks["response"].append(self._remember_limit_info)

    # ------------------------------------------------------------------ public surface

    def calls(self) -> int:
        return self._calls

    @property
    def max_retries(self) -> int:
        return self._settings.max_retries

    @property
    def external_id_field(self) -> str | None:
        """The Contact External ID field creates upsert on (None: plain creates)."""
        return self._settings.external_id_field

    @property
    def uncertainty_window(self) -> float:
        """Seconds after an unanswered request until what it did is taken to be visible."""
        return self._settings.timeout_seconds + self._settings.uncertainty_margin_seconds

    def wait_out_uncertainty(self) -> None:
        """Sleep through the uncertainty window (before the look-up that precedes a resend)."""
        time.sleep(self.uncertainty_window)

    def close(self) -> None:
        self._http.close()

    def connect(self) -> None:
        """Authenticate now (otherwise the first call does)."""
        self._session_client()

    def request_options(self) -> dict[str, Any]:
        """The requests options every call takes (timeout, the CA to trust), for an operation that
        builds its own request (Bulk API 2.0's CSV bodies); valid inside `call`."""
        return self._options()

    def query_pages(self, soql: str) -> Iterator[list[dict[str, Any]]]:
        """Each page of a query's records: one call per page (up to 2,000 records)."""
        page = self.call("query", lambda sf: sf.query(soql, **self._options()))
        yield list(page["records"])
        while not page.get("done", True):
            locator = str(page["nextRecordsUrl"])
            page = self.call("query", self._query_more(locator))
            yield list(page["records"])

    def query(self, soql: str) -> list[dict[str, Any]]:
        return [record for page in self.query_pages(soql) for record in page]

    def rest(
        self,
        what: str,
        method: str,
        path: str,
        *,
        body: Any = None,
        retry_transient: bool = True,
    ) -> Any:
        """A REST call relative to /services/data/vXX.X/ (e.g. composite/sobjects)."""
        return self.call(
            what,
            lambda sf: sf.restful(path, method=method, json=body, **self._options()),
            retry_transient=retry_transient,
        )

    def call(
        self, what: str, operation: Callable[[Salesforce], T], *, retry_transient: bool = True
    ) -> T:
        attempts = 1 + (self._settings.max_retries if retry_transient else 0)
        retrying = Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(
                multiplier=self._retry_base_delay, max=self._retry_base_delay * 16
            ),
            retry=retry_if_exception(is_transient),
            reraise=True,
        )
        try:
            result: T = retrying(self._call_renewing, what, operation)
            return result
        except SalesforceError as exc:
            if is_transient(exc):
                raise self._transient(what, exc, attempts) from None
            raise ProviderError(
                f"Salesforce refused the {what}: {error_text(exc.content)}"
            ) from None
        except requests.RequestException as exc:
            raise self._transient(what, exc, attempts) from None

    # ------------------------------------------------------------------ internals

    def _transient(self, what: str, exc: BaseException, attempts: int) -> ProviderError:
        if isinstance(exc, requests.RequestException) and not isinstance(
            exc, requests.exceptions.JSONDecodeError
        ):
            ca = self._verify if isinstance(self._verify, str) else None
            failure = network_failure(exc, timeout=self._settings.timeout_seconds, ca_file=ca)
            url = shown_url(request_url(exc))
            if failure.permanent:
                return ProviderError(f"Salesforce {what} at {url} failed: {failure.cause}")
            cause = failure.cause
        else:
            url, cause = "", _describe_transient(exc)
        tries = f"after {attempts} attempts" if attempts > 1 else "(creates are not resent blindly)"
        error = NoAnswer if is_unanswered(exc) else TransientError
        at = f" at {url}" if url else ""
        return error(f"Salesforce {what}{at} failed {tries}: {cause}")

    def _call_renewing(self, what: str, operation: Callable[[Salesforce], T]) -> T:
        try:
            return self._once(operation)
        except SalesforceExpiredSession:
            auth = self._settings.auth
            if isinstance(auth, SessionAuth):
                raise AuthError(
                    f"Salesforce session expired or invalid; refresh {session_env_name(auth)}"
                ) from None
            self._client = None
            try:
                return self._once(operation)
            except SalesforceExpiredSession:
                raise AuthError(
                    f"Salesforce rejected the renewed session for the {what}; check "
                    f"systems.salesforce.auth and the connected app's policies"
                ) from None

    def _once(self, operation: Callable[[Salesforce], T]) -> T:
        client = self._session_client()
        self._calls += 1
        try:
            return operation(client)
        except SalesforceRefusedRequest as exc:
            if _error_code(exc.content) == "REQUEST_LIMIT_EXCEEDED":
                raise ApiLimitExceeded(self._limit_message(exc.content)) from None
            raise ProviderError(
                f"Salesforce refused the request: {error_text(exc.content)}"
            ) from None

    def _session_client(self) -> Salesforce:
        if self._client is None:
            self._trust_ca_bundle()
            session: Session = authenticate(self._settings, self._root, self._http, self._verify)
            self._client = Salesforce(
                session_id=session.access_token,
                instance_url=session.instance_url,
                version=self._settings.api_version,
                session=self._http,
            )
        return self._client

    def _query_more(self, locator: str) -> Callable[[Salesforce], Any]:
        return lambda sf: sf.query_more(locator, identifier_is_url=True, **self._options())

    def _options(self) -> dict[str, Any]:
        """requests options for every call: the timeout, and the CA (per request, see auth)."""
        return {"timeout": self._settings.timeout_seconds, "verify": self._verify}

    def _trust_ca_bundle(self) -> None:
        ca = resolve_path(self._settings.ca_bundle, "systems.salesforce.ca_bundle", self._root)
        if ca is None:
            return
        if not ca.is_file():
            raise ConfigError(
                f"systems.salesforce.ca_bundle: {ca} does not exist; point it at the CA file "
                f"to trust (the sandbox writes ca.pem in its directory)"
            )
        self._verify = str(ca)

    def _remember_limit_info(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        info = response.headers.get("Sforce-Limit-Info")
        if info:
            self._limit_info = info

    def _limit_message(self, content: Any) -> str:
        usage = _USAGE.search(self._limit_info or "")
        if usage:
            used, total = int(usage.group(1)), int(usage.group(2))
            budget = f"{used} of {total} API requests used, {max(total - used, 0)} remaining"
        else:
            budget = "the org reported no usage figures"
        return (
            f"Salesforce API request limit exceeded ({error_text(content)}); {budget}; wait for "
            f"the rolling 24-hour window to free calls or raise the org's limit, then re-run"
        )
