"""The Web Connector SOAP bridge: sessions, outbox delivery, response intake, .QWC files."""
