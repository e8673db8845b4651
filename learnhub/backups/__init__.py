"""Backups of an installation's databases: ``flask backup`` and ``flask restore``."""

from .cli import backup_command, restore_command

__all__ = ["backup_command", "restore_command"]
