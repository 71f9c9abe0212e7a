#!/usr/bin/env python3
"""How long `normcheck lsp` takes from an edit to its front-end diagnostics.

    python bench/lsp_latency.py [--edits 30] [--norms 200] [--big 1000]

Starts the installed `normcheck lsp` as an editor would (a pygls client over stdio) and:

1. opens one file of `--norms` generated norms (a rule book of bench/generate.py, flattened
   into one file), then makes `--edits` edits, one a second, each alternately breaking and
   mending a name (so each version's diagnostics differ): the time from sending each
   `didChange` to the `publishDiagnostics` of that version (the front end's; the solver's
   follow after the pause). Between edits the solver runs on the 200 norms, as it does
   while a person types.
2. opens a spec of `--big` norms and, while the solver checks it, edits a small file
   (`--edits` edits, 0.1 s apart): the same latency, for the edits sent before the big
   spec's findings were published (so while its solver ran), beside the small file's
   latency with nothing else running.

Prints the median and the worst of each, in milliseconds. The machine's load counts: on a
shared machine the worst case says more about the neighbours than about normcheck.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from generate import build_book, render_part, render_vocabulary

SMALL = "agent bot\naction bot.talk\nfact asked: bool\n\nnorm speak\n  when {fact}\n  bot must talk\n"


@dataclass
class Watcher:
    """When each (uri, version)'s first diagnostics arrived, and every arrival per uri."""

    first: dict[tuple[str, int], float] = field(default_factory=dict)
    #: every publication's arrival, by uri
    times: dict[str, list[float]] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def publish(self, params: types.PublishDiagnosticsParams) -> None:
        now = time.perf_counter()
        self.first.setdefault((params.uri, params.version or 0), now)
        self.times.setdefault(params.uri, []).append(now)
        self.arrived.set()

    async def version(self, uri: str, version: int, wait: float = 60.0) -> float:
        deadline = time.perf_counter() + wait
        while (uri, version) not in self.first:
            self.arrived.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no diagnostics for {uri} version {version}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), left)
        return self.first[(uri, version)]


def flat_book(norms: int) -> str:
    """A generated rule book of `norms` norms as one file (its imports inlined)."""
    book = build_book(norms, seed=1)
    parts = [render_vocabulary(book)] + [render_part(part) for part in book.parts]
    return "\n".join(line for text in parts for line in text.splitlines()
                     if not line.startswith("import ")) + "\n"


#: where the server writes its log (`--log`), if anywhere; whether to print every time
LOG: list[str] = []
EVERY: list[bool] = []


async def start(folder: Path, watcher: Watcher) -> LanguageClient:
    client = LanguageClient("lsp-latency", "1")
    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        watcher.publish(params)

    command = Path(sys.executable).parent / "normcheck"
    await client.start_io(str(command) if command.exists() else "normcheck", "lsp", *LOG)
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=folder.as_uri(),
        workspace_folders=[types.WorkspaceFolder(folder.as_uri(), folder.name)]))
    client.initialized(types.InitializedParams())
    return client


def open_doc(client: LanguageClient, path: Path, text: str) -> str:
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri, "norm", 1, text)))
    return uri


async def edit(client: LanguageClient, watcher: Watcher, uri: str, text: str,
               version: int) -> float:
    """Send the whole new text; the milliseconds until that version's diagnostics came."""
    sent = time.perf_counter()
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=version, uri=uri),
        [types.TextDocumentContentChangeWholeDocument(text=text)]))
    return (await watcher.version(uri, version) - sent) * 1000


def summary(name: str, times: list[float]) -> str:
    if any(EVERY):
        name += " (" + ", ".join(f"{t:.0f}" for t in times) + ")"
    return (f"{name}: median {statistics.median(times):.0f} ms, worst {max(times):.0f} ms "
            f"over {len(times)} edits")


async def typing_in_one_file(folder: Path, norms: int, edits: int) -> list[float]:
    watcher = Watcher()
    client = await start(folder, watcher)
    text = flat_book(norms)
    uri = open_doc(client, folder / "book.norm", text)
    await watcher.version(uri, 1)
    fact = next(line.split()[1].rstrip(":") for line in text.splitlines()
                if line.startswith("fact "))
    broken = text.replace(f"when {fact}", f"when {fact}x", 1)
    assert broken != text, "the generated book reads no fact in a `when`"
    times = []
    for version in range(2, edits + 2):
        times.append(await edit(client, watcher, uri, broken if version % 2 else text, version))
        await asyncio.sleep(1.0)
    await stop(client)
    return times


async def typing_beside_a_big_check(folder: Path, big: int, edits: int
                                    ) -> tuple[list[float], list[float], bool]:
    watcher = Watcher()
    client = await start(folder, watcher)
    small = open_doc(client, folder / "small.norm", SMALL.format(fact="asked"))
    await watcher.version(small, 1)
    alone = []
    for version in range(2, edits + 2):
        fact = "askd" if version % 2 else "asked"
        alone.append(await edit(client, watcher, small, SMALL.format(fact=fact), version))
        await asyncio.sleep(0.1)
    big_uri = open_doc(client, folder / "big.norm", flat_book(big))
    await watcher.version(big_uri, 1)
    await asyncio.sleep(0.6)  # past the pause: the solver now checks the big spec
    beside, sent = [], []
    for version in range(edits + 2, 2 * edits + 2):
        fact = "askd" if version % 2 else "asked"
        sent.append(time.perf_counter())
        beside.append(await edit(client, watcher, small, SMALL.format(fact=fact), version))
        await asyncio.sleep(0.1)
    while len(watcher.times[big_uri]) < 2:  # the front end's, then the solver's
        watcher.arrived.clear()
        await asyncio.wait_for(watcher.arrived.wait(), 300)
    checked = watcher.times[big_uri][1]
    during = [ms for ms, at in zip(beside, sent) if at < checked]
    await stop(client)
    return alone, during, checked > sent[-1]


async def stop(client: LanguageClient) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        times = await typing_in_one_file(Path(folder), args.norms, args.edits)
        print(summary(f"front end, one file of {args.norms} norms", times))
    with tempfile.TemporaryDirectory() as folder:
        alone, beside, overlapped = await typing_beside_a_big_check(Path(folder), args.big,
                                                                    args.edits)
        print(summary("front end, a small file, nothing else running", alone))
        print(summary(f"front end, a small file, while {args.big} norms are checked", beside))
        print(f"(the edits sent before the {args.big}-norm check's findings came; "
              f"{'all' if overlapped else 'not all'} of the {args.edits} were)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--norms", type=int, default=200)
    parser.add_argument("--big", type=int, default=1000)
    parser.add_argument("--log", metavar="FILE", help="the server's log (`normcheck lsp --log`)")
    parser.add_argument("--times", action="store_true", help="print every edit's time too")
    args = parser.parse_args()
    if args.log:
        LOG.extend(["--log", args.log])
    EVERY.append(args.times)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
