"""Participants of the placement pipeline: raising and editing them, outcomes, needs and their suggestions."""
