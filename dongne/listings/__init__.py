"""Listings, the neighbourhood feed and search."""
