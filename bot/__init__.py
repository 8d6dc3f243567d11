"""The townhall runtime: orchestrator, transcript, platforms, CLI."""
