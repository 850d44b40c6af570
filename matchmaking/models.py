# Models arrive with the matchmaking issue.
