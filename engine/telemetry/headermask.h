// Masking of credentials in handshake headers before they are shown: cookie
// values and Authorization values keep their names (so one can see *which*
// credential came) but not their content. Pure functions, any thread.
#pragma once

#include "transport/httprequest.h"

#include <QByteArray>

// "sid=3f2a...; system_user=yes" -> "sid=***; system_user=***"
QByteArray maskCookieHeader(const QByteArray &value);
// "token key:secret" -> "token ***", "Bearer abc" -> "Bearer ***"
QByteArray maskAuthorizationHeader(const QByteArray &value);
// Masks cookie, authorization, proxy-authorization and x-frappe-socket-secret.
HeaderList maskedHeaders(const HeaderList &headers);
