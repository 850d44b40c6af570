"""The organiser's attendance sheet with its export, and self check-in."""
