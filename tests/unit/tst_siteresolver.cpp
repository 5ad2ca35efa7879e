// Node's get_hostname / get_site_name / origin check, reproduced bit for bit
// (spec §2.3, §2.4), plus the opt-in origin allow-list (spec §11.1).
#include "frappe/siteresolver.h"

#include <QTest>

class TstSiteResolver : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void hostname_data();
    void hostname();
    void siteName_data();
    void siteName();
    void origin_data();
    void origin();
    void mismatchNamesBothHostnames();
    void mismatchHints();
};

void TstSiteResolver::hostname_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("expectNull"); // Node's undefined
    const auto row = [](const char *name, const QString &input, const QString &expected,
                        bool expectNull) {
        QTest::newRow(name) << input << expected << expectNull;
    };

    row("null", QString(), QString(), true);
    row("empty", QStringLiteral(""), QString(), true);
    row("url with port", "http://a.b:8000", "a.b", false);
    row("host with port", "a.b:8000", "a.b", false);
    row("bare host", "site.localhost", "site.localhost", false);
    row("url with path", "https://a.b/app/todo", "a.b", false);
    row("case kept", "https://Site.Example.COM", "Site.Example.COM", false);
    row("ipv6 host header", "[::1]:9000", "[", false);
    row("ipv6 url", "http://[::1]:9000", "[", false);
    row("userinfo not stripped", "http://user:pw@a.b", "user", false);
    row("empty authority", "http://", "", false);
    row("only a port", ":8000", "", false);
    row("third field only", "a://b://c", "b", false);
    row("opaque origin", "null", "null", false);
}

void TstSiteResolver::hostname()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QFETCH(bool, expectNull);

    const QString actual = frappeHostname(input);
    QCOMPARE(actual.isNull(), expectNull);
    QCOMPARE(actual, expected);
}

void TstSiteResolver::siteName_data()
{
    QTest::addColumn<QString>("siteHeader");
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("origin");
    QTest::addColumn<QString>("defaultSite");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("expectNull");
    const auto row = [](const char *name, const QString &siteHeader, const QString &host,
                        const QString &origin, const QString &defaultSite,
                        const QString &expected) {
        QTest::newRow(name) << siteHeader << host << origin << defaultSite << expected
                            << expected.isNull();
    };

    // 1) X-Frappe-Site-Name wins over everything.
    row("1 header", "erp.example.com", "localhost:8000", "http://other.com", "dflt",
        "erp.example.com");
    row("1 header with port", "erp.example.com:443", "x", "", "", "erp.example.com");
    row("1 header as url", "https://erp.example.com", "", "", "", "erp.example.com");
    row("1 empty header is absent", "", "a.example.com", "", "", "a.example.com");
    // 2) default_site for a localhost / 127.0.0.1 Host.
    row("2 localhost", "", "localhost:9000", "http://localhost:8000", "site1.local", "site1.local");
    row("2 127.0.0.1", "", "127.0.0.1", "http://foo:8000", "site1.local", "site1.local");
    row("2 without origin", "", "localhost", "", "site1.local", "site1.local");
    row("2 not exact: case", "", "LOCALHOST", "http://LOCALHOST:8000", "site1.local", "LOCALHOST");
    row("2 not exact: suffix", "", "127.0.0.1.nip.io", "http://o.io", "site1.local", "o.io");
    row("2 not exact: ipv6", "", "[::1]:9000", "", "site1.local", "[");
    row("2 no default site", "", "localhost:9000", "http://localhost:8000", "", "localhost");
    // 3) Origin.
    row("3 origin", "", "a.example.com", "https://b.example.com", "dflt", "b.example.com");
    // 4) Host.
    row("4 host", "", "a.example.com:8000", "", "dflt", "a.example.com");
    row("4 nothing", "", "", "", "dflt", QString());
}

void TstSiteResolver::siteName()
{
    QFETCH(QString, siteHeader);
    QFETCH(QString, host);
    QFETCH(QString, origin);
    QFETCH(QString, defaultSite);
    QFETCH(QString, expected);
    QFETCH(bool, expectNull);

    const QString actual = resolveSiteName({host, origin, siteHeader}, defaultSite);
    QCOMPARE(actual.isNull(), expectNull);
    QCOMPARE(actual, expected);
}

