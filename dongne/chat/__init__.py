"""Buyer–seller chat that never loses a message: persist first, then ring."""
