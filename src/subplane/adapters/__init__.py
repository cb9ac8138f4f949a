"""Adapters: storage, blob files, and (later) delivery. They implement what the services need."""
