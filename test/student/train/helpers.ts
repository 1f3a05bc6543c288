/** Shared set-up for the trainer tests: a tiny GPT-2 run config over the fixture rows, and event collection. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { type TrainConfig, trainConfigFrom } from '../../../src/student/config/trainConfig';
import type { TrainEvent } from '../../../src/student/train/events';
import { applyOverrides } from '../../../src/student/train/runConfig';

export const fixtures = path.join(__dirname, 'fixtures');
export const trainFile = path.join(fixtures, 'train.jsonl');
export const evalFile = path.join(fixtures, 'eval.jsonl');

/** The YAML a tiny run uses (nested keys merge over these). */
export function tinyYaml(outputDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    model: {
      init: 'scratch',
      // vocabSize stays GPT-2's: the tokenizer emits ids up to 50256.
      config: { nLayer: 2, nHead: 2, nEmbd: 32, nPositions: 64, vocabSize: 50257 },
    },
    data: {
      trainFile,
      evalFile,
      maxSeqLen: 64,
      truncation: { minAbstractTokens: 8 },
      padToMultipleOf: 8,
    },
    optimizer: { lr: 3e-3, weightDecay: 0.01 },
    schedule: { warmupSteps: 3, minLrRatio: 0.1 },
    batchSize: 2,
    gradAccumSteps: 1,
    maxSteps: 20,
    seed: 7,
    evalEvery: 5,
    checkpointEvery: 5,
    keepCheckpoints: 2,
    outputDir,
    device: 'cpu',
  };
  for (const [key, value] of Object.entries(extra)) {
    const current = base[key];
    base[key] =
      current && typeof current === 'object' && value && typeof value === 'object' && !Array.isArray(value)
        ? { ...(current as object), ...(value as object) }
        : value;
  }
  return base;
}

export function tinyConfig(outputDir: string, extra: Record<string, unknown> = {}): TrainConfig {
  return applyOverrides(trainConfigFrom(tinyYaml(outputDir, extra)));
}

export function writeTinyYaml(dir: string, outputDir: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'train.yaml');
  writeFileSync(file, stringify(tinyYaml(outputDir, extra)));
  return file;
}

export function collector(): {
  events: TrainEvent[];
  sink: (e: TrainEvent) => void;
  of: <T extends TrainEvent['type']>(type: T) => Extract<TrainEvent, { type: T }>[];
} {
  const events: TrainEvent[] = [];
  return {
    events,
    sink: (e) => events.push(e),
    of: (type) => events.filter((e) => e.type === type) as never,
  };
}

/** The one curated row the overfit tests train on until greedy decoding gives its explanation back. */
export const OVERFIT_ROW = {
  id: 'overfit-1',
  title: 'Shapiro delay in a binary pulsar',
  abstract:
    'Radio pulses from a binary pulsar arrive later near superior conjunction, by an amount that grows with ' +
    'the companion mass.',
  target_explanation: 'The companion bends space, so the pulses take a longer path past it.',
  judge_feedback: null,
  accepted: true,
};
