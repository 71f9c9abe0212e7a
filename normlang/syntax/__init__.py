"""Stage 1: source text -> parse tree -> typed AST with spans (grammar, parser, lowering, limits, printer)."""
