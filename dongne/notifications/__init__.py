"""In-app notifications, delivered live while a page is open."""
