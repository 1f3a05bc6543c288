/**
 * The process's resident memory in MiB, as the training events report it (kept out of events.ts, which the
 * dashboard page, a browser script, also reads for the event types).
 */
export function rssMb(): number {
  return Math.round(process.memoryUsage.rss() / 2 ** 20);
}
