"""Stage 3: the meaning of a Spec, in z3 (situations, priority and defeat, conflicts) and by plain evaluation."""
