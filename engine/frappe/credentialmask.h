// How callback credentials may appear in logs: never in full. A session id or
// an Authorization value in a log file is as good as the credential itself.
// Free functions over thread-agnostic value types.
#pragma once

#include <QByteArray>
#include <QString>
#include <QUrl>

// At most the first 4 characters then "…"; short values (where 4 characters
// would be a large share of the secret) show as "…" alone, absent as "(none)".
QString maskCredential(const QByteArray &value);

// "Authorization toke…" or "sid 3f2a…": which credential a callback carried.
QString describeCallerCredential(const QByteArray &sid, const QByteArray &authorization);

// The URL as text with the value of every `sid` query parameter masked (the
// legacy permission endpoints carry the session id in the query).
QString redactedUrl(const QUrl &url);
