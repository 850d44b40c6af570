"""Placement opportunities: the list, publishing and upkeep, reverse matching."""
