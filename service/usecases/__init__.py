"""Use cases by feature, each a small class over one event store (``store.ReviewStore``).

Every entry point (pages, API, CLI, jobs) calls these; each use case ends in a save."""
