// <qcustomplot.h> uses Qt's lower-case keyword macros (signals, slots, emit,
// foreach), which this project switches off with QT_NO_KEYWORDS. Include it
// only through this header, which maps them to the Q_ forms for its duration.
#pragma once

#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
