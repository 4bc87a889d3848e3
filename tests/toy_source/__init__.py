"""A toy second source declared entirely here: declaration, client, tiny simulator and two SQL files."""
