"""The ``coupling`` command line: list the catalogue, simulate a model, find its equilibria,
continue them in a parameter, continue their folds in two, find its attractors and their basin
fractions (over a parameter range: with their births and deaths), sweep a parameter up and
back down to measure its hysteresis loop, compare the full model with its slow reduction at
several timescales, test a reduced-form relation across a policy switch, run the demo.

Every analysis command runs the same way (:mod:`._runner`): load the model, run the
analysis, save its figure with ``--plot FILE``, print its ``to_dict()`` as strict JSON with
``--json`` or else its ``summary()`` under the model, its parameters and its population.

Examples
--------
::

    coupling models
    coupling simulate social-choice --set beta=2 --set h=0.1 --t-end 40 --json
    coupling simulate social-choice --set norm=true --population 1000 --seed 1 --plot run.png
    coupling equilibria social-choice --set J=2 --set sigma=0 --json
    coupling continue social-choice --param h --range -1 1 --plot diagram.png
    coupling folds social-choice --params h sigma --range1 -0.6 0.6 --range2 0 1.2 --plot folds.png
    coupling attractors social-choice --set J=2 --set sigma=0 --samples 50 --seed 1
    coupling attractors social-choice --set J=2 --param h --range -1 1 --values 9 --plot basins.png
    coupling hysteresis social-choice --set J=2 --set sigma=0 --param h --range -1 1 --rate 0.01
    coupling hysteresis social-choice --set J=2 --param h --range -1 1 --rates 0.001 0.003 0.01
    coupling hysteresis social-choice --set J=2 --population 500 --param h --range -1 1 \\
        --settle 2 --steps 50 --replicates 5 --seed 1 --plot loop.png
    coupling timescales slow-feedback --eps 0.1 0.01 0.001 --t-end 30 --plot timescales.png
    coupling regime phillips-curve --lever rho --before 0.2 --after 0.9 --switch-at 300 \\
        --seed 1 --plot regime.png
    coupling demo --out coupling-demo
"""

from ._main import main

__all__ = ["main"]
