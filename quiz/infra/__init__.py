"""Infrastructure: the database, settings, extensions, rate limits, security headers, the audit log, mail."""
