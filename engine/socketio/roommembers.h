// RoomMembers: the sockets of one room, as a sorted array of pointers.
// Most rooms hold one socket (every socket's own id room, a desk user's
// `user:` room, an `open_doc:` room), and Qt 6.4's QSet allocates about
// 0.8 KB for its first entry: held inline, such a room costs nothing on the
// heap. Big rooms ("all") stay compact and iterate as a plain array, which
// is what a broadcast does; joins and leaves shift the array (a memmove of
// 8 bytes per member), cheap next to the socket work around them, and the
// array grows geometrically.
// Value type; thread-agnostic (used on the engine thread).
#pragma once

#include <QSet>
#include <QVarLengthArray>

#include <algorithm>

class SioSocket;

class RoomMembers {
public:
    using const_iterator = SioSocket *const *;

    qsizetype size() const { return m_members.size(); }
    bool isEmpty() const { return m_members.isEmpty(); }
    bool contains(SioSocket *socket) const
    {
        const auto it = lowerBound(socket);
        return it != m_members.cend() && *it == socket;
    }
    // False when the socket was already a member.
    bool insert(SioSocket *socket)
    {
        const auto it = lowerBound(socket);
        if (it != m_members.cend() && *it == socket) return false;
        const qsizetype at = it - m_members.cbegin();
        // QVarLengthArray::insert() grows a full array by exactly the
        // inserted count: a big room ("all") would be reallocated and copied
        // on every join, and each slightly larger block left the freed one
        // unusable. Doubling keeps joins amortised O(1) in allocations.
        if (m_members.size() == m_members.capacity()) m_members.reserve(m_members.size() * 2);
        m_members.insert(at, socket);
        return true;
    }
    // False when the socket was not a member.
    bool remove(SioSocket *socket)
    {
        const auto it = lowerBound(socket);
        if (it == m_members.cend() || *it != socket) return false;
        m_members.remove(it - m_members.cbegin());
        return true;
    }

    const_iterator begin() const { return m_members.cbegin(); }
    const_iterator end() const { return m_members.cend(); }
    const_iterator cbegin() const { return m_members.cbegin(); }
    const_iterator cend() const { return m_members.cend(); }

    QSet<SioSocket *> toSet() const { return QSet<SioSocket *>(begin(), end()); }

private:
    const_iterator lowerBound(SioSocket *socket) const
    {
        return std::lower_bound(m_members.cbegin(), m_members.cend(), socket);
    }

    QVarLengthArray<SioSocket *, 1> m_members; // sorted by address
};
