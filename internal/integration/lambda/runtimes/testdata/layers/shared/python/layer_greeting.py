"""A module that a layer provides under python/."""
GREETING = "hello from the shared layer"
