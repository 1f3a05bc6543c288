/**
 * Long work runs in a child process: the bundled CLI under a real Node.js. This keeps the extension host
 * responsive, and it keeps better-sqlite3's native binary (built for Node, not for the editor's Electron) out of
 * the extension host. Progress arrives as JSON lines on stderr, the result as the last JSON line on stdout.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type * as vscode from 'vscode';

export interface CliProgressEvent {
  type: string;
  position?: number;
  target?: number | null;
  reason?: string;
  [key: string]: unknown;
}

export interface CliOutcome {
  code: number;
  result: Record<string, unknown> | null;
  /** Human text from stderr that was not a progress event (errors and hints). */
  messages: string[];
}

export class CliRunner {
  constructor(
    private readonly extensionPath: string,
    /** The Node.js to run the CLI with; undefined when none fits (the user has been told why). */
    private readonly findNode: () => Promise<string | undefined>,
    private readonly log: vscode.OutputChannel,
  ) {}

  async run(
    args: string[],
    onEvent: (event: CliProgressEvent) => void,
    token?: vscode.CancellationToken,
    /** Text for the child's stdin (e.g. an abstract to explain). */
    input?: string,
    /** Extra environment variables (the teacher's API key travels here, never on the command line). */
    env?: Record<string, string>,
  ): Promise<CliOutcome> {
    const cli = path.join(this.extensionPath, 'dist', 'cli.js');
    const fullArgs = [cli, ...args, '--json'];
    const node = await this.findNode();
    if (!node) {
      throw new Error(
        'No Node.js 20+ that can run MiniAstroLM was found (see the notification for how to fix it).',
      );
    }
    this.log.appendLine(`$ ${node} ${fullArgs.join(' ')}`);
    return new Promise((resolve, reject) => {
      const child = spawn(node, fullArgs, {
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        ...(env ? { env: { ...process.env, ...env } } : {}),
      });
      if (input !== undefined) child.stdin?.end(input);
      const cancel = token?.onCancellationRequested(() => child.kill('SIGTERM'));
      let stdout = '';
      let stderrBuffer = '';
      const messages: string[] = [];
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderrBuffer += chunk;
        let newline = stderrBuffer.indexOf('\n');
        while (newline >= 0) {
          const line = stderrBuffer.slice(0, newline);
          stderrBuffer = stderrBuffer.slice(newline + 1);
          handleLine(line);
          newline = stderrBuffer.indexOf('\n');
        }
      });
      const handleLine = (line: string) => {
        if (line.startsWith('{')) {
          try {
            onEvent(JSON.parse(line) as CliProgressEvent);
            return;
          } catch {
            // Not an event: fall through and keep it as a message.
          }
        }
        if (line.trim()) {
          messages.push(line);
          this.log.appendLine(line);
        }
      };
      child.on('error', (error) => {
        cancel?.dispose();
        reject(
          new Error(
            `Could not start Node.js ("${node}"): ${error.message}. Install Node.js 20+ or set miniastrolm.nodePath.`,
          ),
        );
      });
      child.on('close', (code) => {
        cancel?.dispose();
        if (stderrBuffer) handleLine(stderrBuffer);
        const last = stdout.trim().split('\n').pop() ?? '';
        let result: Record<string, unknown> | null = null;
        try {
          result = last ? (JSON.parse(last) as Record<string, unknown>) : null;
        } catch {
          this.log.appendLine(stdout);
        }
        resolve({ code: code ?? 1, result, messages });
      });
    });
  }
}
