r"""The ecological fallacy: groups whose composition correlates with a group effect
(Robinson 1950; Simpson 1951).

Unit i belongs to group g(i), drawn uniformly from G groups. Group g has a composition
:math:`\mu_g = m + \tau z_g`, where the standardised compositions :math:`z_g` are evenly
spaced with mean 0 and variance 1 over the groups (the trait ``group``, whose values label
the groups). A unit's covariate and outcome are

.. math::  x_i = \mu_{g(i)} + \xi_i, \qquad
           y_i = \beta_w\, x_i + \gamma\, \mu_{g(i)} + \eta_i,

with :math:`\xi_i \sim N(0, \sigma_x^2)` and :math:`\eta_i \sim N(0, \sigma_y^2)`
(traits). Within a group the composition is fixed, so y rises by :math:`\beta_w` per unit of
x: the individual-level (within) slope is :math:`\beta_w`. Across groups the group effect
:math:`\gamma\mu_g` moves with the composition, and the mean outcome of a group of
composition μ is :math:`(\beta_w + \gamma)\mu`: the ecological slope is
:math:`\beta_w + \gamma`, of the opposite sign when :math:`\gamma < -\beta_w`.

**The three slopes.** Write every slope of y on x as :math:`\beta_w + \gamma\,
\mathrm{cov}(\mu, x)/\mathrm{var}(x)`, the covariance and variance taken over what the
slope compares. Within groups μ is constant: the slope is :math:`\beta_w` exactly. Over all
units (pooled), :math:`\mathrm{cov}(\mu, x) = \tau^2` and
:math:`\mathrm{var}(x) = \tau^2 + \sigma_x^2`:

.. math::  b_P = \beta_w + \gamma\,\lambda, \qquad \lambda = \frac{\tau^2}{\tau^2 +
           \sigma_x^2},

the between-group share of the covariate's variance. Over group means (weighted by size),
:math:`\bar x_g = \mu_g + \bar\xi_g`, and with N units in G groups the size-weighted sums
have :math:`E\sum_g n_g(\bar x_g - \bar x)(\mu_g - \bar\mu) = (N - 1)\tau^2` and
:math:`E\sum_g n_g(\bar x_g - \bar x)^2 = (N - 1)\tau^2 + (G - 1)\sigma_x^2`, so

.. math::  b_B = \beta_w + \gamma\,\kappa, \qquad
           \kappa = \frac{(N - 1)\tau^2}{(N - 1)\tau^2 + (G - 1)\sigma_x^2} \to 1,

to O(1/N): κ is the reliability of a group mean as a measure of its composition, and the
ecological slope is :math:`\beta_w + \gamma` exactly in the limit of large groups. The pooled
slope is the variance-weighted mix of the two, :math:`b_P = (1 - R) b_W + R b_B` with R the
between-group share of the covariate's sum of squares (an identity of the sums;
:math:`E R \approx \lambda / \kappa`). The correlations follow from the same moments: the
individual one :math:`[\beta_w\sigma_x^2 + (\beta_w + \gamma)\tau^2] /
\sqrt{(\tau^2 + \sigma_x^2)(\beta_w^2\sigma_x^2 + (\beta_w + \gamma)^2\tau^2 +
\sigma_y^2)}`, the ecological one with the group-mean moments, in which
:math:`\sigma_x^2` and :math:`\sigma_y^2` are divided by the mean group size N/G.

Parameters (defaults)
---------------------
beta_w (0.5)
    The individual-level effect of x on y within a group.
gamma (-1.5)
    The group effect per unit of composition.
m (2.0)
    The mean composition over the groups.
tau (0.45)
    The standard deviation of the composition across groups.
sigma_x (1.0)
    The spread of the covariate within a group.
sigma_y (2.2)
    The idiosyncratic spread of the outcome.

Build option ``groups`` (48, as Robinson's states) sets G; the population is N = 1000.

**Robinson's signature.** Robinson (1950, pp. 353-354) found that being foreign-born and
being illiterate were positively correlated across the individuals of the 1930 US census,
r = 0.118, while the share foreign-born and the share illiterate across the 48 states were
negatively correlated, r = -0.526: immigrants settled in states whose native population was
more literate. The defaults reproduce a reversal of that kind (not his data): a weak positive
individual correlation, 0.118 by the formula above, against an ecological one of about
-0.54 (a within slope 0.5 and a pooled one 0.247 against an ecological one of about -0.72
at N = 1000; -1 for large groups). The group effect γ plays the part of the states' literacy
of the native-born, correlated with their share of immigrants.

**Finite population and mean field.** A finite run draws N units: groups, ξ and η. The
mean-field limit replaces the traits by their nodes (exact for the ``Discrete`` groups,
Gauss–Hermite for ξ and η); it has no units, so no slopes, but its aggregates are the
population means :math:`E x = m` and :math:`E y = (\beta_w + \gamma) m`, which a finite run
approaches as :math:`1/\sqrt N`. The population is static (a response rule without
context): every period shows the same cross-section, which :func:`coupling.cross_level`
analyses.

References
----------
W. S. Robinson (1950), "Ecological correlations and the behavior of individuals", American
Sociological Review 15(3), 351-357 (nativity and illiteracy: individual r = 0.118,
ecological r = -0.526 over the 48 states).
E. H. Simpson (1951), "The interpretation of interaction in contingency tables", Journal of
the Royal Statistical Society B 13(2), 238-241.
"""

import numpy as np

import coupling as cp

NAME = "ecological-fallacy"
SUMMARY = ("Ecological fallacy: a positive individual slope, a negative one across group "
           "means (Robinson 1950)")


def standard_compositions(groups):
    """G evenly spaced values with mean 0 and variance 1 (over the groups)."""
    if not isinstance(groups, (int, np.integer)) or groups < 2:
        raise cp.DeclarationError(f"groups must be an integer >= 2, got {groups!r}",
                                  symbol="groups", level="traits")
    grid = np.linspace(-1.0, 1.0, int(groups))
    return grid / grid.std()


def build(groups=48):
    """The model with ``groups`` groups of equal expected size and N = 1000 units."""
    composition = "m + tau*group"
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"beta_w": 0.5, "gamma": -1.5, "m": 2.0, "tau": 0.45, "sigma_x": 1.0,
                    "sigma_y": 2.2},
        traits={"group": cp.Discrete(standard_compositions(groups)),
                "xi": cp.Normal(0.0, "sigma_x"), "eta": cp.Normal(0.0, "sigma_y")},
        micro=cp.Response(rhs={
            "x": f"{composition} + xi",
            "y": f"beta_w*({composition} + xi) + gamma*({composition}) + eta"}),
        aggregates={"mean_x": "x", "mean_y": "y"},
        time="discrete",
        population=1000,
    )
