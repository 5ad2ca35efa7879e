// The one masker for credentials wherever they could be shown: log lines, the
// monitor's handshake headers, the remote monitor, URLs of settings. A value
// in a log or on screen is as good as the credential itself, so every place
// follows the same rule (issue 13 item 8, issue 18):
//   a secret shows at most its first 4 characters and "…", and only when it
//   is at least 12 characters long; shorter ones show as "…", absent ones as
//   "(none)". Names around a secret stay visible (cookie names, the
//   Authorization scheme, URL parameter names, a Redis user name), so one can
//   still see which credential came.
// Pure functions over thread-agnostic value types; any thread.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

QString maskSecret(QByteArrayView value);

// "sid=3f2a…; system_user=…"
QByteArray maskCookieHeader(const QByteArray &value);
// "token abcd…", "Bearer eyJh…"; a value without a scheme is masked whole.
QByteArray maskAuthorizationHeader(const QByteArray &value);
// Masks cookie, set-cookie, authorization, proxy-authorization and
// x-frappe-socket-secret values; other headers pass unchanged.
QList<QPair<QByteArray, QByteArray>>
maskedHeaders(const QList<QPair<QByteArray, QByteArray>> &headers);

// "Authorization toke…" or "sid 3f2a…": which credential a callback carried.
QString describeCallerCredential(const QByteArray &sid, const QByteArray &authorization);

// A URL as text with any password in it and the values of `sid`, `password`,
// `token` and `secret` query parameters masked. Works on text that does not
// parse as a URL too (a typo in a Redis URL must not put its password on
// screen): everything between "://" and the last '@' of the authority is
// masked there.
QString redactedUrl(const QUrl &url);
QString redactedUrlText(const QString &text);
