"""The test suite: app, contracts, graded labs, workshop."""
