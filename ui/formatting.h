// Small text formatters shared by the views (durations, byte counts, rates,
// times). Pure functions; GUI thread in practice.
#pragma once

#include <QString>

namespace fmt {
QString duration(qint64 ms); // "3d 04:05:06", "04:05", ...
QString bytes(qint64 bytes); // "—" for negative (unknown)
QString rate(double perSecond);
QString clockTime(qint64 epochMs); // local "HH:mm:ss.zzz"
QString dateTime(qint64 epochMs);  // local "yyyy-MM-dd HH:mm:ss"
} // namespace fmt
