// The Node baseline's child, forked by node_ipc.mjs: answers as a
// Switchboard bench worker does, over Node's IPC channel. It exits when
// the driver disconnects.

import process from "node:process";

let received = 0;

process.on("message", (message) => {
  switch (message.action) {
    case "echo":
      process.send({ action: "echo", data: message.data });
      break;
    case "flood":
      received++;
      break;
    case "drain":
      process.send({ action: "drained", data: received });
      received = 0;
      break;
  }
});

process.send({ action: "ready" });
