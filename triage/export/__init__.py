"""Who leaves the machine and how: the plan (who, and why not), the file
formats, and the one routine that writes and records an export."""
