"""Stage 2: a root file and its imports -> the resolved, typed Spec (loading, names, typing, moral graphs)."""
