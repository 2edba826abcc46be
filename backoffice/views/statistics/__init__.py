"""Statistics pages for the coordinator and the steering group: counts and
sums only, never personal data, always for one municipality."""
