"""Dagster wiring: definitions, jobs, schedules, sensors, resources and the qbsync CLI."""
