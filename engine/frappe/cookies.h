// Cookie header parsing as the `cookie` npm package does it (what Node's
// realtime server uses to find `sid`). Thread-agnostic pure function.
#pragma once

#include <QByteArray>
#include <QHash>

// name -> value, values percent-decoded and unquoted; the first occurrence wins.
QHash<QByteArray, QByteArray> parseCookieHeader(const QByteArray &header);
