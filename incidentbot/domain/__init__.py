"""The pure core: models, rules and errors. Imports only the standard library."""
