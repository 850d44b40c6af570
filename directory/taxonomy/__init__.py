"""The service taxonomy (the categories the directory's facets, profiles, needs, opportunities and partner
requests use), kept by coordinators in the app instead of the Django admin."""
