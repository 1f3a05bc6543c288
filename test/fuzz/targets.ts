/**
 * The table of everything that reads input from outside, for the fuzz suite: each target names a parser or
 * loader, the inputs to throw at it, and how to call it. The property (fuzz.test.ts) is the same for all: a
 * result, or a typed error (MiniAstroError unless `typedErrors` says otherwise); never another exception, never
 * a hang.
 *
 * To cover a new parser, add an entry: a name, an arbitrary (usually `textLike([...well-formed samples])`), and
 * `run`. Nothing else changes.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { systemClock } from '../../src/core/clock';
import { MiniAstroError } from '../../src/core/errors';
import { decodeText, readTextFile } from '../../src/core/textDecoding';
import { parseAtomFeed } from '../../src/pipeline/arxiv/atom';
import { parseArxivId, tryParseArxivId } from '../../src/pipeline/arxiv/ids';
import { parseOaiListRecords } from '../../src/pipeline/arxiv/oai';
import { loadPipelineConfig, pipelineConfigFrom } from '../../src/pipeline/config/pipelineConfig';
import { importBibText } from '../../src/pipeline/ingest/importBib';
import {
  decodeImportFile,
  importAbstractsText,
  parseAbstractsText,
} from '../../src/pipeline/ingest/importFile';
import { findArxivIds, latexToText, parseBib, parseTex } from '../../src/pipeline/latex';
import { type Db, openDatabase } from '../../src/pipeline/store/database';
import { extractJsonObject } from '../../src/pipeline/supervise/json/extractJson';
import { LenientParseError, lenientParse } from '../../src/pipeline/supervise/json/lenientParse';
import { checkTeacherAnswer } from '../../src/pipeline/supervise/teacherAnswer';
import { parseVerdict } from '../../src/pipeline/supervise/verdict';
import { defaultValidatorConfig } from '../../src/pipeline/validate/types';
import { generationConfigFrom, loadGenerationConfig } from '../../src/student/config/generationConfig';
import { loadTrainConfig, trainConfigFrom } from '../../src/student/config/trainConfig';
import { parseCuratedJsonl } from '../../src/student/data/rows';
import { configFromHfJson, configToHfJson, tinyGpt2Config } from '../../src/student/model/config';
import { readSafetensorsHeader } from '../../src/student/model/safetensors';
import { readTrainerStateIfAny } from '../../src/student/train/checkpoint';
import { atomFeed, oaiListRecords, syntheticPapers } from '../helpers/feeds';
import { goodAnswer, verdict } from '../helpers/supervision';
import { bytesLike, mutated, perturbed, textLike } from './arbitraries';

export interface FuzzTarget<T = unknown> {
  name: string;
  input: () => fc.Arbitrary<T>;
  run: (input: T) => unknown;
  /** Errors that count as typed for this target; default: MiniAstroError. */
  typedErrors?: (error: unknown) => boolean;
  /** Cases to try (default 300); fewer for targets that touch the disk. */
  runs?: number;
  /** Inputs always tried first: faults found before, kept so they stay fixed whatever the seed. */
  examples?: T[];
}

