"""Infrastructure every layer may use: extensions, settings, clock, file storage, HTTP helpers."""
