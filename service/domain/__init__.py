"""Pure domain model: aggregates, value objects and domain errors (no framework imports)."""
