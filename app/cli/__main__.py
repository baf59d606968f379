"""`python -m app.cli` is the `codegen` command."""

from app.cli import main

main()
