"""Trade data: importers, exposure and concentration metrics, criticality screens."""
