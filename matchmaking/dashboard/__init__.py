"""The matchmaking dashboard: "waiting for you" per role, with the participant list."""
