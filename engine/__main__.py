"""`python -m engine` is the storegate command."""

from engine.cli import main

main()
