"""The exit package: everything a successor needs to carry on, as one E-ARK SIP ZIP (package.py), and its
restore into an empty installation (restore.py)."""

from reports.exit_package.package import build, build_package, new_package_id

__all__ = ["build", "build_package", "new_package_id"]
