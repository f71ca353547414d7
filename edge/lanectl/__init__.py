"""`lanectl`: the technicians' command line."""
