"""Blocks (차단): who no longer hears from whom. The table, every check that asks
whether two people blocked each other (chat, the feed, search, reviews) and the
writes, from a profile or from a chat room, all live here."""
