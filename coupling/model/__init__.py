"""Model declaration: the edges, traits, safe expressions and their compilation."""
