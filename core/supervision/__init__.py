"""Supervision (SUP1-SUP3): a supervisor monitors, coaches or barges in on its teams'
interactions, one call or an agent's next calls. Kept light: the interaction engine imports
the pure rules in `hearing`."""
