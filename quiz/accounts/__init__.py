"""People: registration, login rules, passwords, lockout, password reset, a person's own data. No Flask here."""
