/**
 * The loopback OpenAI-compatible server for the supervision benchmark, in its own process: a real endpoint does its
 * work on another machine, so the server's JSON and timers must not share our event loop. Prints its base URL on the
 * first line of stdout, then serves until stdin closes.
 */
import { startOpenAiServer } from '../test/helpers/openaiServer';
import { happyHandler } from '../test/helpers/supervision';

async function main(): Promise<void> {
  const server = await startOpenAiServer(happyHandler);
  server.latencyMs = Number(process.argv[2] ?? 50);
  process.stdout.write(`${server.baseUrl}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    void server.close().then(() => process.exit(0));
  });
}

void main();
