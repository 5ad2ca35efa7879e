// NamespaceMap: what one client holds per namespace (its sockets, pending
// connects, packets waiting for them). A client uses one or two namespaces
// (a desk tab: its site), so a hash is the wrong shape: Qt 6.4 allocates
// about 1.7 KB for a QHash's first entry, and keeps it after the last
// removal. Two inline arrays hold the common case with no allocation at all.
// Iterating visits the values, so qDeleteAll() works as on a QHash.
// Value type; thread-agnostic (used on the engine thread).
#pragma once

#include <QList>
#include <QString>
#include <QVarLengthArray>

template<typename V> class NamespaceMap {
public:
    qsizetype size() const { return m_keys.size(); }
    bool isEmpty() const { return m_keys.isEmpty(); }
    bool contains(const QString &key) const { return indexOf(key) >= 0; }

    V value(const QString &key) const
    {
        const qsizetype i = indexOf(key);
        return i >= 0 ? m_values[i] : V();
    }

    void insert(const QString &key, V value)
    {
        const qsizetype i = indexOf(key);
        if (i >= 0) {
            m_values[i] = std::move(value);
            return;
        }
        m_keys.append(key);
        m_values.append(std::move(value));
    }

    V &operator[](const QString &key)
    {
        qsizetype i = indexOf(key);
        if (i < 0) {
            m_keys.append(key);
            m_values.append(V());
            i = m_keys.size() - 1;
        }
        return m_values[i];
    }

    V take(const QString &key)
    {
        const qsizetype i = indexOf(key);
        if (i < 0) return V();
        V taken = std::move(m_values[i]);
        m_keys.remove(i);
        m_values.remove(i);
        return taken;
    }

    void remove(const QString &key) { take(key); }

    QList<V> values() const { return QList<V>(m_values.begin(), m_values.end()); }

    auto begin() const { return m_values.begin(); }
    auto end() const { return m_values.end(); }

private:
    qsizetype indexOf(const QString &key) const
    {
        for (qsizetype i = 0; i < m_keys.size(); ++i)
            if (m_keys[i] == key) return i;
        return -1;
    }

    QVarLengthArray<QString, 1> m_keys;
    QVarLengthArray<V, 1> m_values;
};
