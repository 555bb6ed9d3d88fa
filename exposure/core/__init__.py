"""Domain types, errors and the progress observer. Imports nothing else of the project."""

from exposure.core.errors import Cancelled, ExposureError, SourceError, ValidationError
from exposure.core.models import CATEGORIES, Finding, Organization, Profile
from exposure.core.progress import CancelToken, NullProgress, Progress

__all__ = [
    "CATEGORIES",
    "CancelToken",
    "Cancelled",
    "ExposureError",
    "Finding",
    "NullProgress",
    "Organization",
    "Profile",
    "Progress",
    "SourceError",
    "ValidationError",
]
