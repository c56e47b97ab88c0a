"""The same module as the shared layer's: a later layer's file replaces an earlier one's."""
GREETING = "hello from the own layer"
