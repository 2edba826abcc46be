"""Read-only figures for the evaluation, the funnel, the business-account
barrier, break-even and the budget. Every function here aggregates in the
database (no loops over cases in Python) and returns counts, sums and
labels, never personal data: the steering group sees all of it."""
