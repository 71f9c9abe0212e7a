#!/usr/bin/env python3
"""A synthetic timed rule book (docs/language.md, "Time"), for one benchmark run.

    python bench/generate_timed.py --norms N --out DIR [--seed S]

writes `DIR/main.norm`: one agent, N/10 events and, per action, a duty `on E must
a_i within W1` and a ban `on F must not a_i within W2` (every third action also a
permission `on F may a_i within W3`, W3 > 2 * W2). Each action is its own group. Where W1 <= W2
(one action in three) the duty fits inside one ban: a planted conflict; elsewhere
W1 > 2 * W2, so not even two bans (K = 2) cover the duty's window, and nothing is
found. `DIR/manifest.json` lists the planted conflicts.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path


def book(norms: int, seed: int) -> tuple[str, list[list[str]]]:
    rng = random.Random(seed)
    events = max(2, norms // 10)
    lines = ["agent bot", *(f"event e{i}" for i in range(events))]
    planted: list[list[str]] = []
    body: list[str] = []
    count = 0
    action = 0
    while count < norms:
        name = f"a{action}"
        lines.append(f"action bot.{name}")
        first, second = rng.sample(range(events), 2)
        ban = rng.randint(1, 30)
        duty = rng.randint(1, ban) if action % 3 == 0 else 2 * ban + rng.randint(1, 30)
        body.append(f'norm duty_{name} "bench" on e{first} bot must {name} within {duty} s')
        body.append(f'norm ban_{name} "bench" on e{second} bot must not {name} within {ban} s')
        count += 2
        if action % 3 == 0:
            planted.append(sorted([f"ban_{name}", f"duty_{name}"]))
        elif action % 3 == 1 and count < norms:
            # a permission longer than two bans: never undermined
            body.append(f'norm may_{name} "bench" on e{second} bot may {name} '
                        f'within {2 * ban + 5} s')
            count += 1
        action += 1
    return "\n".join(lines + body) + "\n", planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--norms", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    text, planted = book(args.norms, args.seed)
    (args.out / "main.norm").write_text(text, encoding="utf-8")
    (args.out / "manifest.json").write_text(json.dumps({"conflict": planted}, indent=1) + "\n",
                                            encoding="utf-8")


if __name__ == "__main__":
    main()
