/**
 * The training loop. Design goal: a run is a pure function of (config, data, initial weights), so that stopping
 * anywhere and resuming gives the same weights bit for bit. Everything a step depends on is either in the
 * checkpoint (weights, AdamW moments, step, data position) or recomputed from the config (the learning rate from
 * the step, the batches from the data position). The only randomness, LoRA dropout's masks, is recomputed too: a
 * pure function of (seed, step, micro-batch, layer, module), see loraDropout.ts. With lora.enabled only the
 * adapters of lora.ts train, over frozen base weights.
 *
 * One step is `gradAccumSteps` micro-batches (step.ts runs it). The loop owns no I/O policy: it reports through an
 * injected event sink, asks an injected `shouldStop` between steps (then checkpoints and returns 'interrupted'),
 * evaluates every `evalEvery` steps, checkpoints every `checkpointEvery`, and stops on a non-finite loss without
 * ever writing the bad weights.
 */
import { mkdirSync } from 'node:fs';
import { describeError, isMiniAstroError, MiniAstroError } from '../../core/errors';
import { learningRateAt, plannedSteps } from '../config/schedule';
import type { TrainConfig } from '../config/trainConfig';
import { dataOptionsFrom, type LoadedExamples, loadExamples } from '../data/dataset';
import { BatchLoader } from '../data/order';
import { PromptFormat, promptTemplate } from '../data/template';
import { cpuThreads } from '../graph/threads';
import type { HubOptions } from '../model/hub';
import { defaultTokenizer } from '../tokenizer';
import {
  LOSS_HISTORY_TAIL,
  latestCheckpoint,
  pruneCheckpoints,
  removeStaleTemps,
  saveCheckpoint,
} from './checkpoint';
import { checkDevice } from './device';
import { maskedLoss } from './evaluate';
import type { EvalEvent, StopReason, TrainEventSink } from './events';
import { TrainSessions, trainParamSpecs } from './graphs';
import { LiveState } from './liveState';
import { loraNote, loraOf, loraTrainSpecs } from './lora';
import { rssMb } from './rss';
import { configHash, trajectoryConfig } from './runConfig';
import { startingPoint } from './startingPoint';
import { firstNonFinite, parameterTotal, type TensorMap, weightsOf } from './state';
import { trainStep } from './step';

export interface TrainOptions {
  sink: TrainEventSink;
  /** Continue from the newest complete checkpoint in outputDir (a fresh start when there is none). */
  resume?: boolean;
  /** Polled after every step; true finishes that step, writes a checkpoint and returns 'interrupted'. */
  shouldStop?: () => boolean;
  /** Behave as if stopped once this many steps are done. */
  stopAtStep?: number;
  hub?: HubOptions;
  /** ONNX Runtime CPU threads; wins over config.threads (tests pin it). */
  intraOpThreads?: number;
  /** Tests: AdamW inside the step graph even on the CPU (the path GPUs take), instead of in place on the host. */
  graphOptimizer?: boolean;
  /** Fault injection for tests: called after each step with the new weights, which it may change. */
  afterStep?: (step: number, params: TensorMap) => void;
}

export interface TrainOutcome {
  reason: StopReason;
  step: number;
  totalSteps: number;
  checkpoint: string;
  weightsSha256: string;
  /** LoRA runs: sha256 of the last checkpoint's adapter_model.safetensors (weightsSha256 is the frozen base's). */
  adaptersSha256?: string;
  loss: number | null;
  evalLoss: number | null;
}

const now = () => performance.now();

class TrainingRun {
  private readonly sink: TrainEventSink;
  private sessions: TrainSessions | undefined;
  private lastSaved: { step: number; dir: string; weightsSha256: string; adaptersSha256?: string } | null =
    null;
  private step = 0;
  /** The newest optimizer state, released (its GPU buffers) with the sessions. */
  private live: LiveState | undefined;

