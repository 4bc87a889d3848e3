"""A Web Connector client that drives any bridge over real HTTP, as QBWC does."""
