"""Database plumbing: declarative base and the session manager."""
