"""From files to people: formats and sniffing, decoding, normalising, merging,
and the parallel pipeline.  Nothing here writes SQL; the import use case
(:mod:`triage.ingest.run`) hands people to the store."""
