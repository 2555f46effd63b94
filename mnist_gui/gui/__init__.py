"""All Qt lives here."""
