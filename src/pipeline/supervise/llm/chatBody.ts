/**
 * The chat-completions request body for one output mode, shared by live calls and Batch API files so both ask
 * the same question. Modes weaker than json_schema cannot carry the schema, so it goes into the system prompt
 * instead (which also satisfies OpenAI's rule that json_object requests mention "JSON").
 */
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { isOpenAiHost } from './endpoint';
import type { ChatMessage, ChatRequest, JsonSchemaSpec, LlmEndpoint, OutputMode } from './types';

export function buildChatBody(
  endpoint: LlmEndpoint,
  request: ChatRequest,
  mode: OutputMode,
): ChatCompletionCreateParamsNonStreaming {
  const schema = request.jsonSchema;
  const messages =
    schema && mode !== 'json_schema' ? withSchemaInstruction(request.messages, schema) : request.messages;
  const body: ChatCompletionCreateParamsNonStreaming = {
    model: endpoint.model,
    messages: messages.map((m) => ({ role: m.role, content: m.content })),
    temperature: endpoint.temperature,
    // OpenAI's newer models refuse max_tokens; llama.cpp and older servers know only max_tokens.
    ...(isOpenAiHost(endpoint.baseUrl)
      ? { max_completion_tokens: endpoint.maxTokens }
      : { max_tokens: endpoint.maxTokens }),
  };
  if (schema && mode === 'json_schema') {
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: schemaName(schema.name), schema: schema.schema, strict: true },
    };
  } else if (schema && mode === 'json_object') {
    body.response_format = { type: 'json_object' };
  }
  return body;
}

/** OpenAI requires ^[a-zA-Z0-9_-]{1,64}$; a friendlier name in our config should not cost a 400. */
function schemaName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return clean || 'answer';
}

/**
 * Appends the instruction to the first system message (some chat templates reject a second or a late system
 * message), or starts the conversation with one.
 */
function withSchemaInstruction(messages: ChatMessage[], schema: JsonSchemaSpec): ChatMessage[] {
  const instruction =
    'Reply with exactly one JSON object and nothing else (no prose, no code fence). ' +
    `It must match this JSON Schema:\n${JSON.stringify(schema.schema)}`;
  const index = messages.findIndex((m) => m.role === 'system');
  if (index < 0) return [{ role: 'system', content: instruction }, ...messages];
  return messages.map((m, i) =>
    i === index ? { role: m.role, content: `${m.content}\n\n${instruction}` } : m,
  );
}
