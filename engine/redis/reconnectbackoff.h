// ReconnectBackoff: the delay before the next reconnect attempt, doubling per consecutive
// failure up to a ceiling, with jitter. Engine thread: create and use on one thread.
#pragma once

class ReconnectBackoff {
public:
    ReconnectBackoff(int minMs = 100, int maxMs = 5000);

    void setRange(int minMs, int maxMs);
    int minMs() const { return m_minMs; }
    int maxMs() const { return m_maxMs; }

    // Delay for the next attempt; counts one more failure.
    int nextDelayMs();
    // Failures since the last reset().
    int failures() const { return m_failures; }
    void reset() { m_failures = 0; }

private:
    int m_minMs;
    int m_maxMs;
    int m_failures = 0;
};
