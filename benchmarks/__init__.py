"""The harness that runs branchwise beside HiGHS, SCIP, CBC and discopt on the same files."""
