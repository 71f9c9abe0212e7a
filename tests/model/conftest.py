"""The model tests load specs through the front end's helpers (tests/syntax/frontend_helpers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "syntax"))
