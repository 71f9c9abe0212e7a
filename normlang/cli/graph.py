"""`normcheck graph`: the spec as a graph."""

from __future__ import annotations

from .common import EXIT_OK, CommandParser, write_output
from .one_spec import load_spec, report_malformed, report_undecided

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:

    pass



def graph_command(argv: list[str]) -> int:
    parser = CommandParser(prog="normcheck graph", description="The spec as a graph: norms, "
                           "priority, clashes, imports.")
    parser.add_argument("file")
    parser.add_argument("--format", choices=("dot", "mermaid", "json"), default="dot")
    args = parser.parse_args(argv)
    spec, findings, files = load_spec(args.file)
    if spec is None:
        return report_malformed(findings, files, args.format)
    from ..engine.solver import RunTimeUp, SolverGaveUp
    from ..runtime.graph import render_graph, spec_graph

    try:
        graph = spec_graph(spec)
    except (SolverGaveUp, RunTimeUp) as gave_up:
        return report_undecided(gave_up, [spec.root], files, args.format)
    write_output(render_graph(graph, args.format))
    return EXIT_OK
