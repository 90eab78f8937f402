// What the REST API answers, as far as the console reads it (the OpenAPI document at /docs is the whole truth).

export type SagaStatus = 'running' | 'compensating' | 'stuck' | 'completed' | 'compensated' | 'failed' | 'aborted';
export const SAGA_STATUSES: SagaStatus[] = ['running', 'compensating', 'stuck', 'completed', 'compensated', 'failed', 'aborted'];

export interface SagaSummary {
  id: string;
  name: string;
  definitionVersion: number;
  status: SagaStatus;
  state: unknown;
  version: number;
  correlationId: string;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
}

export interface SagaDetail extends SagaSummary {
  input?: unknown;
  context?: unknown;
  output?: unknown;
  traceId?: string | null;
  signalsAcceptedNow?: string[];
  timers?: Array<{ key: string; dueAt: string }>;
  inFlight?: Array<{ step: string; type: string; messageId: string; attempt: number }>;
  compensations?: Array<{ step: string; type: string; messageId: string; compensates: string; because: string }>;
  compensationFailure?: { step: string; command: string; messageId: string; reason: string; attempts: number };
}

export interface HistoryEntry {
  id: string;
  at: string;
  kind: string;
  event: string;
  messageId: string | null;
  actor: string;
  from: unknown;
  to: unknown;
  status: string;
  version: number;
  commands: Array<{ type: string; participant: string; messageId: string }>;
  note?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Counts {
  total: number;
  byStatus: Record<string, number>;
}

export interface BatchResult {
  id: string;
  outcome: 'done' | 'skipped' | 'failed';
  detail: string;
}

export interface DefinitionSummary {
  name: string;
  versions: number[];
  latest: number;
  description?: string;
}

export interface Contract {
  type: string;
  version: number;
  participant?: string;
  signal?: boolean;
  schema: JsonSchema;
}

export interface Definition {
  name: string;
  version: number;
  versions: number[];
  description?: string;
  input: JsonSchema;
  commands: Contract[];
  events: Contract[];
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  description?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
  [key: string]: unknown;
}

/** A saga definition's statechart, as GET /definitions/{name}/chart answers it. */
export interface SagaChart {
  name: string;
  version: number;
  root: string;
  states: ChartState[];
  transitions: ChartTransition[];
}

export interface ChartState {
  id: string;
  key: string;
  path: string[];
  parent?: string;
  kind: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  children: string[];
  tags: string[];
  compensates: boolean;
  timers: Array<{ transition: number; delay: string; ms?: number }>;
}

export interface ChartTransition {
  index: number;
  source: string;
  targets: string[];
  kind: 'event' | 'after' | 'always' | 'done';
  event?: string;
  delay?: string;
  label: string;
}

export interface Whoami {
  name: string | null;
  role: 'operator' | 'reader' | null;
  readsNeedKey: boolean;
  developmentKey: boolean;
}

export interface DeadLetter {
  id: string;
  [field: string]: unknown;
}
