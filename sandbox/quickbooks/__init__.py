"""A QuickBooks company file that executes qbXML messages, with its state in a file."""
