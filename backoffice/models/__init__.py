"""The scheme's domain: municipalities and the lifecycle of a case.

One module per stage of the lifecycle in shared/DOMAIN.md.
"""

from .municipality import LoanPolicy, Municipality, StaffMembership, TargetGroup

__all__ = ["LoanPolicy", "Municipality", "StaffMembership", "TargetGroup"]
