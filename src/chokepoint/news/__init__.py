"""News signals: read, clean, deduplicate and extract events from articles (DESIGN section 6)."""
