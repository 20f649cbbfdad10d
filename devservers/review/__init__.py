"""The team admin's review page, its CSV export and the audit trail (read-only)."""
