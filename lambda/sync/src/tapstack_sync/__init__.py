"""Reference-data sync engine."""
