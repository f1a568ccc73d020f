"""Persistence: the database engines, the unit of work, the tables and migrations."""
