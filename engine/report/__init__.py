"""`storegate report`: a static HTML access report for the people who decide access.

One page per account and an index, readable without JavaScript: who may buy, with which
permissions, in which systems, since when (state history), last verified by which receipt or plan,
pending manual steps, and unmanaged access found. It shows nothing the access repo does not already
hold: contacts come from the account files, dates and commits from state's history, and access found
live that no file declares is shown masked (`j…@acme.example`) and counted.
"""

from .gather import AccessReport, gather_report
from .html import write_report

__all__ = ["AccessReport", "gather_report", "write_report"]
