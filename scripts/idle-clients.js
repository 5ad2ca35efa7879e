// One client process of scripts/idle-connections.sh: opens COUNT raw Engine.IO 4
// WebSocket connections to the server, completes the Socket.IO CONNECT to `/`,
// answers every ping, and otherwise stays idle. Raw `ws` rather than
// socket.io-client: a few KB per socket instead of tens, so one process can
// hold thousands. Reports to its parent (process.send) once a second.
//
//   node idle-clients.js --port P --count N [--window 200] [--source 127.0.0.2]
//
// Headers mimic a desk browser behind nginx (cookie, origin, user agent), so
// the server keeps a handshake of realistic size per connection.
'use strict';

const WebSocket = require('ws');

function option(name, fallback) {
    const i = process.argv.indexOf('--' + name);
    return i > 0 ? process.argv[i + 1] : fallback;
}

const port = Number(option('port'));
const count = Number(option('count', '1000'));
const window = Number(option('window', '200')); // handshakes in flight at most
const sources = option('source', '127.0.0.1').split(',');
const url = `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`;
const headers = {
    Origin: 'http://127.0.0.1:8000',
    Cookie: 'sid=user42abcdef0123456789abcdef0123456789abcdef0123456789; system_user=yes; ' +
        'full_name=User%2042; user_id=user42%40example.com; user_image=',
    'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
        'Chrome/120.0 Safari/537.36',
    'X-Frappe-Site-Name': 'site1',
};

const stats = {opened: 0, connected: 0, closed: 0, errors: 0, pings: 0};
const pingsPerSocket = new Map(); // socket index -> pings answered
let started = 0;
let inFlight = 0;
let lastError = '';

function openOne() {
    const index = started++;
    inFlight++;
    let admitted = false;
    const ws = new WebSocket(url, {
        headers,
        localAddress: sources[index % sources.length],
        perMessageDeflate: false,
    });
    const settle = () => {
        if (admitted) return;
        admitted = true;
        inFlight--;
        pump();
    };
    ws.on('open', () => stats.opened++);
    ws.on('message', (data) => {
        const text = data.toString();
        if (text === '2') {
            ws.send('3');
            stats.pings++;
            pingsPerSocket.set(index, (pingsPerSocket.get(index) || 0) + 1);
        } else if (text.startsWith('0{')) {
            ws.send('40');
        } else if (text.startsWith('40')) {
            stats.connected++;
            pingsPerSocket.set(index, 0);
            settle();
        }
    });
    ws.on('error', (e) => {
        stats.errors++;
        lastError = e.message;
    });
    ws.on('close', () => {
        stats.closed++;
        if (pingsPerSocket.has(index)) stats.connected--;
        pingsPerSocket.delete(index);
        settle();
    });
}

function pump() {
    while (started < count && inFlight < window) openOne();
}

function report() {
    let minPings = Infinity;
    for (const n of pingsPerSocket.values()) minPings = Math.min(minPings, n);
    process.send({
        ...stats,
        minPings: pingsPerSocket.size ? minPings : 0,
        started,
        lastError,
        rssKb: Math.round(process.memoryUsage().rss / 1024),
    });
}

pump();
setInterval(report, 1000);
process.on('disconnect', () => process.exit(0));
