"""Placements (matches): proposing a need for an opportunity, then accept, decline, start and end."""
