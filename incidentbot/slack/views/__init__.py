"""Block Kit, and only Block Kit: pure functions that build (and parse) every message and modal."""
