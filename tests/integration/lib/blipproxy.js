"use strict";
// A TCP proxy on 127.0.0.1 in front of the server, for network blips under a client:
//   drop()       closes every connection going through it (both ends see the TCP close),
//   blackhole()  from now on forwards nothing, in either direction, on the connections it has
//                and on new ones, and keeps them open (a silent network: only timeouts notice),
//   heal()       new connections go through again (blackholed ones stay dead).
// startBlipProxy(targetPort) -> Promise<{port, url, drop(), blackhole(), heal(), close()}>
const net = require("net");

function startBlipProxy(targetPort) {
	const pairs = new Set();
	let silent = false;
	const server = net.createServer((client) => {
		const pair = { client, upstream: net.connect({ host: "127.0.0.1", port: targetPort }), held: silent };
		pairs.add(pair);
		const end = () => {
			pairs.delete(pair);
			client.destroy();
			pair.upstream.destroy();
		};
		client.on("data", (d) => pair.held || pair.upstream.write(d));
		pair.upstream.on("data", (d) => pair.held || client.write(d));
		// A blackholed link delivers no close either; the client's own timeout ends it.
		client.on("close", end);
		pair.upstream.on("close", () => pair.held || end());
		client.on("error", () => {});
		pair.upstream.on("error", () => {});
	});
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address();
			resolve({
				port,
				url: `http://127.0.0.1:${port}`,
				get connections() {
					return pairs.size;
				},
				drop() {
					for (const pair of [...pairs]) {
						pairs.delete(pair);
						pair.client.destroy();
						pair.upstream.destroy();
					}
				},
				blackhole() {
					silent = true;
					for (const pair of pairs) pair.held = true;
				},
				heal() {
					silent = false;
				},
				close() {
					this.drop();
					return new Promise((r) => server.close(() => r()));
				},
			});
		});
	});
}

module.exports = { startBlipProxy };
