"""What operators change without SQL: company policy per source, mappings, vendor links (each change audited)."""
