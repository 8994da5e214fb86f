"""The aiohttp side server: /health, /ready, /metrics."""
