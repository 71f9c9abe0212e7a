"""`--executor`: where the roots are checked, here (`local`) or on a Dask cluster.

`dask://HOST:PORT` names a `dask.distributed` scheduler. Dask is an optional extra
(`pip install 'normlang[dask]'`), imported only here and only for such an address: it costs
a second or so to import, which a plain run never pays.
"""

from __future__ import annotations

import re

from .common import UsageError

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from concurrent.futures import Executor
    from typing import Any

#: how long connecting to a scheduler may take at most, seconds (Dask's own
#: `distributed.comm.timeouts.connect` shortens it when lower)
CONNECT_TIMEOUT_S = 10.0

_ADDRESS = re.compile(r"dask://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})")


def scheduler_address(text: str, where: str) -> str | None:
    """The scheduler that an `--executor` value names, as Dask spells it (`tcp://HOST:PORT`);
    None for `local`. Anything else is a usage error that says what is expected."""
    if text == "local":
        return None
    matched = _ADDRESS.fullmatch(text)
    if matched is None or not 0 < int(matched.group(2)) < 65536:
        hint = ("" if not text.startswith("dask://") else
                ": the scheduler's host and port are needed, as in `dask://127.0.0.1:8786`")
        raise UsageError(f"{where}: unknown executor `{text}`; expected `local` or "
                         f"`dask://HOST:PORT`{hint}")
    return f"tcp://{matched.group(1)}:{int(matched.group(2))}"


class Cluster:
    """A connection to a Dask scheduler, and the executor that sends tasks through it."""

    def __init__(self, address: str) -> None:
        try:
            import dask
            import distributed
        except ImportError:
            raise UsageError(f"`--executor dask://...` needs Dask: pip install 'normlang[dask]' "
                             f"(scheduler {address})") from None
        from dask.utils import parse_timedelta

        configured = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s")
        timeout = min(CONNECT_TIMEOUT_S, configured or CONNECT_TIMEOUT_S)
        client: Any = distributed.Client  # Dask's API is untyped in places
        try:
            self.client: Any = client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as problem:
            raise UsageError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                             f"({problem})") from None
        # pure=False: a task sent again after its worker died must be a new task, not the
        # lost one under the same key
        self.executor: Executor = self.client.get_executor(pure=False)
        #: what a future raises when its task was lost: `KilledWorker` when the workers running
        #: it died, and anything else (a worker that cannot unpack it, say), since a check
        #: reports its own failures as findings; either is retried once, then `solver-unknown`
        self.lost: tuple[type[BaseException], ...] = (distributed.KilledWorker, Exception)
        self._files: dict[str, Any] = {}

    def share(self, blobs: dict[str, bytes]) -> dict[str, Any]:
        """Futures of the files' bytes, by name, each sent to the cluster once per run.

        Each is a task that returns its bytes rather than scattered data: the scheduler keeps
        a task's inputs, so bytes held by a worker that dies are made again elsewhere."""
        for name, data in blobs.items():
            if name not in self._files:
                self._files[name] = self.client.submit(_same, data, key=f"normlang-file-{name}")
        return {name: self._files[name] for name in blobs}

    def close(self) -> None:
        self.executor.shutdown(wait=False)
        self.client.close()


def _same(data: bytes) -> bytes:
    return data
