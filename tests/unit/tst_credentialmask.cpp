// The one credential masker (issue 13 item 8, issue 18): the same rule for log lines, the
// monitor's handshake headers and URLs shown in settings and status, also for URLs that do
// not parse.
#include "common/credentialmask.h"

#include <QTest>

class TstCredentialMask : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void secrets()
    {
        QCOMPARE(maskSecret("0123456789abcdef0123456789abcdef"), QStringLiteral("0123…"));
        QCOMPARE(maskSecret("0123456789ab"), QStringLiteral("0123…"));
        QCOMPARE(maskSecret("0123456789a"), QStringLiteral("…"));
        QCOMPARE(maskSecret(""), QStringLiteral("(none)"));
    }

    void headers()
    {
        const QList<QPair<QByteArray, QByteArray>> masked = maskedHeaders({
            {"Cookie", "full_name=Ann%20B; sid=0123456789abcdef0123; system_user=yes; flag"},
            {"authorization", "token 0123456789abcdef:fedcba9876543210"},
            {"Proxy-Authorization", "Basic dXNlcjpwYXNzd29yZDEyMw=="},
            {"x-frappe-socket-secret", "s3cr3t-0123456789"},
            {"set-cookie", "sid=0123456789abcdef0123; Path=/"},
            {"origin", "https://erp.example.com"},
        });
        QCOMPARE(masked.at(0).first, QByteArray("Cookie"));
        QCOMPARE(masked.at(0).second, QByteArray("full_name=…; sid=0123…; system_user=…; …"));
        QCOMPARE(masked.at(1).second, QByteArray("token 0123…"));
        QCOMPARE(masked.at(2).second, QByteArray("Basic dXNl…"));
        QCOMPARE(masked.at(3).second, QByteArray("s3cr…"));
        QCOMPARE(masked.at(4).second, QByteArray("sid=0123…; Path=…"));
        QCOMPARE(masked.at(5).second, QByteArray("https://erp.example.com"));
        QCOMPARE(maskAuthorizationHeader("bare-token-without-scheme"), QByteArray("bare…"));
    }

    void callerCredential()
    {
        QCOMPARE(describeCallerCredential("0123456789abcdef0123", {}), QStringLiteral("sid 0123…"));
        QCOMPARE(describeCallerCredential("0123456789abcdef0123", "token abcdef0123:9876543210"),
                 QStringLiteral("Authorization toke…"));
        QCOMPARE(describeCallerCredential({}, {}), QStringLiteral("sid (none)"));
    }

    void urls_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("shown");
        QTest::newRow("sid query")
            << "http://web/api/method/x?sid=0123456789abcdef0123&doctype=ToDo"
            << "http://web/api/method/x?sid=0123…&doctype=ToDo";
        QTest::newRow("password") << "http://user:hunter2hunter2@web:8000/x"
                                  << "http://user:***@web:8000/x";
        QTest::newRow("plain") << "http://127.0.0.1:8000"
                               << "http://127.0.0.1:8000";
    }

    void urls()
    {
        QFETCH(QString, url);
        QFETCH(QString, shown);
        QCOMPARE(redactedUrl(QUrl(url)), shown);
        QCOMPARE(redactedUrlText(url), shown);
    }

    void textThatDoesNotParse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("shown");
        QTest::newRow("redis password") << "redis://:hunter2@127.0.0.1:6379"
                                        << "redis://:***@127.0.0.1:6379";
        QTest::newRow("redis user and password") << "redis://default:hunter2@[::1:6379/0"
                                                 << "redis://default:***@[::1:6379/0";
        QTest::newRow("@ in the password") << "redis://:pa@ss@host:6379"
                                           << "redis://:***@host:6379";
        QTest::newRow("bare host:port") << "host:6379"
                                        << "host:6379";
        QTest::newRow("no scheme, password") << ":hunter2@host:6379"
                                             << ":***@host:6379";
        QTest::newRow("unix query password") << "unix:///run/redis.sock?db=1&password=hunter2"
                                             << "unix:///run/redis.sock?db=1&password=…";
        QTest::newRow("bad port") << "redis://u:hunter2@host:notaport/0"
                                  << "redis://u:***@host:notaport/0";
    }

    void textThatDoesNotParse()
    {
        QFETCH(QString, text);
        QFETCH(QString, shown);
        QCOMPARE(redactedUrlText(text), shown);
        QVERIFY(!redactedUrlText(text).contains(QLatin1String("hunter2")));
    }
};

QTEST_GUILESS_MAIN(TstCredentialMask)
#include "tst_credentialmask.moc"
