#include "admin/adminbenchkey.h"

#include "common/logging.h"

void applyAdminBenchKey(const QJsonObject &merged, AdminConfig &admin)
{
    const QJsonValue value = merged.value(QStringLiteral("realtime_admin"));
    if (value.isUndefined() || value.isNull()) return;
    if (!value.isObject()) {
        qCWarning(lcConfig) << "realtime_admin: expected an object, ignoring" << value;
        return;
    }
    const QJsonObject o = value.toObject();
    auto boolKey = [&o](const char *key, bool &field) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isUndefined()) return;
        if (v.isBool())
            field = v.toBool();
        else
            qCWarning(lcConfig) << "realtime_admin." << key << ": expected true or false, ignoring"
                                << v;
    };
    auto stringKey = [&o](const char *key, auto setter) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isUndefined()) return;
        if (v.isString() && !v.toString().isEmpty())
            setter(v.toString());
        else
            qCWarning(lcConfig) << "realtime_admin." << key << ": expected a text, ignoring";
    };
    boolKey("enabled", admin.enabled);
    boolKey("read_only", admin.readOnly);
    boolKey("no_auth", admin.noAuth);
    stringKey("username", [&](const QString &v) { admin.username = v; });
    stringKey("password_hash", [&](const QString &v) { admin.passwordHash = v.toUtf8(); });
    stringKey("namespace", [&](const QString &v) { admin.namespaceName = v; });
    stringKey("server_id", [&](const QString &v) { admin.serverId = v; });
    stringKey("mode", [&](const QString &v) {
        if (v == QLatin1String("development") || v == QLatin1String("production"))
            admin.development = v == QLatin1String("development");
        else
            qCWarning(lcConfig).noquote()
                << "realtime_admin.mode: expected development or production, ignoring" << v;
    });
}
