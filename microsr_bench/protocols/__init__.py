"""Protocols: what a method may train on and what is scored (paired, zero-shot, blind synthetic, burst)."""
