/**
 * The raw baseline's child process: dials the bench manager's socket (its
 * one argument) and answers as a Switchboard bench worker does, with no
 * library: echoes `echo`, counts `flood`, reports the count on `drain`.
 *
 * @module
 */

import { RawConnection } from "./raw_connection.ts";

const conn = await Deno.connect({ transport: "unix", path: Deno.args[0] });
let received = 0;
const connection: RawConnection = new RawConnection(conn, (message) => {
  switch (message.action) {
    case "echo":
      connection.send({ action: "echo", data: message.data });
      break;
    case "flood":
      received++;
      break;
    case "drain":
      connection.send({ action: "drained", data: received });
      received = 0;
      break;
  }
});
// The manager closing the connection is the signal to exit.
await connection.done;
connection.close();
