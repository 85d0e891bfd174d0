"""비즈프로필 후기: reviews neighbours write about a shop, and the shop's one reply."""
