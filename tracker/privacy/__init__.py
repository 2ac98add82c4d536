"""Personal data (AVG): export and anonymisation of a person; retention of closed items."""
