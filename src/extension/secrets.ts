/**
 * The teacher's API key, kept in VS Code's SecretStorage only — never in settings, logs, the database or a
 * command line. It reaches the engine as OPENAI_API_KEY in the engine's environment.
 */
import * as vscode from 'vscode';

const SECRET = 'miniastrolm.openaiApiKey';

export class ApiKeyStore {
  private cached: string | undefined | null = null;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly secrets: vscode.SecretStorage) {
    secrets.onDidChange((e) => {
      if (e.key === SECRET) {
        this.cached = null;
        this.changed.fire();
      }
    });
  }

  async get(): Promise<string | undefined> {
    if (this.cached === null) this.cached = await this.secrets.get(SECRET);
    return this.cached;
  }

  /** Whether a key is known right now, without waiting (null until the first `get`). */
  get known(): boolean {
    return typeof this.cached === 'string' && this.cached.length > 0;
  }

  async set(key: string | undefined): Promise<void> {
    if (key) await this.secrets.store(SECRET, key);
    else await this.secrets.delete(SECRET);
    this.cached = key ?? undefined;
    this.changed.fire();
  }
}
