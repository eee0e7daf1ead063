"""The command line: the parser, one function per command, errors and exit codes."""
