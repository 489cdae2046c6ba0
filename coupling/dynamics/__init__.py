"""Integrators: deterministic coupled systems, stochastic populations, response fixed points."""
