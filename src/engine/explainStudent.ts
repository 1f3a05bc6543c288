/**
 * The student's explanation of one abstract, streamed: the open model from the engine's cache, the generation
 * settings the editor asked for over the model's own, tokens reported as they come (at most every `progressMs`).
 */
import { type GenerationConfig, loadGenerationConfig } from '../student/config/generationConfig';
import { explainAbstract } from '../student/infer';
import type { ExplainProgress, ExplainResult, StudentSource } from './protocol';
import type { StudentModels } from './studentModels';

export interface StudentExplainDeps {
  models: StudentModels;
  progress: (progress: Omit<ExplainProgress, 'requestId'>) => void;
  signal: AbortSignal;
  progressMs?: number;
}

export async function explainWithStudent(
  abstract: string,
  source: StudentSource,
  deps: StudentExplainDeps,
): Promise<ExplainResult> {
  const start = performance.now();
  deps.progress({ text: '', tokens: 0, phase: 'loading' });
  const model = await deps.models.get(source.modelPath);
  const base = model.generation ?? loadGenerationConfig();
  const g = source.generation;
  const generation: GenerationConfig = {
    ...base,
    maxNewTokens: g.maxNewTokens ?? base.maxNewTokens,
    repetitionPenalty: g.repetitionPenalty,
    noRepeatNgramSize: g.noRepeatNgramSize,
  };
  const ids: number[] = [];
  const every = deps.progressMs ?? 50;
  let lastSent = 0;
  const result = await explainAbstract(model, abstract, {
    generation,
    minNewTokens: g.minNewTokens,
    signal: deps.signal,
    onToken: (id) => {
      if (id === model.config.eosTokenId) return;
      ids.push(id);
      const now = performance.now();
      if (now - lastSent >= every) {
        lastSent = now;
        deps.progress({ text: model.tokenizer.decode(ids), tokens: ids.length, phase: 'generating' });
      }
    },
  });
  return {
    explanation: result.explanation,
    writtenBy: 'student',
    modelDir: model.dir,
    source: 'student',
    marks: result.faithfulness.marks.map((m) => ({ ...m })),
    tokens: result.tokens,
    stop: result.stop,
    droppedAbstractTokens: result.droppedAbstractTokens,
    shortenedBy: result.fit.shrunkBy,
    status: null,
    reason: null,
    errors: [],
    fromStore: false,
    paperId: null,
    ms: performance.now() - start,
  };
}
