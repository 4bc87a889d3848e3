"""Faithful simulators for demo and tests: cloud APIs, a QuickBooks company file, a Web Connector."""
