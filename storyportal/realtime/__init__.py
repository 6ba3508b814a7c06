"""The live feed: Redis pub/sub channels mirrored to WebSocket subscribers."""
