// RoomList: the set of rooms one socket is in, as a sorted QList<QString>.
// A socket is in a handful of rooms (its own id, user:<name>, all/website, a
// few doc rooms), and Qt 6.4's QSet allocates a 48-entry span (about 1.2 KB)
// for its first element; a sorted list costs one small block and finds a room
// by binary search. Offers the part of QSet's interface the callers use.
// Thread-agnostic value type (its owner is single-threaded).
#pragma once

#include <QList>
#include <QString>
#include <algorithm>

class RoomList {
public:
    using const_iterator = QList<QString>::const_iterator;

    bool contains(const QString &room) const
    {
        const auto it = std::lower_bound(m_rooms.cbegin(), m_rooms.cend(), room);
        return it != m_rooms.cend() && *it == room;
    }
    // True when the room was added (false: already in it).
    bool insert(const QString &room)
    {
        const auto it = std::lower_bound(m_rooms.cbegin(), m_rooms.cend(), room);
        if (it != m_rooms.cend() && *it == room) return false;
        if (m_rooms.size() < m_rooms.capacity()) {
            m_rooms.insert(it - m_rooms.cbegin(), room);
            return true;
        }
        // Full: grow by exactly one slot. A socket keeps its few rooms for
        // its whole life, and QList's geometric growth would leave spare
        // slots in every socket; the copy is of a handful of strings.
        QList<QString> grown;
        grown.reserve(m_rooms.size() + 1);
        for (auto i = m_rooms.cbegin(); i != it; ++i)
            grown.append(*i);
        grown.append(room);
        for (auto i = it; i != m_rooms.cend(); ++i)
            grown.append(*i);
        m_rooms = std::move(grown);
        return true;
    }
    // True when the room was there.
    bool remove(const QString &room)
    {
        const auto it = std::lower_bound(m_rooms.cbegin(), m_rooms.cend(), room);
        if (it == m_rooms.cend() || *it != room) return false;
        m_rooms.remove(it - m_rooms.cbegin());
        return true;
    }
    void clear() { m_rooms = {}; } // = {} frees the block; clear() would keep it
    qsizetype size() const { return m_rooms.size(); }
    bool isEmpty() const { return m_rooms.isEmpty(); }
    const_iterator begin() const { return m_rooms.cbegin(); }
    const_iterator end() const { return m_rooms.cend(); }
    const QList<QString> &values() const { return m_rooms; } // sorted

private:
    QList<QString> m_rooms; // sorted, no duplicates
};
