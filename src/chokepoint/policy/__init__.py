"""Decisions (DESIGN section 5): mitigation levers, public loan finance and a budgeted optimizer."""
