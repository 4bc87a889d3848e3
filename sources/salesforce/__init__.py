"""Salesforce: QuickBooks' names, invoices, items and chart of accounts written to a Salesforce org."""