void TstSiteResolver::origin_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("origin");
    QTest::addColumn<QStringList>("allowed");
    QTest::addColumn<bool>("expected");
    const auto row = [](const char *name, const QString &host, const QString &origin,
                        const QStringList &allowed, bool expected) {
        QTest::newRow(name) << host << origin << allowed << expected;
    };

    // Node's rule.
    row("same", "a.b:8000", "http://a.b:8000", {}, true);
    row("ports ignored", "a.b:9000", "https://a.b:8000", {}, true);
    row("both absent", "", "", {}, true);
    row("only origin absent", "a.b", "", {}, false);
    row("only host absent", "", "http://a.b", {}, false);
    row("undefined vs empty", "", "http://", {}, false);
    row("case differs", "A.b", "http://a.b", {}, false);
    row("different hosts", "a.b", "http://c.d", {}, false);
    row("ipv6 quirk", "[::1]:9000", "http://[::2]:9000", {}, true);

    // The opt-in allow-list.
    const QString api = QStringLiteral("api.example.com");
    const QString app = QStringLiteral("https://app.example.com");
    row("list: listed", api, app, {app}, true);
    row("list: case and slash", api, "https://App.Example.com", {"https://app.example.com/"}, true);
    row("list: default port", api, app, {"https://app.example.com:443"}, true);
    row("list: other port", api, app, {"https://app.example.com:8443"}, false);
    row("list: other scheme", api, app, {"http://app.example.com"}, false);
    row("list: not listed", api, app, {"https://x.example.com"}, false);
    row("list: bare host is no origin", api, app, {"app.example.com"}, false);
    row("list: ipv6", api, "http://[::1]:8000", {"http://[::1]:8000"}, true);
    row("list: opaque", api, "null", {"null"}, true);
    row("list: star", api, app, {"*"}, true);
    row("list: star, origin absent", api, "", {"*"}, false);
    row("list: empty entry", api, "/", {""}, false);
    row("list: node rule still applies", "a.b", "http://a.b", {"https://x.y"}, true);
}

void TstSiteResolver::origin()
{
    QFETCH(QString, host);
    QFETCH(QString, origin);
    QFETCH(QStringList, allowed);
    QFETCH(bool, expected);

    QCOMPARE(originAllowed({host, origin, {}}, allowed), expected);
}

void TstSiteResolver::mismatchNamesBothHostnames()
{
    const QString line =
        describeOriginMismatch({QStringLiteral("a.example.com:8000"),
                                QStringLiteral("https://b.example.com"), QStringLiteral("x")});
    QVERIFY2(line.contains(QLatin1String("\"a.example.com\"")), qPrintable(line));
    QVERIFY2(line.contains(QLatin1String("\"b.example.com\"")), qPrintable(line));
    QVERIFY2(line.contains(QLatin1String("\"a.example.com:8000\"")), qPrintable(line));
    QVERIFY2(line.contains(QLatin1String("\"https://b.example.com\"")), qPrintable(line));
    QVERIFY(!line.contains(QLatin1Char('\n')));
}

void TstSiteResolver::mismatchHints()
{
    const QString noOrigin = describeOriginMismatch({QStringLiteral("a.b"), {}, {}});
    QVERIFY2(noOrigin.contains(QLatin1String("(absent)")), qPrintable(noOrigin));
    QVERIFY2(noOrigin.contains(QLatin1String("no Origin header")), qPrintable(noOrigin));

    const QString caseOnly =
        describeOriginMismatch({QStringLiteral("A.b"), QStringLiteral("http://a.b"), {}});
    QVERIFY2(caseOnly.contains(QLatin1String("letter case")), qPrintable(caseOnly));

    const QString different =
        describeOriginMismatch({QStringLiteral("a.b"), QStringLiteral("http://c.d"), {}});
    QVERIFY2(!different.contains(QLatin1String("letter case")), qPrintable(different));
}

QTEST_GUILESS_MAIN(TstSiteResolver)
#include "tst_siteresolver.moc"
