"""The directory: which number a client or staff member has, and whether they accept SMS."""

from gsmgateway.directory.numbers import mask_number, normalise_number
from gsmgateway.directory.service import DirectoryService

__all__ = ["DirectoryService", "mask_number", "normalise_number"]
