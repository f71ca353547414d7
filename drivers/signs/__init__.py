"""Lane-use signs and signal heads driven over serial."""