  constructor(
    private readonly config: TrainConfig,
    private readonly options: TrainOptions,
  ) {
    this.sink = options.sink;
  }

  get lastCheckpoint(): string | null {
    return this.lastSaved?.dir ?? latestCheckpoint(this.config.outputDir)?.dir ?? null;
  }

  get currentStep(): number {
    return this.step;
  }

  private load(file: string, format: PromptFormat, what: string): LoadedExamples {
    const loaded = loadExamples(file, format, dataOptionsFrom(this.config).examples);
    const skipped = loaded.badRows.length + loaded.tooLong.length;
    if (skipped > 0) {
      this.sink({
        type: 'note',
        message: `${what}: skipped ${loaded.badRows.length} bad and ${loaded.tooLong.length} too-long rows of ${file}`,
      });
    }
    return loaded;
  }

  async execute(): Promise<TrainOutcome> {
    const { config, options } = this;
    const lora = loraOf(config);
    await checkDevice(config.device);
    const started = now();

    const format = new PromptFormat(defaultTokenizer(), promptTemplate(config.data.promptTemplate));
    const orders = dataOptionsFrom(config);
    const train = this.load(config.data.trainFile, format, 'training data');
    const evaluation = config.data.evalFile ? this.load(config.data.evalFile, format, 'eval data') : null;
    const loader = new BatchLoader(train.examples, orders.train);
    const evalLoader = evaluation ? new BatchLoader(evaluation.examples, orders.eval) : null;
    const totalSteps = plannedSteps(config, loader.batchesPerEpoch);
    const hash = configHash(config);

    mkdirSync(config.outputDir, { recursive: true });
    removeStaleTemps(config.outputDir);
    const latest = latestCheckpoint(config.outputDir);
    if (latest && !options.resume) {
      throw new MiniAstroError(
        'usage',
        `${config.outputDir} already holds a training run (newest complete checkpoint: step ${latest.step}).`,
        'Pass --resume to continue it, or choose another output folder (--out DIR).',
      );
    }

    const origin = await startingPoint(config, options, latest, loader.fingerprint, hash, this.sink);
    const { gpt2, init, resumedFrom } = origin;
    let { dataOrder, tokensSeen, lossHistory, evalHistory } = origin;
    const elapsedBefore = origin.elapsedSec;
    this.step = origin.step;
    this.lastSaved = origin.lastSaved;

    const noDecay = config.optimizer.noDecay;
    const specs = lora ? loraTrainSpecs(gpt2, lora, noDecay) : trainParamSpecs(gpt2, noDecay);
    const shapes = new Map(specs.map((s) => [s.name, s.shape]));
    let state = LiveState.fromHost(specs, origin.state);
    this.live = state;
    const frozen =
      lora && origin.frozen
        ? { lora, weights: origin.frozen, dropout: { rate: lora.dropout ?? 0, seed: config.seed } }
        : undefined;
    const base = frozen ? weightsOf(trainParamSpecs(gpt2, noDecay), frozen.weights) : null;
    const threads = options.intraOpThreads ?? cpuThreads(config.threads);
    this.sessions = new TrainSessions(gpt2, specs, config.device, { intraOpThreads: threads }, frozen, {
      recomputeAttention: config.recomputeAttention,
      storeLogits: !config.recomputeLogits,
      attentionBlocks: config.attentionBlocks,
      ...(options.graphOptimizer ? { graphOptimizer: true } : {}),
    });
    // Built before 'start' so that step times (and the ETA) measure steps, not graph compilation.
    await this.sessions.prepare(config.gradAccumSteps);
    if (evalLoader) await this.sessions.evaluation();
    let evalLoss = evalHistory.at(-1)?.evalLoss ?? null;
    let loss: number | null = lossHistory.at(-1)?.loss ?? null;
    this.sink({
      type: 'start',
      step: this.step,
      totalSteps,
      resumedFrom: resumedFrom?.dir ?? null,
      device: config.device,
      threads,
      init,
      parameters: parameterTotal(specs),
      trainExamples: train.examples.length,
      evalExamples: evaluation?.examples.length ?? 0,
      batchSize: config.batchSize,
      gradAccumSteps: config.gradAccumSteps,
      outputDir: config.outputDir,
    });
    if (lora) this.sink({ type: 'note', message: loraNote(lora, specs, gpt2) });

    const elapsed = () => elapsedBefore + (now() - started) / 1000;
    const runEval = async (): Promise<number> => {
      const t0 = now();
      const session = await this.sessions!.evaluation();
      const batches = evalLoader!.epochBatches(0);
      const weights = { ...state.paramFeeds(), ...(await this.sessions!.frozenFeeds()) };
      const totals = await maskedLoss(session, weights, batches, (b) => this.sessions!.batchFeeds(b));
      const event: EvalEvent = {
        type: 'eval',
        step: this.step,
        evalLoss: totals.loss,
        evalTokens: totals.supervisedTokens,
        evalMs: now() - t0,
      };
      evalHistory.push({ step: this.step, evalLoss: totals.loss });
      this.sink(event);
      return totals.loss;
    };
    const save = async () => {
      const host = await state.toHost(this.sessions!.copier);
      for (const [what, map] of [
        ['weights', host.params],
        ['Adam first moments', host.m],
        ['Adam second moments', host.v],
      ] as const) {
        const bad = firstNonFinite(map);
        if (bad) throw this.diverged(`the ${what} of ${bad} hold NaN or infinite values`);
      }
      const saved = saveCheckpoint(config.outputDir, {
        config: gpt2,
        shapes,
        state: host,
        trainer: {
          format: 1,
          step: this.step,
          totalSteps,
          dataOrder,
          dataFingerprint: loader.fingerprint,
          configHash: hash,
          trajectoryConfig: trajectoryConfig(config),
          rng: null,
          promptTemplate: config.data.promptTemplate,
          maxSeqLen: config.data.maxSeqLen,
          init,
          tokensSeen,
          elapsedSec: elapsed(),
          lossHistory,
          evalHistory,
        },
        ...(lora && base ? { lora: { settings: lora, base } } : {}),
      });
      this.lastSaved = { step: this.step, ...saved };
      const removed = pruneCheckpoints(config.outputDir, config.keepCheckpoints);
      this.sink({
        type: 'checkpoint',
        step: this.step,
        path: saved.dir,
        weightsSha256: saved.weightsSha256,
        ...(saved.adaptersSha256 ? { adaptersSha256: saved.adaptersSha256 } : {}),
        removed,
      });
    };
    const finish = (reason: StopReason): TrainOutcome => {
      const last = this.lastSaved!;
      this.sink({
        type: 'done',
        step: this.step,
        totalSteps,
        reason,
        resumable: reason === 'interrupted',
        checkpoint: last.dir,
        weightsSha256: last.weightsSha256,
        ...(last.adaptersSha256 ? { adaptersSha256: last.adaptersSha256 } : {}),
        loss,
        evalLoss,
        elapsedSec: elapsed(),
      });
      return {
        reason,
        step: this.step,
        totalSteps,
        checkpoint: last.dir,
        weightsSha256: last.weightsSha256,
        ...(last.adaptersSha256 ? { adaptersSha256: last.adaptersSha256 } : {}),
        loss,
        evalLoss,
      };
    };

    if (this.step >= totalSteps) {
      if (!this.lastSaved) await save();
      return finish('completed');
    }
    const stopAt = options.stopAtStep ?? Number.POSITIVE_INFINITY;
    if (this.lastSaved && this.step >= stopAt) return finish('interrupted');

    const batches = loader.batches(dataOrder, loader.fingerprint);
    const stepTimes: number[] = [];
    while (this.step < totalSteps) {
      const t0 = now();
      const lr = learningRateAt(this.step, totalSteps, config.optimizer.lr, config.schedule);
      const hyper = { config, lr, step: this.step + 1 };
      const result = await trainStep(this.sessions, specs, state, hyper, batches, config.gradAccumSteps);
      this.live = result.state;
      if (!Number.isFinite(result.loss) || !Number.isFinite(result.gradNorm)) {
        throw this.diverged(
          `the loss is ${result.loss} (gradient norm ${result.gradNorm}) at step ${this.step + 1}`,
        );
      }
      state = result.state;
      dataOrder = result.last.next;
      this.step++;
      if (options.afterStep) options.afterStep(this.step, (await state.toHost(this.sessions.copier)).params);
      loss = result.loss;
      tokensSeen += result.tokens;
      lossHistory.push({ step: this.step, loss: result.loss, lr });
      if (lossHistory.length > LOSS_HISTORY_TAIL) lossHistory = lossHistory.slice(-LOSS_HISTORY_TAIL);
      const stepMs = now() - t0;
      stepTimes.push(stepMs);
      const recent = stepTimes.slice(-20);
      const meanMs = recent.reduce((a, b) => a + b, 0) / recent.length;
      this.sink({
        type: 'step',
        step: this.step,
        totalSteps,
        epoch: result.last.at.epoch,
        loss: result.loss,
        lr,
        gradNorm: result.gradNorm,
        tokens: result.tokens,
        supervisedTokens: result.supervisedTokens,
        tokensPerSec: result.tokens / Math.max(stepMs / 1000, 1e-9),
        stepMs,
        etaSec: ((totalSteps - this.step) * meanMs) / 1000,
        rssMb: rssMb(),
        evalLoss,
      });
      const last = this.step === totalSteps;
      if (evalLoader && ((config.evalEvery > 0 && this.step % config.evalEvery === 0) || last)) {
        evalLoss = await runEval();
      }
      if (this.step % config.checkpointEvery === 0 || last) await save();
      if (!last && (options.shouldStop?.() === true || this.step >= stopAt)) {
        if (this.lastSaved?.step !== this.step) await save();
        return finish('interrupted');
      }
    }
    return finish('completed');
  }

