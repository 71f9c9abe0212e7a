"""The solver's runs shown as work-done progress: "checking NAME" from the start of a run to
its end, which says how many findings the run published (or that an edit ended it)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import PurePosixPath

from lsprotocol import types
from pygls.progress import Progress


@dataclass
class _Shown:
    token: str
    created: bool = False
    #: the end to send once the client has created the token
    ending: str | None = None


class CheckProgress:
    """One progress token per run; nothing at all for a client that cannot show progress."""

    def __init__(self, progress: Progress, supported: bool) -> None:
        self.progress, self.supported = progress, supported
        self.shown: dict[tuple[str, int], _Shown] = {}
        self._numbers = itertools.count(1)

    def begin(self, uri: str, version: int) -> None:
        if not self.supported:
            return
        shown = self.shown[(uri, version)] = _Shown(f"normcheck-check-{next(self._numbers)}")
        name = PurePosixPath(uri).name

        def created(*_args: object) -> None:
            shown.created = True
            self.progress.begin(shown.token, types.WorkDoneProgressBegin(
                title="normcheck", message=f"checking {name}", cancellable=False))
            if shown.ending is not None:
                self._end(shown, shown.ending)

        self.progress.create(shown.token, created)

    def end(self, uri: str, version: int, message: str) -> None:
        shown = self.shown.pop((uri, version), None)
        if shown is None:
            return
        if shown.created:
            self._end(shown, message)
        else:
            shown.ending = message

    def _end(self, shown: _Shown, message: str) -> None:
        self.progress.end(shown.token, types.WorkDoneProgressEnd(message=message))
        self.progress.tokens.pop(shown.token, None)
