"""Event bus adapters: Kafka (distributed mode) and in-process (embedded mode)."""
