"""Finding what is already there: similar suggestions, co-signing, merging duplicates."""
