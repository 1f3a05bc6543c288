/**
 * Downloads a model repo's files from the Hugging Face hub (default openai-community/gpt2: config, weights,
 * tokenizer) into a local cache, {cacheDir}/{repo}/{revision}, the way huggingface_hub resolves them (see
 * hubFile.ts for the transfer itself). Settings follow huggingface_hub's environment: HF_ENDPOINT, HF_TOKEN.
 * A file already in the cache is never fetched again; a manifest beside the files records the commit and
 * hashes they came with.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Clock, systemClock } from '../../core/clock';
import { describeError, MiniAstroError } from '../../core/errors';
import { writeTextAtomic } from './atomicFile';
import { downloadOne, type HubFileResult, type HubProgress, type HubTransfer } from './hubFile';

export type { HubFileResult, HubProgress } from './hubFile';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';
export const DEFAULT_HUB_REPO = 'openai-community/gpt2';
/** Files a GPT-2 folder needs; a 404 on one of these is an error. */
export const GPT2_REQUIRED_FILES: readonly string[] = [
  'config.json',
  'model.safetensors',
  'vocab.json',
  'merges.txt',
];
/** Files we take when the repo has them. */
export const GPT2_OPTIONAL_FILES: readonly string[] = ['tokenizer.json', 'generation_config.json'];
/** Written into the download folder: where the files came from, for provenance. */
export const HUB_MANIFEST = '.miniastrolm-hub.json';

export interface HubOptions {
  repo?: string;
  revision?: string;
  /** Files that must exist (default: GPT-2's config, weights and tokenizer). */
  files?: readonly string[];
  /** Files taken when present (default tokenizer.json, generation_config.json). */
  optionalFiles?: readonly string[];
  /** Root of the cache; files land in {cacheDir}/{repo}/{revision}. Default ~/.cache/miniastrolm/hub. */
  cacheDir?: string;
  /** Hub base URL. Default $HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Access token for gated/private repos. Default $HF_TOKEN (or $HUGGING_FACE_HUB_TOKEN). */
  token?: string;
  /** Where HF_ENDPOINT / HF_TOKEN are read from; default process.env (tests pass their own). */
  env?: Readonly<Record<string, string | undefined>>;
  fetch?: typeof globalThis.fetch;
  clock?: Clock;
  /** Consecutive failed attempts (no new bytes) allowed per file after the first. Default 5. */
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Give up on an attempt that receives nothing for this long (then retry/resume). Default 60 s. */
  idleTimeoutMs?: number;
  userAgent?: string;
  onProgress?: (event: HubProgress) => void;
  signal?: AbortSignal;
}

export interface HubDownloadResult {
  dir: string;
  repo: string;
  revision: string;
  commit: string | undefined;
  files: HubFileResult[];
  /** Optional files the repo does not have. */
  missing: string[];
}

// ---- settings --------------------------------------------------------------------------------------------------

const REPO_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

