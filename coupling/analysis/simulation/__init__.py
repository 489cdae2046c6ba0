"""Analyses by simulation: hysteresis sweeps, attractors and their basins, path dependence,
early warnings of critical transitions.

Each analysis has a driver (its public function), the checks of its inputs, its kernels and
its results, in modules of their own:

* ``cp.hysteresis``: ``_hysteresis`` (the sweep), ``_hysteresis_inputs``, ``_jumps`` (jumps
  and loops), ``_relaxation`` (the rate check), ``_delay_scaling`` (the delay law),
  ``_hysteresis_results``;
* ``cp.attractors``: ``_attractors``, ``_sampling`` (initial states and seeds),
  ``_endings`` (how runs end; shared with ``cp.path_dependence`` in ``_path_dependence``),
  ``_attractor_results``;
* ``cp.early_warning``: ``_early_warning``, ``_warning_records`` (inputs, the jump),
  ``_warning_statistics`` (indicators, Kendall's τ, surrogates), ``_warning_truth``
  (scoring against the fold), ``_warning_results``;
* shared: ``_inputs`` (argument checks beyond ``coupling._checks``, seeds).

Their figures are in ``coupling.plotting._simulation``.
"""
