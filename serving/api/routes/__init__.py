"""One router per resource: score, models, health, admin."""
