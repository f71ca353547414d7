"""edge.sync: see README architecture section."""
