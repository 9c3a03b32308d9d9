"""`python -m engine` is the storegate command."""

from storegate.engine.cli import main

main()
