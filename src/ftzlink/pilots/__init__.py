"""The pilot-case registry: reform cases of the zones on their way from a case pilot through
innovative supervision to regulatory solidification (seed 004), with the figures reported about
them, each with its date (where the source gives one) and its source."""
