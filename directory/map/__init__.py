"""The directory map of organisations."""
