"""branchwise as a solver of other modeling tools."""
