"""Learning-network events: meetings, their agenda, registrations, close-out and follow-up."""
