"""edge.sim: see README architecture section."""
