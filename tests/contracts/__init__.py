"""Port contracts: each port's behaviour stated once and run against every adapter."""
