"""What the emulator remembers: records, blobs, ids and its clock."""
