"""The plugin's own exceptions: it is a Feast plugin first and imports nothing of the project."""

from __future__ import annotations


class AsofStoreError(ValueError):
    """A configuration the plugin cannot use or rows it cannot write; the message says which."""
