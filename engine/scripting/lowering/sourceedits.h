// Splices text edits into a source without reformatting it: the lowerings
// collect (position, removed length, inserted text) and apply them once.
// Pure value type; any thread.
#pragma once

#include <QList>
#include <QString>

class SourceEdits {
public:
    // At one position, edits apply by rank (0 closing inserts, 1 opening
    // inserts, 2 replacements); closings nest inner first (later added
    // first), openings outer first.
    void add(qsizetype pos, qsizetype remove, QString text, int rank);
    bool isEmpty() const { return m_edits.isEmpty(); }
    QString apply(const QString &source) const;

private:
    struct Edit {
        qsizetype pos;
        qsizetype remove;
        QString text;
        int rank;
        int order;
    };
    QList<Edit> m_edits;
};
