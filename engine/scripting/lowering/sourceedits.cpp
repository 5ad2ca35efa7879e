#include "scripting/lowering/sourceedits.h"

#include <algorithm>

void SourceEdits::add(qsizetype pos, qsizetype remove, QString text, int rank)
{
    m_edits.append({pos, remove, std::move(text), rank, int(m_edits.size())});
}

QString SourceEdits::apply(const QString &source) const
{
    QList<Edit> edits = m_edits;
    std::stable_sort(edits.begin(), edits.end(), [](const Edit &a, const Edit &b) {
        if (a.pos != b.pos) return a.pos < b.pos;
        if (a.rank != b.rank) return a.rank < b.rank;
        return a.rank == 0 ? a.order > b.order : a.order < b.order;
    });
    QString out;
    out.reserve(source.size() + edits.size() * 32);
    qsizetype at = 0;
    for (const Edit &e : edits) {
        if (e.pos < at) continue; // overlapping removal; cannot happen for valid input
        out += QStringView(source).mid(at, e.pos - at);
        out += e.text;
        at = e.pos + e.remove;
    }
    out += QStringView(source).mid(at);
    return out;
}
