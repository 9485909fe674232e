#include "core/number.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * Any decimal of up to 15 significant digits survives a trip through a
 * normal double (DBL_DIG), so when 15 digits read back no shorter text
 * would print differently: %g drops the trailing zeros.  Subnormals hold
 * fewer digits and are tried from one up; 17 digits always read back.
 */
void strata__double_text(double v, char out[32])
{
	if (!isfinite(v)) {
		snprintf(out, 32, "%g", v);
		return;
	}
	for (int p = v != 0 && fabs(v) < DBL_MIN ? 1 : 15; p < 17; p++) {
		snprintf(out, 32, "%.*g", p, v);
		if (strtod(out, NULL) == v)
			return;
	}
	snprintf(out, 32, "%.17g", v);
}
