"""Recovering from a mass invite: the pending invitations of a LinkedIn data
export (:mod:`~triage.recover.pending`), the recovery deck built from them
(:mod:`~triage.recover.deck`) and the walk's checklist mode
(:mod:`~triage.recover.walk`)."""
