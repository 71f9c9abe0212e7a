"""Check tests share helpers through engine_helpers.py."""
