"""Uses of a resolved Spec besides the checks: query a situation, diff two versions, draw the graph."""
