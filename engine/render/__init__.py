"""Plan renderers, one per output format; each redacts secrets from what it returns."""

from __future__ import annotations

from ..errors import ConfigError
from ..plan import Plan
from .github import render_github
from .json import render_json
from .markdown import render_markdown
from .text import render_text

FORMATS = ("text", "markdown", "json", "github")


def render(plan: Plan, fmt: str, *, color: bool = False) -> str:
    """`plan` in the format named `fmt` (one of FORMATS); `color` applies to text only."""
    if fmt == "text":
        return render_text(plan, color=color)
    if fmt == "markdown":
        return render_markdown(plan)
    if fmt == "json":
        return render_json(plan)
    if fmt == "github":
        return render_github(plan)
    raise ConfigError(f"unknown plan format {fmt!r}; use one of: {', '.join(FORMATS)}")


__all__ = ["FORMATS", "render", "render_github", "render_json", "render_markdown", "render_text"]
