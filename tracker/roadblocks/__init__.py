"""Road blocks: one system problem raised by several DSVs, grouped from their bottlenecks."""
