"""Road-block digests: per national party, over fixed closed windows, stored and e-mailed once."""
