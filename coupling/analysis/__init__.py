"""Analyses of a model: equilibria and their stability, continuation, bifurcations."""
