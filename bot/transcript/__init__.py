"""The SQLite transcript: the source of truth for every run."""

from bot.transcript.store import ParticipantRecord, RunRecord, Transcript, resolve_db_path

__all__ = ["ParticipantRecord", "RunRecord", "Transcript", "resolve_db_path"]