  private diverged(what: string): MiniAstroError {
    const last = this.lastSaved ?? latestCheckpoint(this.config.outputDir);
    const where = last
      ? `The last good checkpoint, ${last.dir} (step ${last.step}), is intact.`
      : 'No checkpoint had been written yet.';
    return new MiniAstroError(
      'badInput',
      `Training diverged: ${what}. Stopped without saving these weights. ${where}`,
      'Lower optimizer.lr (e.g. 10x) and keep gradClip on (1.0), then start over, or start a new run (another ' +
        '--out) from the last good weights with model.init set to that checkpoint folder.',
    );
  }

  async dispose(): Promise<void> {
    this.live?.release();
    await this.sessions?.release();
  }
}

/**
 * Runs (or resumes) the training `config` describes. Every outcome is also an event: 'done' on return, 'error'
 * (then the throw) on failure.
 */
export async function runTraining(config: TrainConfig, options: TrainOptions): Promise<TrainOutcome> {
  const run = new TrainingRun(config, options);
  try {
    return await run.execute();
  } catch (error) {
    options.sink({
      type: 'error',
      step: run.currentStep,
      error: isMiniAstroError(error) ? error.message : `internal error: ${describeError(error)}`,
      hint: isMiniAstroError(error) ? error.hint : 'This is a bug; please report it with the log.',
      kind: isMiniAstroError(error) ? error.kind : 'internal',
      lastCheckpoint: safeLastCheckpoint(run),
    });
    throw error;
  } finally {
    await run.dispose();
  }
}

function safeLastCheckpoint(run: TrainingRun): string | null {
  try {
    return run.lastCheckpoint;
  } catch {
    return null;
  }
}
