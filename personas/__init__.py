"""Bundled persona packs, shipped as data files."""
