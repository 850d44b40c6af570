"""Funded projects (ESF+ and others) kept by coordinators in the app instead of the Django admin: the
project participants are registered under and reports are run for."""
