"""The pure domain: no I/O, no clock reads, no framework imports."""
