"""Units of the simulator: astronomical units, solar masses and years.

The gravitational constant is fixed once, here, by Kepler's third law for the sidereal
year: a test mass on a circular orbit of 1 AU around 1 solar mass has a period of exactly
one year, so G = 4 pi^2 AU^3 Msun^-1 yr^-2. (The IAU value with the Julian year, which
REBOUND's `('yr', 'AU', 'Msun')` units set, differs by 4e-5 relative; every cross-check
passes this `G` explicitly.)
"""

import math

__all__ = ["G", "KM_S_PER_AU_YR"]

#: Gravitational constant in AU^3 Msun^-1 yr^-2.
G = 4.0 * math.pi**2

#: One AU per year expressed in km/s.
KM_S_PER_AU_YR = 4.740470
