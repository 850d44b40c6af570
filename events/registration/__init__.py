"""Registering for an event through its pages, and the e-mailed registration links."""
