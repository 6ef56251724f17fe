"""Local stack and simulators: never deployed."""
