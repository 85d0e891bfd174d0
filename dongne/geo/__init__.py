"""Neighbourhoods: loading the data set, reverse geocoding and ranges."""
