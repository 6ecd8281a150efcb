"""Writes for the community app, split by what they do (directory, moderation, people, bookings)."""
