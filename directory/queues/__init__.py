"""Coordinators' work queues of organisations (/directory/queues/): awaiting verification, verification expiring or
expired, stale profiles, hidden profiles; with bulk actions (verify, remind the members, hide)."""
