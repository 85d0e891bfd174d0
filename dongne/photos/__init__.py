"""Photos: uploads checked, re-encoded from pixels only (no EXIF, GPS or other
metadata survives) and resized into a full image and two thumbnails."""
