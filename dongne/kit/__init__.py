"""Small shared parts: errors, i18n, templating, security, rate limits."""
