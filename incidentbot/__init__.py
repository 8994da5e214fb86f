"""incidentbot: a self-hosted Slack incident-management bot."""

__version__ = "0.1.0"
