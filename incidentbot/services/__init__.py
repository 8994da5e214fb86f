"""Use cases: own their transactions, then act through ports. Never import Slack."""
