"""edge.drivers: see README architecture section."""
