"""The `subplane` command line (Typer + Rich)."""
