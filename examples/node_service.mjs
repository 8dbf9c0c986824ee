/**
 * Scenario 13's service, in Node.js: it speaks the protocol through the
 * reference peer (peers/node/), answers `shoutRequest`, and greets the
 * manager when it starts.
 */

import { connect, MANAGER } from "../peers/node/switchboard_peer.mjs";

const peer = await connect();
peer.handle("shoutRequest", ({ text }, msg) => ({ text: text.toUpperCase(), from: msg.from }));
peer.ready();
peer.sendMessage("hello", { runtime: `Node.js ${process.version}` }, MANAGER);
