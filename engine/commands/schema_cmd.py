"""`storegate schema [--out DIR] [--check]`: the JSON Schemas of both file kinds, from engine.model."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from pydantic import BaseModel

from ..model import AccountFile
from ..registry import config_model

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def schemas() -> dict[str, tuple[type[BaseModel], str]]:
    """storegate.yaml's schema holds each installed provider's settings (a union keyed on `type`)."""
    return {
        "storegate.schema.json": (
            config_model(),
            "storegate.yaml: systems, state backend and safety policy",
        ),
        "account.schema.json": (AccountFile, "accounts/*.yaml: one account and its contacts"),
    }


def schema_documents() -> dict[str, str]:
    """File name -> the schema text, exactly as checked in under schemas/."""
    documents = {}
    for name, (model, title) in schemas().items():
        schema = {"$schema": DRAFT, "$id": name, **model.model_json_schema(), "title": title}
        documents[name] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return documents


def stale_schemas(directory: Path) -> list[str]:
    """The schema files in `directory` that are missing or differ from the models."""
    stale = []
    for name, text in schema_documents().items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def register(app: typer.Typer) -> None:
    @app.command()
    def schema(
        out: Path = typer.Option(
            Path("schemas"), "--out", help="Directory to write the schemas to."
        ),
        check: bool = typer.Option(
            False, "--check", help="Write nothing; exit 1 when the files in --out are stale."
        ),
    ) -> None:
        """Write the JSON Schemas of storegate.yaml and account files (for editors and CI)."""
        if check:
            stale = stale_schemas(out)
            for name in stale:
                typer.echo(f"{out / name}: stale; run `storegate schema --out {out}`")
            if stale:
                raise SystemExit(1)  # see validate.py: typer.Exit is swallowed by cli.main
            typer.echo(f"schemas in {out} are up to date")
            return
        out.mkdir(parents=True, exist_ok=True)
        for name, text in schema_documents().items():
            (out / name).write_text(text, encoding="utf-8")
            typer.echo(f"wrote {out / name}")
