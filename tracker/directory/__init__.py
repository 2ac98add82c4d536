"""The registry: building blocks, domains, networks, national parties and DSVs."""
