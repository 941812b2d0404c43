"""Leaderboard: result entries, their schema, validation, and the builder of tables and the page."""
