"""An organisation's profile upkeep: logo, certifications, history, confirmation and verification."""
