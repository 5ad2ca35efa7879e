// PromText: writes the Prometheus text exposition format (version 0.0.4):
// one `# HELP` / `# TYPE` header per metric family, then its samples, with
// label values escaped as the format requires. Value type; no threads.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

class PromText {
public:
    using Labels = QList<QPair<QByteArray, QString>>;

    // Starts a family; type is "counter", "gauge", "summary" or "untyped".
    void family(const QByteArray &name, const QByteArray &type, const QByteArray &help);
    // A sample of the current family (suffix e.g. "_total" is part of name).
    void sample(const QByteArray &name, double value, const Labels &labels = {});
    void sample(const QByteArray &name, quint64 value, const Labels &labels = {});

    const QByteArray &text() const { return m_text; }

    static QByteArray escapeLabelValue(const QString &value);
    static QByteArray formatValue(double value);

private:
    void writeSample(const QByteArray &name, const QByteArray &value, const Labels &labels);

    QByteArray m_text;
};
