"""edge.models: see README architecture section."""
