// Driver of scripts/idle-connections.sh: starts the server in protocol-test
// mode, spreads N idle WebSocket clients over several client processes
// (scripts/idle-clients.js), holds them for at least two heartbeat rounds and
// prints what the server's memory did. Settings come from the environment
// (the .sh documents them). Prints key=value lines; exit code 1 when not every
// connection was established or survived.
'use strict';

const {spawn, fork} = require('child_process');
const fs = require('fs');
const path = require('path');

const env = (name, fallback) => process.env[name] || fallback;
const total = Number(env('IDLE_N', '20000'));
const workers = Number(env('IDLE_WORKERS', String(Math.max(1, Math.ceil(total / 5000)))));
const pingIntervalMs = Number(env('PING_INTERVAL_MS', '25000'));
const pingTimeoutMs = Number(env('PING_TIMEOUT_MS', '20000'));
// Two full ping rounds plus the timeout: a dead heartbeat would have closed sockets by then.
const holdMs = Math.max(Number(env('HOLD_S', '0')) * 1000, 2 * pingIntervalMs + pingTimeoutMs + 2000);
const connectDeadlineMs = Number(env('CONNECT_DEADLINE_S', '180')) * 1000;
const server = env('SERVER', '');
const wrapper = env('SERVER_WRAPPER', ''); // e.g. "heaptrack -o /tmp/idle" (RSS then includes it)
const serverLog = env('SERVER_LOG', '/tmp/idle-connections-server.log');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function vmRssKb(pid) {
    try {
        const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
        return m ? Number(m[1]) : 0;
    } catch {
        return 0;
    }
}

// The server process itself, also when a wrapper (heaptrack, valgrind) sits in between.
function serverPid(rootPid) {
    const queue = [rootPid];
    while (queue.length) {
        const pid = queue.shift();
        try {
            if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('frappe-realtim')) return pid;
        } catch { /* gone */ }
        for (const entry of fs.readdirSync('/proc')) {
            if (!/^\d+$/.test(entry)) continue;
            try {
                const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
                const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
                if (ppid === pid) queue.push(Number(entry));
            } catch { /* gone */ }
        }
    }
    return rootPid;
}

function startServer() {
    const args = [server, '--protocol-test-server', '--port', '0', '--stats-interval', '0',
        '--ping-interval', String(pingIntervalMs), '--ping-timeout', String(pingTimeoutMs),
        // Every client comes from 127.0.0.x: say explicitly that no per-address
        // cap applies (0 is also the default).
        '--max-connections', '0', '--max-connections-per-ip', '0',
        // Protocol-test mode allows 1 s for the namespace CONNECT; thousands of
        // handshakes queued on a busy box take longer. Use the production value.
        '--connect-timeout', '45000'];
    const argv = wrapper ? [...wrapper.split(/\s+/), ...args] : args;
    const child = spawn(argv[0], argv.slice(1), {stdio: ['ignore', 'pipe', 'pipe'], detached: true});
    const log = [];
    const logFile = fs.createWriteStream(serverLog);
    return new Promise((resolve, reject) => {
        const onData = (chunk) => {
            const text = chunk.toString();
            logFile.write(text);
            if (log.length < 100) log.push(text);
            process.stderr.write(text.split('\n').filter((l) => /limit|warning|error/i.test(l))
                .map((l) => `server: ${l}\n`).join(''));
            const m = /Realtime service listening on: (\d+)/.exec(log.join(''));
            if (m) resolve({child, port: Number(m[1])});
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('exit', (code) => reject(new Error(`server exited (${code}): ${log.join('')}`)));
    });
}

async function main() {
    const {child, port} = await startServer();
    let pid = child.pid;
    let exited = false;
    child.on('exit', () => { exited = true; });
    // The server alone first: a wrapper (heaptrack) must live on to write its data.
    const stopServer = () => {
        try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
    };
    process.on('exit', () => {
        try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    });
    process.on('SIGINT', () => process.exit(130));
    await sleep(wrapper ? 3000 : 500);
    pid = serverPid(child.pid);
    const rssBefore = vmRssKb(pid);

    const shares = Array.from({length: workers}, (_, w) =>
        Math.floor(total / workers) + (w < total % workers ? 1 : 0));
    const latest = shares.map(() => ({connected: 0, closed: 0, errors: 0, minPings: 0, rssKb: 0}));
    const procs = shares.map((count, w) => {
        const p = fork(path.join(__dirname, 'idle-clients.js'),
            ['--port', String(port), '--count', String(count), '--source', `127.0.0.${10 + w}`]);
        p.on('message', (m) => { latest[w] = m; });
        return p;
    });
    const sum = (key) => latest.reduce((a, s) => a + s[key], 0);

    const t0 = Date.now();
    while (sum('connected') < total && Date.now() - t0 < connectDeadlineMs) {
        await sleep(1000);
        if (sum('closed') > 0 && sum('connected') + sum('closed') >= total) break;
    }
    const connectS = (Date.now() - t0) / 1000;
    const connected = sum('connected');
    await sleep(2000); // let the last CONNECT replies and their buffers settle
    const rssConnected = vmRssKb(pid);
    console.error(`idle: ${connected}/${total} connected in ${connectS.toFixed(1)} s; holding ` +
        `${(holdMs / 1000).toFixed(0)} s (ping interval ${pingIntervalMs} ms)`);
    await sleep(holdMs);
    const rssAfter = vmRssKb(pid);
    const alive = sum('connected');
    const minPings = Math.min(...latest.map((s) => s.minPings));
    const clientRssKb = sum('rssKb');
    const lastError = latest.map((s) => s.lastError).find((e) => e) || '';

    const perConn = (kb) => (connected ? Math.round((kb - rssBefore) * 1024 / connected) : 0);
    const ok = connected === total && alive === total && minPings >= 2;
    console.log([
        `scenario=idle status=${ok ? 'ok' : 'FAIL'} target=${total} connected=${connected}`,
        `connect_s=${connectS.toFixed(1)} alive_after_hold=${alive} hold_s=${(holdMs / 1000).toFixed(0)}`,
        `min_pings_answered=${minPings} closed=${sum('closed')} errors=${sum('errors')}`,
        `server_rss_before_kb=${rssBefore} server_rss_connected_kb=${rssConnected}`,
        `server_rss_after_hold_kb=${rssAfter}`,
        `bytes_per_conn_connected=${perConn(rssConnected)} bytes_per_conn_after_hold=${perConn(rssAfter)}`,
        `client_processes=${workers} client_rss_kb=${clientRssKb}`,
    ].join(' '));
    if (lastError) console.error(`idle: last client error: ${lastError}`);
    console.error(`idle: server log in ${serverLog}`);
    procs.forEach((p) => p.kill());
    stopServer();
    for (let waited = 0; !exited && waited < 60000; waited += 200) await sleep(200);
    process.exit(ok ? 0 : 1);
}

main().catch((e) => {
    console.error(`idle: ${e.message}`);
    process.exit(1);
});
