/**
 * The engine process (dist/engine.js): one long-lived Node child of the editor that keeps the database, the
 * tokenizer and the open student warm, and answers JSON-RPC over stdio. stdout carries the protocol alone, so
 * everything else (logs, library warnings) goes to stderr, which the editor shows in its output channel.
 */
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { serveEngine } from './server';

// A stray console.log would corrupt the protocol stream.
console.log = console.error;
console.info = console.error;

const idleMs = Number(process.env['MINIASTROLM_ENGINE_IDLE_MS'] ?? 10 * 60_000);
const connection = createMessageConnection(
  new StreamMessageReader(process.stdin),
  new StreamMessageWriter(process.stdout),
);
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
serveEngine(connection, {
  idleMs: Number.isFinite(idleMs) && idleMs > 0 ? idleMs : 10 * 60_000,
  log,
  exit: () => {
    connection.dispose();
    process.exit(0);
  },
  env: process.env,
});
// The editor closing our stdin means it is gone: so are we.
connection.onClose(() => process.exit(0));
connection.listen();
log(`engine ${process.pid} listening (node ${process.version})`);
