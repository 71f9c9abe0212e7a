"""`python -m normlang.cli`: the same as the `normcheck` command."""

from .main import console

console()
