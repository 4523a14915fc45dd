"""Test infrastructure: throwaway PostgreSQL and Kafka servers and the pytest plugin."""
