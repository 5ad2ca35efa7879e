#include "metrics/promtext.h"

#include <QLocale>
#include <cmath>

void PromText::family(const QByteArray &name, const QByteArray &type, const QByteArray &help)
{
    m_text += "# HELP " + name + ' ' + help + '\n';
    m_text += "# TYPE " + name + ' ' + type + '\n';
}

void PromText::sample(const QByteArray &name, double value, const Labels &labels)
{
    writeSample(name, formatValue(value), labels);
}

void PromText::sample(const QByteArray &name, quint64 value, const Labels &labels)
{
    // Integers stay exact: a double would round counters above 2^53.
    writeSample(name, QByteArray::number(value), labels);
}

void PromText::writeSample(const QByteArray &name, const QByteArray &value, const Labels &labels)
{
    m_text += name;
    if (!labels.isEmpty()) {
        m_text += '{';
        for (int i = 0; i < labels.size(); ++i) {
            if (i) m_text += ',';
            m_text += labels[i].first + "=\"" + escapeLabelValue(labels[i].second) + '"';
        }
        m_text += '}';
    }
    m_text += ' ' + value + '\n';
}

QByteArray PromText::escapeLabelValue(const QString &value)
{
    QByteArray out;
    const QByteArray utf8 = value.toUtf8();
    out.reserve(utf8.size());
    for (const char c : utf8) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

QByteArray PromText::formatValue(double value)
{
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    return QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
}