/** A scratch folder for targets that read files, made once per worker. */
let scratchDir: string | null = null;
function scratch(name: string): string {
  scratchDir ??= mkdtempSync(path.join(os.tmpdir(), 'miniastrolm-fuzz-'));
  const dir = path.join(scratchDir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
export function scratchRoot(): string | null {
  return scratchDir;
}

/** A database for targets that store what they parse, opened once per worker. */
let database: Db | null = null;
function scratchDb(): Db {
  database ??= openDatabase(path.join(scratch('db'), 'astro.db'));
  return database;
}
export function closeScratch(): void {
  database?.close();
  database = null;
}

function fileWith(name: string, content: string | Uint8Array): string {
  const file = path.join(scratch('files'), name);
  writeFileSync(file, content);
  return file;
}

const papers = syntheticPapers(3);
const page = { total: 3, start: 0, itemsPerPage: 3 };
const atomSeeds = [atomFeed(papers, page), atomFeed(papers.slice(0, 1), { ...page, total: 1 })];
const oaiSeeds = [
  oaiListRecords(papers, {
    token: 'synthetic|3',
    cursor: 0,
    completeListSize: 6,
    deletedIds: ['2501.00009'],
  }),
  oaiListRecords(papers.slice(0, 1), { token: null, cursor: 0, completeListSize: 1 }),
];
const importSeeds = [
  papers.map((p) => JSON.stringify(p)).join('\n'),
  JSON.stringify(papers.map((p) => ({ id: p.id, title: p.title, summary: p.abstract, authors: p.authors }))),
  ...atomSeeds,
];
const answerSeeds = [
  goodAnswer('2501.90001'),
  `Sure! Here it is:\n\`\`\`json\n${goodAnswer('2501.90001')}\n\`\`\`\nHope that helps.`,
  `{'id': '2501.90001', 'target_explanation': 'Dust grains drift.\\n\\nThey grow.'}`,
  `<think>plan</think>${goodAnswer('2501.90001')}`,
];
const verdictSeeds = [verdict('2501.90001'), verdict('2501.90001', { faithfulness: '4.5', overall: '8/10' })];
const configFile = (name: string) => readTextFile(path.join(__dirname, '..', '..', 'configs', name), '');
const yamlSeeds = {
  pipeline: configFile('pipeline.yaml'),
  train: configFile('student_train.yaml'),
  generation: configFile('generation.yaml'),
};
const curatedSeed = papers
  .map((p) =>
    JSON.stringify({
      id: p.id,
      title: p.title,
      abstract: p.abstract,
      target_explanation: 'x y z',
      accepted: true,
    }),
  )
  .join('\n');
const hfConfig = configToHfJson(tinyGpt2Config());

/** A small valid safetensors file: 8-byte header length, JSON header, data. */
function safetensorsBytes(headerJson: string, dataBytes: number): Uint8Array {
  const header = Buffer.from(headerJson, 'utf8');
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(header.length));
  return new Uint8Array(Buffer.concat([size, header, Buffer.alloc(dataBytes)]));
}
const safetensorsHeader = JSON.stringify({
  __metadata__: { format: 'pt' },
  'h.0.w': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
  'h.0.b': { dtype: 'F16', shape: [3], data_offsets: [24, 30] },
});
const trainerState = {
  format: 1,
  step: 3,
  totalSteps: 10,
  dataOrder: { epoch: 0, batchInEpoch: 3 },
  dataFingerprint: 'f',
  configHash: 'h',
  trajectoryConfig: {},
  rng: null,
  promptTemplate: 'abstract-explanation-v1',
  maxSeqLen: 64,
  init: 'scratch',
  tokensSeen: 100,
  elapsedSec: 1,
  weightsSha256: 'x',
  lossHistory: [{ step: 1, loss: 2 }],
  evalHistory: [],
};

const yamlText = (seed: string) =>
  fc.oneof(
    { weight: 3, arbitrary: textLike([seed]) },
    { weight: 2, arbitrary: perturbed(parseYaml(seed)).map((v) => JSON.stringify(v)) },
  );

/** Each YAML config twice: its reader on parsed values, and its loader on a file of (often broken) text. */
function configTargets(): FuzzTarget[] {
  const configs = [
    ['pipeline.yaml', yamlSeeds.pipeline, pipelineConfigFrom, loadPipelineConfig],
    ['student_train.yaml', yamlSeeds.train, trainConfigFrom, loadTrainConfig],
    ['generation.yaml', yamlSeeds.generation, generationConfigFrom, loadGenerationConfig],
  ] as const;
  return configs.flatMap(([name, seed, fromValues, load]) => [
    {
      name: `${name} (values)`,
      input: () => perturbed(parseYaml(seed), 4),
      run: fromValues as (v: unknown) => unknown,
    },
    {
      name: `${name} (file)`,
      input: () => yamlText(seed),
      run: (text: unknown) => load(fileWith(name, text as string)),
      runs: 120,
    },
  ]);
}

const texSeeds = [
  String.raw`\documentclass{aastex631}
\title{Rings \& gaps}
\begin{abstract}
We find rings at $\sim 60\%$ of the radius~\citep[e.g.][]{smith2020,jones21}.\footnote{A note.}
% \abstract{}{}{}{}{}
\end{abstract}
See \citet*{a} and arXiv:2501.01234v2; \SI{2}{Myr}.
\bibliography{refs}`,
  String.raw`\abstract{Context}{Aims}
% comment between groups
{Methods with $10^{5}$ yr}{Results}{Conclusions}
\maketitle`,
];

const bibSeeds = [
  String.raw`@string{apj = "ApJ"}
@article{smith2020,
  title = {Dust {R}ings in {HD} 163296},
  author = {Smith, Anna and Jones, Bo and others},
  journal = apj # " Letters",
  year = 2020,
  eprint = {2001.00001}, archivePrefix = {arXiv},
  abstract = {We find \"u rings {with {nested} braces} at 5\% of $M_\odot$.},
}
junk line between entries
@misc{b, abstract = "quoted \{ value", doi = {10.1093/mnras/stz2345}}`,
];

const isLenientError = (e: unknown) => e instanceof LenientParseError || e instanceof MiniAstroError;

export const targets: FuzzTarget[] = [
  {
    name: '.tex document (abstracts, citations, arXiv ids)',
    input: () => textLike(texSeeds),
    run: (text: string) => parseTex(text),
  },
  {
    name: '.bib file (entries, @string, abstracts)',
    input: () => textLike(bibSeeds),
    run: (text: string) => parseBib(text),
  },
  {
    name: 'LaTeX to plain text',
    input: () => textLike([...texSeeds, ...bibSeeds]),
    run: (text: string) => [latexToText(text), latexToText(text, { comments: false })],
  },
  {
    name: '.bib import into a database',
    input: () => textLike(bibSeeds),
    run: (text: string) => importBibText(text, 'fuzz.bib', { db: scratchDb(), clock: systemClock }),
    runs: 150,
  },
  {
    name: 'arXiv ids in free text',
    input: () =>
      textLike([
        ...texSeeds,
        'see arXiv:2501.01234v2, astro-ph/0601001 and https://arxiv.org/abs/1801.00855',
      ]),
    run: (text: string) => findArxivIds(text),
  },
  {
    name: 'Atom feed (arXiv API)',
    input: () => textLike(atomSeeds),
    run: (xml: string) => parseAtomFeed(xml),
  },
  {
    name: 'OAI-PMH ListRecords',
    input: () => textLike(oaiSeeds),
    run: (xml: string) => parseOaiListRecords(xml),
  },
  {
    name: 'import file text (JSONL, JSON array, saved Atom)',
    input: () => textLike(importSeeds),
    run: (text: string) => parseAbstractsText(text, 'fuzz.jsonl'),
  },
  {
    name: 'import into a database (parse, check, store)',
    input: () => textLike(importSeeds),
    run: (text: string) => importAbstractsText(text, 'fuzz.jsonl', { db: scratchDb(), clock: systemClock }),
    runs: 150,
  },
  {
    name: 'import file bytes (BOM, XML declaration, UTF-8)',
    input: () => bytesLike(importSeeds),
    run: (bytes: Uint8Array) => parseAbstractsText(decodeImportFile(bytes, 'fuzz.xml'), 'fuzz.xml'),
  },
  {
    name: 'text decoding',
    input: () => bytesLike(importSeeds),
    run: (bytes: Uint8Array) => decodeText(bytes, 'x'),
  },
  {
    name: 'arXiv ids',
    input: () =>
      textLike([
        '2501.01234v2',
        'astro-ph/0601001',
        'https://arxiv.org/abs/1801.00855',
        'oai:arXiv.org:math/0211159',
      ]),
    run: (text: string) => {
      tryParseArxivId(text);
      return parseArxivId(text);
    },
  },
  {
    name: 'teacher answer (JSON extraction + validators)',
    input: () => textLike(answerSeeds),
    run: (text: string) =>
      checkTeacherAnswer(text, { id: '2501.90001', abstract: papers[0]!.abstract }, defaultValidatorConfig),
  },
  {
    name: 'JSON extraction',
    input: () => textLike([...answerSeeds, ...verdictSeeds]),
    run: extractJsonObject,
  },
  {
    name: 'lenient JSON parse',
    input: () => textLike(answerSeeds),
    run: (text: string) => lenientParse(text, 0, true),
    typedErrors: isLenientError,
  },
  {
    name: 'judge verdict (from text)',
    input: () => textLike(verdictSeeds),
    run: (text: string) => {
      const extracted = extractJsonObject(text);
      return 'value' in extracted ? parseVerdict(extracted.value, '2501.90001') : extracted;
    },
  },
  {
    name: 'judge verdict (from JSON values)',
    input: () => perturbed(JSON.parse(verdictSeeds[1]!), 4),
    run: (value: unknown) => parseVerdict(value, '2501.90001'),
  },
  ...configTargets(),
  {
    name: 'curated training rows (JSONL)',
    input: () =>
      fc.tuple(textLike([curatedSeed]), fc.constantFrom('error', 'skip') as fc.Arbitrary<'error' | 'skip'>),
    run: ([text, onBad]: [string, 'error' | 'skip']) => parseCuratedJsonl(text, 'rows.jsonl', onBad),
  },
  {
    name: 'Hugging Face config.json',
    input: () => perturbed(hfConfig, 4),
    run: (json: unknown) => configFromHfJson(json),
  },
  {
    name: 'safetensors header',
    input: () =>
      fc.oneof(
        fc
          .tuple(mutated([safetensorsHeader], 4), fc.integer({ min: 0, max: 40 }))
          .map(([header, data]) => safetensorsBytes(header, data)),
        fc
          .tuple(perturbed(JSON.parse(safetensorsHeader), 3), fc.integer({ min: 0, max: 40 }))
          .map(([header, data]) => safetensorsBytes(JSON.stringify(header), data)),
        bytesLike([safetensorsHeader]),
      ),
    run: (bytes: Uint8Array) => readSafetensorsHeader(fileWith('model.safetensors', bytes)),
    runs: 200,
  },
  {
    name: 'trainer_state.json',
    input: () =>
      fc.oneof(
        perturbed(trainerState, 4).map((v) => JSON.stringify(v) ?? 'null'),
        textLike([JSON.stringify(trainerState)]),
      ),
    examples: ['null', '[]', '"state"', '{"format": 1, "step": 0, "dataOrder": null}'],
    run: (text: string) => {
      const dir = scratch('checkpoint');
      writeFileSync(path.join(dir, 'trainer_state.json'), text);
      return readTrainerStateIfAny(dir);
    },
    runs: 200,
  },
] as unknown as FuzzTarget[];
