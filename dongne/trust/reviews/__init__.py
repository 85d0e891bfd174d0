"""Deals (거래완료 with a buyer), reviews (거래 후기) and the manner temperature (매너온도)."""
