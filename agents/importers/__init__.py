"""Personas from real history: one reader per export format, a common history model, a builder."""
