"""The förbund's own settings page (/forbund/settings/): its coordinators edit its name, organisation number,
introductions, contact addresses, accessibility facts and whether national events show in its calendar. Its
identifier, host name, area and coordinators are the platform operator's, in the Django admin.

A package beside directory/forbund/ rather than inside it: the views need directory.access, which reads the
request's förbund from directory.forbund, and the apps' packages may not import each other in a circle
(tests/test_architecture.py)."""