function settingsFrom(options: HubOptions): HubTransfer {
  const env = options.env ?? process.env;
  const repo = options.repo ?? DEFAULT_HUB_REPO;
  if (!REPO_ID.test(repo) || repo.includes('..')) {
    throw new MiniAstroError(
      'badInput',
      `hub repo id ${JSON.stringify(repo)} is not of the form owner/name`,
      'Use a Hugging Face model id such as openai-community/gpt2.',
    );
  }
  const revision = options.revision ?? 'main';
  if (revision === '' || revision.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new MiniAstroError(
      'badInput',
      `hub revision ${JSON.stringify(revision)} is not a branch, tag or commit`,
      'Use "main", a tag, or a commit hash.',
    );
  }
  const endpoint = (options.endpoint ?? env['HF_ENDPOINT'] ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  try {
    new URL(endpoint);
  } catch (error) {
    throw new MiniAstroError(
      'badInput',
      `hub endpoint ${JSON.stringify(endpoint)} is not a URL`,
      'Set HF_ENDPOINT (or the endpoint option) to a base URL such as https://huggingface.co.',
      { cause: error },
    );
  }
  return {
    repo,
    revision,
    endpoint,
    token: options.token ?? (env['HF_TOKEN'] || env['HUGGING_FACE_HUB_TOKEN'] || undefined),
    fetch: options.fetch ?? globalThis.fetch,
    clock: options.clock ?? systemClock,
    maxRetries: options.maxRetries ?? 5,
    backoffBaseMs: options.backoffBaseMs ?? 1000,
    backoffMaxMs: options.backoffMaxMs ?? 30_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    userAgent: options.userAgent ?? 'miniastrolm (+https://github.com/miniastrolm)',
    onProgress: options.onProgress ?? (() => {}),
    signal: options.signal,
  };
}

/** The folder a repo revision is cached in. */
export function hubCacheFolder(repo: string, revision = 'main', cacheDir?: string): string {
  const root = cacheDir ?? path.join(os.homedir(), '.cache', 'miniastrolm', 'hub');
  // A revision like refs/pr/1 stays one folder level.
  return path.join(root, ...repo.split('/'), encodeURIComponent(revision));
}

// ---- a repo ----------------------------------------------------------------------------------------------------

interface Manifest {
  repo: string;
  revision: string;
  endpoint: string;
  commit?: string;
  files: Record<string, { size: number; sha256?: string; etag?: string }>;
}

function readManifest(dir: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, HUB_MANIFEST), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function shardNames(indexFile: string): string[] {
  let weightMap: unknown;
  try {
    weightMap = (JSON.parse(readFileSync(indexFile, 'utf8')) as { weight_map?: unknown }).weight_map;
  } catch (error) {
    throw new MiniAstroError(
      'remote',
      `${indexFile}: not valid JSON (${describeError(error)})`,
      'Run again.',
      {
        cause: error,
      },
    );
  }
  if (typeof weightMap !== 'object' || weightMap === null) {
    throw new MiniAstroError(
      'remote',
      `${indexFile}: no "weight_map"`,
      'The repo is not a safetensors checkpoint.',
    );
  }
  const shards = new Set<string>();
  for (const shard of Object.values(weightMap)) {
    if (typeof shard !== 'string' || shard !== path.basename(shard) || shard === '..') {
      throw new MiniAstroError(
        'remote',
        `${indexFile}: shard ${JSON.stringify(shard)} is not a file name`,
        'The repo index is malformed.',
      );
    }
    shards.add(shard);
  }
  return [...shards];
}

/**
 * Fetches a repo's files into the cache (default: GPT-2's weights, config and tokenizer from
 * openai-community/gpt2) and returns where they are. When the repo has no model.safetensors but a sharded
 * model.safetensors.index.json, the index and its shards are fetched instead.
 */
export async function downloadHubRepo(options: HubOptions = {}): Promise<HubDownloadResult> {
  const s = settingsFrom(options);
  const dir = hubCacheFolder(s.repo, s.revision, options.cacheDir);
  const required = options.files ?? GPT2_REQUIRED_FILES;
  const optional = options.optionalFiles ?? GPT2_OPTIONAL_FILES;
  const results: HubFileResult[] = [];
  const missing: string[] = [];
  const notFound = (file: string) =>
    new MiniAstroError(
      'remote',
      `${s.repo}@${s.revision}: no ${file} on ${s.endpoint}`,
      'Check the repo id and revision (and HF_ENDPOINT); a private repo answers 404 without HF_TOKEN.',
    );

  for (const file of required) {
    if (
      file === 'model.safetensors' &&
      !existsSync(path.join(dir, file)) &&
      existsSync(path.join(dir, 'model.safetensors.index.json'))
    ) {
      results.push(...(await downloadShards(s, dir, notFound)));
      continue;
    }
    const result = await downloadOne(s, dir, file);
    if (result) {
      results.push(result);
      continue;
    }
    if (file !== 'model.safetensors') throw notFound(file);
    results.push(...(await downloadShards(s, dir, notFound)));
  }
  for (const file of optional) {
    const result = await downloadOne(s, dir, file);
    if (result) results.push(result);
    else {
      missing.push(file);
      s.onProgress({ type: 'missing', file });
    }
  }

  // Cached files carry what we recorded when they were downloaded.
  const previous = readManifest(dir);
  const manifest: Manifest = {
    repo: s.repo,
    revision: s.revision,
    endpoint: s.endpoint,
    files: { ...previous?.files },
  };
  for (const result of results) {
    if (result.cached) {
      const recorded = previous?.files[result.file];
      result.sha256 = recorded?.sha256;
      result.etag = recorded?.etag;
      result.commit = previous?.commit;
    } else {
      manifest.files[result.file] = {
        size: result.size,
        sha256: result.sha256,
        ...(result.etag ? { etag: result.etag } : {}),
      };
    }
  }
  const commit = results.find((r) => !r.cached && r.commit)?.commit ?? previous?.commit;
  if (commit) manifest.commit = commit;
  writeTextAtomic(path.join(dir, HUB_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, repo: s.repo, revision: s.revision, commit, files: results, missing };
}

async function downloadShards(
  s: HubTransfer,
  dir: string,
  notFound: (file: string) => MiniAstroError,
): Promise<HubFileResult[]> {
  const indexName = 'model.safetensors.index.json';
  const index = await downloadOne(s, dir, indexName);
  if (!index) throw notFound('model.safetensors (nor a sharded model.safetensors.index.json)');
  const results = [index];
  for (const shard of shardNames(index.path)) {
    const result = await downloadOne(s, dir, shard);
    if (!result) throw notFound(shard);
    results.push(result);
  }
  return results;
}

/** One file from a repo into the cache; a 404 is an error. */
export async function downloadHubFile(file: string, options: HubOptions = {}): Promise<HubFileResult> {
  const s = settingsFrom(options);
  const dir = hubCacheFolder(s.repo, s.revision, options.cacheDir);
  const result = await downloadOne(s, dir, file);
  if (!result) {
    throw new MiniAstroError(
      'remote',
      `${s.repo}@${s.revision}: no ${file} on ${s.endpoint}`,
      'Check the repo id, revision and file name.',
    );
  }
  return result;
}
