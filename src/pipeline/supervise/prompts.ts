/**
 * Prompts are files (prompts/<name>.md, a `## system` and a `## user` section) so they can be read, diffed and
 * changed without touching code. Each rendered request records the prompt's content hash, so every stored answer
 * says exactly which wording produced it.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { MiniAstroError } from '../../core/errors';
import { packageRoot } from '../../core/paths';
import { readTextFile } from '../../core/textDecoding';
import type { ChatMessage } from './llm/types';

export type PromptName = 'teacher' | 'regenerate' | 'judge';

export interface PromptTemplate {
  name: PromptName;
  /** First 16 hex digits of the SHA-256 of the file's bytes. */
  hash: string;
  system: string;
  user: string;
  file: string;
}

export function loadPrompt(dir: string, name: PromptName): PromptTemplate {
  const file = path.join(dir, `${name}.md`);
  const text = readTextFile(file, 'Restore the file or pass --prompts DIR.');
  const match = /^## system\s*\n([\s\S]*?)\n## user\s*\n([\s\S]*)$/m.exec(text.replace(/\r\n/g, '\n'));
  if (!match) {
    throw new MiniAstroError(
      'badInput',
      `Prompt ${file} must have a "## system" section followed by a "## user" section.`,
      'See prompts/teacher.md for the layout.',
    );
  }
  return {
    name,
    hash: createHash('sha256').update(text).digest('hex').slice(0, 16),
    system: match[1]!.trim(),
    user: match[2]!.trim(),
    file,
  };
}

/** The three prompts a supervision run uses. */
export interface PromptSet {
  teacher: PromptTemplate;
  regenerate: PromptTemplate;
  judge: PromptTemplate;
}

/** Every prompt of a run, from `dir` or the package's own prompts/. */
export function loadPromptSet(dir: string = path.join(packageRoot(), 'prompts')): PromptSet {
  return {
    teacher: loadPrompt(dir, 'teacher'),
    regenerate: loadPrompt(dir, 'regenerate'),
    judge: loadPrompt(dir, 'judge'),
  };
}

/** Fills `{{name}}` placeholders; a placeholder with no value is an error, not an empty string in a prompt. */
export function renderPrompt(
  template: PromptTemplate,
  values: Record<string, string | number>,
): ChatMessage[] {
  const fill = (text: string) =>
    text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      const value = values[key];
      if (value === undefined) {
        throw new MiniAstroError(
          'badInput',
          `Prompt ${template.file} uses {{${key}}}, which has no value.`,
          `Known placeholders: ${Object.keys(values).join(', ')}.`,
        );
      }
      return String(value);
    });
  return [
    { role: 'system', content: fill(template.system) },
    { role: 'user', content: fill(template.user) },
  ];
}
