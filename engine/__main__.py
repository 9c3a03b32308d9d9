"""`python -m engine` is the storegate command."""

from .cli import main

main()
