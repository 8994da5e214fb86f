"""Timed work: APScheduler wiring and thin jobs that call service sweeps."""
