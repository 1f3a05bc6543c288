/**
 * Activating the bundled extension (dist/extension.js) in a plain Node process, with a stand-in `vscode` module:
 * every API the extension touches at activation exists and does nothing (registrations return disposables,
 * settings return their defaults). Enough to measure what activation costs and which modules it loads — the
 * real editor's behaviour is the extension-host test's job.
 */
import Module from 'node:module';
import path from 'node:path';

/** A value that answers every property read and call with itself, so any chain of API calls works. */
function inert(name: string): unknown {
  const target = function inertFunction() {};
  return new Proxy(target, {
    get(_t, key) {
      if (key === Symbol.toPrimitive) return () => name;
      if (key === 'then') return undefined; // not a promise
      if (key === 'dispose') return () => {};
      if (key === 'get') return (_key: string, fallback?: unknown) => fallback;
      if (key === 'fsPath' || key === 'path') return `/tmp/${name}`;
      if (key === 'event') return () => ({ dispose() {} });
      return inert(`${name}.${String(key)}`);
    },
    set: () => true,
    apply: () => inert(`${name}()`),
    construct: () => inert(`new ${name}`) as object,
  });
}

/** The names the extension reads from `vscode` (esbuild's import wrapper copies only a module's own keys). */
const API_NAMES = [
  'CodeLens',
  'ConfigurationTarget',
  'CustomExecution',
  'Diagnostic',
  'DiagnosticSeverity',
  'Disposable',
  'EventEmitter',
  'Hover',
  'MarkdownString',
  'Position',
  'ProgressLocation',
  'Range',
  'RelativePattern',
  'StatusBarAlignment',
  'Task',
  'TaskPanelKind',
  'TaskRevealKind',
  'TaskScope',
  'ThemeIcon',
  'TreeItem',
  'TreeItemCollapsibleState',
  'Uri',
  'ViewColumn',
  'WorkspaceEdit',
  'commands',
  'env',
  'languages',
  'tasks',
];

export function vscodeStub(workspace: string): Record<string, unknown> {
  const stub: Record<string, unknown> = {};
  for (const name of API_NAMES) stub[name] = inert(name);
  const folder = { uri: { fsPath: workspace, path: workspace, scheme: 'file' }, name: 'w', index: 0 };
  stub['workspace'] = new Proxy(inert('workspace') as object, {
    get(inner, key) {
      if (key === 'workspaceFolders') return [folder];
      if (key === 'textDocuments') return [];
      return (inner as Record<string | symbol, unknown>)[key];
    },
  });
  stub['window'] = new Proxy(inert('window') as object, {
    get(inner, key) {
      if (key === 'visibleTextEditors') return [];
      return (inner as Record<string | symbol, unknown>)[key];
    },
  });
  return stub;
}

/** A minimal ExtensionContext for `root` (the extension's folder). */
export function contextStub(root: string): Record<string, unknown> {
  const memento = {
    get: (_k: string, fallback?: unknown) => fallback,
    update: async () => {},
    keys: () => [],
  };
  return {
    subscriptions: [] as { dispose(): void }[],
    extensionPath: root,
    extensionUri: { fsPath: root, path: root, scheme: 'file' },
    secrets: {
      get: async () => undefined,
      store: async () => {},
      delete: async () => {},
      onDidChange: () => ({ dispose() {} }),
    },
    workspaceState: memento,
    globalState: { ...memento, setKeysForSync: () => {} },
    storageUri: undefined,
    globalStorageUri: { fsPath: path.join(root, '.global') },
    logUri: { fsPath: path.join(root, '.log') },
  };
}

/** Makes `require('vscode')` return `stub` in this process. */
export function installVscodeStub(stub: unknown): () => void {
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function load(request: string, ...rest: unknown[]) {
    if (request === 'vscode') return stub;
    return original.call(this, request, ...rest);
  };
  return () => {
    loader._load = original;
  };
}

export interface Activation {
  /** require() of the bundle plus activate(), milliseconds. */
  loadMs: number;
  activateMs: number;
  /** Modules under node_modules that the process has loaded by the end of activate(). */
  modules: string[];
  dispose(): void;
}

/** Loads and activates `extensionJs` (dist/extension.js) once in this process. */
export function activateBundled(extensionJs: string, root: string, workspace: string): Activation {
  const uninstall = installVscodeStub(vscodeStub(workspace));
  const t0 = performance.now();
  const extension = require(extensionJs) as { activate(context: unknown): unknown };
  const t1 = performance.now();
  const context = contextStub(root);
  extension.activate(context);
  const t2 = performance.now();
  const modules = [
    ...new Set(
      Object.keys(require.cache)
        .map((file) => /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file)?.[1])
        .filter((name): name is string => Boolean(name)),
    ),
  ].sort();
  return {
    loadMs: t1 - t0,
    activateMs: t2 - t1,
    modules,
    dispose: () => {
      for (const d of context['subscriptions'] as { dispose(): void }[]) {
        try {
          d.dispose();
        } catch {
          // a stub's disposable: nothing to release
        }
      }
      uninstall();
    },
  };
}
