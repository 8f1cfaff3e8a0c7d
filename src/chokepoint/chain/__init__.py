"""The chain stress test: network, scenarios, the LP and fast engines, results (DESIGN section 4)."""
