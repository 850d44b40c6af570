"""Reports from anyone that an organisation's public profile is out of date: the form on every public profile,
the list the organisation's members close, the escalation of unanswered reports to coordinators."""
