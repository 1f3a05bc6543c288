/**
 * Explanation work, one job at a time: the newest request first, a request the user made explicitly (the panel)
 * ahead of background work for hovers — a background job it interrupts is cancelled and queued again — and at
 * most `maxPending` background jobs waiting, the stalest dropped. The same key asked twice shares one job. No
 * `vscode` here.
 */

export type JobPriority = 'foreground' | 'background';

/** Rejects a job that was dropped from the queue before it ran. */
export class JobDropped extends Error {
  override readonly name = 'JobDropped';
  constructor() {
    super('superseded by newer requests');
  }
}

interface Entry<T> {
  key: string;
  priority: JobPriority;
  run: (signal: AbortSignal) => Promise<T>;
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  controller: AbortController | null;
  /** Set when a foreground job interrupted this one: its abort is not the caller's failure. */
  requeued: boolean;
}

export class LatestFirstQueue<T> {
  private pending: Entry<T>[] = [];
  private running: Entry<T> | null = null;

  constructor(private readonly maxPending = 4) {}

  /** Whether a job for `key` is running or waiting. */
  has(key: string): boolean {
    return this.running?.key === key || this.pending.some((e) => e.key === key);
  }

  get runningKey(): string | null {
    return this.running?.key ?? null;
  }

  enqueue(key: string, priority: JobPriority, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.running?.key === key) {
      if (priority === 'foreground') this.running.priority = 'foreground';
      return this.running.promise;
    }
    const waiting = this.pending.find((e) => e.key === key);
    if (waiting) {
      this.pending = this.pending.filter((e) => e !== waiting);
      if (priority === 'foreground') waiting.priority = 'foreground';
      this.pending.unshift(waiting);
      this.pump();
      return waiting.promise;
    }
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry: Entry<T> = {
      key,
      priority,
      run,
      promise,
      resolve,
      reject,
      controller: null,
      requeued: false,
    };
    this.pending.unshift(entry);
    if (priority === 'foreground' && this.running?.priority === 'background') {
      const interrupted = this.running;
      interrupted.requeued = true;
      interrupted.controller?.abort(new Error('interrupted by a request from the user'));
    }
    this.trim();
    this.pump();
    return promise;
  }

  /** Cancels the job for `key`, running or waiting. */
  cancel(key: string): void {
    if (this.running?.key === key) this.running.controller?.abort(new Error('cancelled'));
    const waiting = this.pending.filter((e) => e.key === key);
    this.pending = this.pending.filter((e) => e.key !== key);
    for (const e of waiting) e.reject(new JobDropped());
  }

  /** Drops every waiting job and cancels the running one. */
  clear(): void {
    const all = this.pending;
    this.pending = [];
    for (const e of all) e.reject(new JobDropped());
    this.running?.controller?.abort(new Error('cancelled'));
  }

  private trim(): void {
    const background = this.pending.filter((e) => e.priority === 'background');
    const excess = background.slice(this.maxPending);
    if (excess.length === 0) return;
    this.pending = this.pending.filter((e) => !excess.includes(e));
    for (const e of excess) e.reject(new JobDropped());
  }

  private pump(): void {
    if (this.running) return;
    const next = this.pending.find((e) => e.priority === 'foreground') ?? this.pending[0];
    if (!next) return;
    this.pending = this.pending.filter((e) => e !== next);
    this.running = next;
    next.controller = new AbortController();
    next.requeued = false;
    next
      .run(next.controller.signal)
      .then(
        (value) => next.resolve(value),
        (error) => {
          if (next.requeued) {
            // Interrupted by a foreground job: wait behind it, then run again.
            this.pending.splice(1, 0, next);
            return;
          }
          next.reject(error);
        },
      )
      .finally(() => {
        if (this.running === next) this.running = null;
        this.pump();
      });
  }
}
