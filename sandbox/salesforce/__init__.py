"""A simulated Salesforce org (REST, sObject Collections, Bulk API 2.0, limits) for flows out of QuickBooks."""
