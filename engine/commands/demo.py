"""`storegate demo`: the whole loop on examples/ against a throwaway sandbox."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import typer
import yaml

from ..errors import StoregateError
from .session import echo

HERE = Path(__file__).resolve().parents[2]


def _examples() -> Path:
    for candidate in (Path.cwd() / "examples", HERE / "examples"):
        if (candidate / "storegate.yaml").is_file():
            return candidate
    raise typer.BadParameter("no examples/ folder with a storegate.yaml here; pass --examples DIR")


def _run(app: typer.Typer, args: list[str]) -> int:
    """One storegate command, run by the app that registered the demo (as a user would type it)."""
    try:
        code = app(args, standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except StoregateError as exc:
        echo(f"error: {exc}", err=True)
        return 1
    return code if isinstance(code, int) else 0


def _do_manual_steps(sandbox: Any, repo: Path) -> None:
    """A person does the manual steps apply recorded, in the sandbox's emulated dashboards, so the
    next plan shows storegate seeing them done."""
    from ...state.base import DEFAULT_REPO
    from ...state.factory import open_backend
    from ..load import load_config

    config = load_config(repo)
    document = open_backend(config.state, repo, config.repo or DEFAULT_REPO).read()
    pending = [
        (address, step)
        for address, resource in sorted(document.resources.items())
        if isinstance(step := resource.attributes.get("manual"), dict)
        and step.get("status") == "pending"
    ]
    if not pending:
        return
    echo("\n# a person does the manual steps in the sandbox's dashboards:")
    for address, step in pending:
        done = sandbox.do_manual_step(address, step.get("after") or {})
        echo(f"  {'done' if done else 'left to do'}: {step.get('title') or address}")


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        examples: Path | None = typer.Option(None, "--examples", help="An access repo to demo."),
        keep: bool = typer.Option(False, "--keep", help="Keep the temporary folder afterwards."),
    ) -> None:
        """Start the sandbox, seed it, run plan and apply on the examples, then stop it."""
        from ...sandbox.seed import load_seed
        from ...sandbox.server import Sandbox

        source = examples or _examples()
        work = Path(tempfile.mkdtemp(prefix="storegate-demo-"))
        repo = work / "access-repo"
        shutil.copytree(
            source, repo, ignore=shutil.ignore_patterns(".storegate", ".github", "__pycache__")
        )
        seed_file = repo / "sandbox-seed.yaml"
        saved_env = dict(os.environ)
        try:
            with Sandbox(work / "sandbox") as sandbox:
                if seed_file.is_file():
                    load_seed(sandbox.store, yaml.safe_load(seed_file.read_text(encoding="utf-8")))
                os.environ.update(sandbox.env)
                echo(f"Sandbox running at {sandbox.url}; access repo copied to {repo}\n")
                steps = [
                    ("storegate validate", ["validate", str(repo)]),
                    ("storegate plan", ["plan", str(repo), "--out", str(work / "plan.json")]),
                    (
                        "storegate apply plan.json --allow-empty-state"
                        "   # the first apply takes over an existing org's records",
                        [
                            "apply",
                            str(work / "plan.json"),
                            "--dir",
                            str(repo),
                            "--allow-empty-state",
                        ],
                    ),
                    ("storegate plan (again: nothing left to do)", ["plan", str(repo)]),
                ]
                for title, args in steps:
                    if args[0] == "plan" and args[-1] == str(repo):
                        _do_manual_steps(sandbox, repo)
                    echo(f"\n$ {title}")
                    code = _run(app, args)
                    if code not in (0, 2):
                        raise typer.Exit(code)
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
            if keep:
                echo(f"\nKept the demo's access repo, state and receipts in {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
                echo(
                    "\nRemoved the demo's temporary folder; run `storegate demo --keep` to keep it."
                )
