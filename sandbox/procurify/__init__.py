"""Procurify simulator: a seeded manufacturer's domain (generator) served on the shared scaffold (server)."""
