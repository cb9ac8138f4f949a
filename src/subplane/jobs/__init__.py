"""The background runner: stored deadlines processed in order, each in its own transaction."""
