/**
 * Who explains: `miniastrolm.explainWith` auto picks the student when a model folder exists, else the teacher
 * when an endpoint is configured (a local server's URL, or an API key), else nobody — and then the user is shown
 * both ways to get one. No `vscode` here.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { StudentSource, TeacherSource } from '../engine/protocol';
import type { ExtensionSettings } from './settings';

export type SourceChoice =
  | { kind: 'student'; source: StudentSource }
  | { kind: 'teacher'; source: TeacherSource }
  | { kind: 'none'; reason: string };

/** A folder that `openInferenceModel` can open: an export, a HF/checkpoint folder, or a run with a checkpoint. */
export function studentModelExists(dir: string): boolean {
  if (!existsSync(dir)) return false;
  if (['miniastrolm-export.json', 'config.json'].some((f) => existsSync(path.join(dir, f)))) return true;
  try {
    return readdirSync(dir).some(
      (name) => /^checkpoint-\d+$/.test(name) && existsSync(path.join(dir, name, 'DONE')),
    );
  } catch {
    return false;
  }
}

export function teacherConfigured(settings: ExtensionSettings, hasApiKey: boolean): boolean {
  return settings.teacher.baseUrl !== null || hasApiKey;
}

export function chooseSource(
  settings: ExtensionSettings,
  state: { studentExists: boolean; hasApiKey: boolean },
  options: { regenerate?: boolean; forceTeacher?: boolean } = {},
): SourceChoice {
  const student: SourceChoice = {
    kind: 'student',
    source: { kind: 'student', modelPath: settings.studentModel, generation: settings.generation },
  };
  const teacher: SourceChoice = {
    kind: 'teacher',
    source: {
      kind: 'teacher',
      baseUrl: settings.teacher.baseUrl,
      model: settings.teacher.model,
      judge: settings.judge,
      databasePath: settings.databasePath,
      regenerate: options.regenerate === true,
    },
  };
  const teacherReady = teacherConfigured(settings, state.hasApiKey);
  const noTeacher =
    'No teacher is set: run "MiniAstroLM: Set API key" for OpenAI, or set miniastrolm.teacher.baseUrl to a local ' +
    'OpenAI-compatible server (llama.cpp, Ollama, vLLM).';
  const noStudent = `No student model at ${settings.studentModel}: train one ("MiniAstroLM: Train student", or miniastrolm train) or point miniastrolm.studentModel at a model folder.`;
  if (options.forceTeacher || settings.explainWith === 'teacher') {
    return teacherReady ? teacher : { kind: 'none', reason: noTeacher };
  }
  if (settings.explainWith === 'student') {
    return state.studentExists ? student : { kind: 'none', reason: noStudent };
  }
  if (state.studentExists) return student;
  if (teacherReady) return teacher;
  return { kind: 'none', reason: `Nothing can explain yet. ${noStudent} Or: ${noTeacher}` };
}
