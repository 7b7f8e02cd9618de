"""Who sent, and the totals: status, aggregation with pandas, the fingerprint of every input."""
