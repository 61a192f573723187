"""``python -m cybermutual``: the same command line as ``cybermutual``."""

from cybermutual.cli import app

app(prog_name="cybermutual")
