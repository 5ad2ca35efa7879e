#include "admincli.h"

#include "admin/bcryptverify.h"

#include <QCommandLineParser>
#include <QProcessEnvironment>
#include <QTextStream>

namespace {
const char *const kHashEnv = "FRAPPE_REALTIME_ADMIN_PASSWORD_HASH";
}

void addAdminOptions(QCommandLineParser &p)
{
    const AdminConfig d;
    p.addOptions({
        {QStringLiteral("admin"),
         QStringLiteral("Serve the socket.io Admin UI protocol on the %1 namespace (watch this "
                        "server from admin.socket.io, the npm @socket.io/admin-ui build, or "
                        "another frappe-realtime window). Read-only, production mode and "
                        "password-protected unless told otherwise. Default: off.")
             .arg(d.namespaceName)},
        {QStringLiteral("admin-user"),
         QStringLiteral("Admin UI user name. Default: %1.").arg(d.username),
         QStringLiteral("name")},
        {QStringLiteral("admin-password-hash"),
         QStringLiteral("bcrypt hash ($2a$/$2b$/$2y$) of the Admin UI password; also "
                        "$%1. Make one with --admin-hash-password.")
             .arg(QLatin1String(kHashEnv)),
         QStringLiteral("hash")},
        {QStringLiteral("admin-hash-password"),
         QStringLiteral("Read a password from standard input, print its bcrypt hash, exit.")},
        {QStringLiteral("admin-no-auth"),
         QStringLiteral("Admin UI without a password: only with a loopback --host, and only "
                        "for clients on this machine that come through no proxy.")},
        {QStringLiteral("admin-read-write"),
         QStringLiteral("Allow the Admin UI's commands (join, leave, disconnect sockets). "
                        "Default: read-only.")},
        {QStringLiteral("admin-mode"),
         QStringLiteral("production (server stats only) or development (also every socket, "
                        "room change and event, which costs CPU per delivery). Default: "
                        "production."),
         QStringLiteral("mode")},
        {QStringLiteral("admin-namespace"),
         QStringLiteral("Namespace of the Admin UI; a site of that name becomes unreachable. "
                        "Default: %1.")
             .arg(d.namespaceName),
         QStringLiteral("nsp")},
        {QStringLiteral("admin-server-id"),
         QStringLiteral("Name of this server in the Admin UI. Default: the host name."),
         QStringLiteral("id")},
    });
}

bool applyAdminOptions(const QCommandLineParser &p, AdminConfig &a, QString &error)
{
    if (p.isSet(QStringLiteral("admin"))) a.enabled = true;
    if (p.isSet(QStringLiteral("admin-user"))) a.username = p.value(QStringLiteral("admin-user"));
    const QByteArray envHash = qgetenv(kHashEnv);
    if (!envHash.isEmpty()) a.passwordHash = envHash.trimmed();
    if (p.isSet(QStringLiteral("admin-password-hash")))
        a.passwordHash = p.value(QStringLiteral("admin-password-hash")).trimmed().toUtf8();
    if (p.isSet(QStringLiteral("admin-no-auth"))) a.noAuth = true;
    if (p.isSet(QStringLiteral("admin-read-write"))) a.readOnly = false;
    if (p.isSet(QStringLiteral("admin-namespace")))
        a.namespaceName = p.value(QStringLiteral("admin-namespace"));
    if (p.isSet(QStringLiteral("admin-server-id")))
        a.serverId = p.value(QStringLiteral("admin-server-id"));
    if (p.isSet(QStringLiteral("admin-mode"))) {
        const QString mode = p.value(QStringLiteral("admin-mode"));
        if (mode != QLatin1String("development") && mode != QLatin1String("production")) {
            error = QStringLiteral("--admin-mode: expected production or development, got '%1'")
                        .arg(mode);
            return false;
        }
        a.development = mode == QLatin1String("development");
    }
    return true;
}

bool handleAdminHashPassword(const QCommandLineParser &p, QString &out, bool &failed)
{
    if (!p.isSet(QStringLiteral("admin-hash-password"))) return false;
    QTextStream in(stdin);
    const QString password = in.readLine();
    failed = password.isEmpty();
    if (failed) {
        out = QStringLiteral("--admin-hash-password: no password on standard input");
        return true;
    }
    const QByteArray hash = makeBcryptHash(password.toUtf8());
    failed = hash.isEmpty();
    out =
        failed ? QStringLiteral("--admin-hash-password: bcrypt failed") : QString::fromLatin1(hash);
    return true;
}

void restoreCliAdmin(const QStringList &given, const AdminConfig &cli, AdminConfig &a)
{
    if (given.contains(QLatin1String("admin"))) a.enabled = cli.enabled;
    if (given.contains(QLatin1String("admin-user"))) a.username = cli.username;
    if (given.contains(QLatin1String("admin-password-hash")) || qEnvironmentVariableIsSet(kHashEnv))
        a.passwordHash = cli.passwordHash;
    if (given.contains(QLatin1String("admin-no-auth"))) a.noAuth = cli.noAuth;
    if (given.contains(QLatin1String("admin-read-write"))) a.readOnly = cli.readOnly;
    if (given.contains(QLatin1String("admin-mode"))) a.development = cli.development;
    if (given.contains(QLatin1String("admin-namespace"))) a.namespaceName = cli.namespaceName;
    if (given.contains(QLatin1String("admin-server-id"))) a.serverId = cli.serverId;
}
