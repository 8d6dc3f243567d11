"""`townhall eval`: how close imported personas come to the real people (docs/eval.md)."""
