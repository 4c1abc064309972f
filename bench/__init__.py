"""Benchmarks of the review service against its substrate: ``python -m bench``.

Each figure is printed beside what the layer underneath does for the same work in
the same run (bare eventsourcing, raw notification-log reads, direct SQL, a no-op
Flask route), on SQLite and then PostgreSQL, with the issue's targets. See
``python -m bench --help`` and bench/README.md.
"""
