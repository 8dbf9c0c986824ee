/**
 * The "logger" service process of the examples. It sees every message with
 * `onAny`, and answers on the connection the message came on.
 *
 * @module
 */

import { connect } from "../mod.ts";
import type { Protocol } from "./protocol.ts";

const peer = await connect<Protocol>();
const lines: string[] = [];

peer.onAny((msg) => {
  if (msg.action === "log") lines.push(`${msg.from}: ${msg.data.line}`);
  if (msg.action === "flush") msg.reply("flushed", { lines: lines.splice(0) });
});
