#include "scripting/jsprelude.h"

#include <QFile>

QString jsPreludeSource()
{
    // Compiled into the binary (rt_scripting's resources): a missing file is
    // a build error, so reading it cannot fail at run time.
    QFile file(QStringLiteral(":/scripting/prelude.js"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("frappe-realtime: the handler prelude resource is missing");
    return QString::fromUtf8(file.readAll());
}
