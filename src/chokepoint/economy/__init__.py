"""Economy: input-output tables, static multipliers and the dynamic ARIO model (DESIGN section 5)."""
