"""Reusable widgets: they know columns and rows, not users or posts."""
