"""Outside services other than Slack; each module is one service's client, imported only where it is used."""
