"""Every write to a case goes through a function here: it checks the change
is allowed, saves, and records the audit event, in one transaction."""
