"""Plain handler modules, one per Slack surface, each with a ``register(app, deps)``."""
