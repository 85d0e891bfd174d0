"""Reports, the moderation queue and its audit log, sanctions."""
