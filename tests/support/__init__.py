"""Support code shared by the test tiers (not tests: nothing here is collected)."""
