"""Notifications: what happened that concerns a person, in a centre at /notifications/ and by e-mail as
each person chooses per kind (immediately, in a daily summary, or not by e-mail).

The app sits below every app that raises notifications (directory, matchmaking, events) and imports only the
kernel: a service that owns a workflow calls `notifications.services.notify(kind=…, recipients=…, url=…,
params=…, actor=…)` inside its transaction. The kinds, with who receives each, are listed in
notifications/kinds.py."""
