"""Lane logic: card sightings -> de-duplicated cards -> vehicles -> crossings (pure, no I/O)."""
