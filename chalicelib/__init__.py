"""Domain code of the Stop Cambriolages backend (no Chalice imports outside `routes/`)."""
