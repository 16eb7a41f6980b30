"""Lanterne's domain: models, services, pure law modules, jobs, views."""
