"""The built-in demo on the generic mechanism: its registry and per-table overrides."""
