// A client-chosen string as it may appear in a log line: control characters
// (CR and LF above all, which would let a client forge log lines) escaped as
// \r, \n, \t or \xNN, and cut after `max` characters with a note of the full
// length, so a 1 MB room name costs a log line of about `max` characters.
// Pure functions, any thread.
#pragma once

#include <QByteArray>
#include <QString>

QString clientText(QStringView text, qsizetype max = 120);
QString clientText(const QByteArray &utf8, qsizetype max = 120);
