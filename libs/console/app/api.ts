// Every call the console makes goes through here: Baton's REST API, with the
// key the user gave (Authorization: Bearer), problem+json turned into errors
// that say what the API said. The key lives in memory; it is written to
// localStorage only when the user ticks "remember on this device".

export interface ConsoleConfig {
  apiBase: string;
  traceUrl: string | null;
}

/** An RFC 9457 problem as the API answers it. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  [field: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

const REMEMBERED = 'baton.console.apiKey';

let config: ConsoleConfig = { apiBase: '', traceUrl: null };
let apiKey: string | null = null;

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('./config.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`The console's config.json answered ${response.status}.`);
  config = (await response.json()) as ConsoleConfig;
  try {
    apiKey = localStorage.getItem(REMEMBERED);
  } catch {
    apiKey = null;
  }
  return config;
}

export const consoleConfig = () => config;
export const currentKey = () => apiKey;
export const isKeyRemembered = () => {
  try {
    return localStorage.getItem(REMEMBERED) !== null;
  } catch {
    return false;
  }
};

/** Uses `key` from now on (null: none); remembers it on this device only when asked to. */
export function setApiKey(key: string | null, remember: boolean): void {
  apiKey = key && key.trim() ? key.trim() : null;
  try {
    if (apiKey && remember) localStorage.setItem(REMEMBERED, apiKey);
    else localStorage.removeItem(REMEMBERED);
  } catch {
    // Storage refused (private mode): the key stays in memory only.
  }
}

export const apiUrl = (path: string) => `${config.apiBase}${path}`;

export function authHeaders(): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    return JSON.parse(text) as Problem;
  } catch {
    return { status: response.status, title: response.statusText, detail: text.slice(0, 500) || `HTTP ${response.status}` };
  }
}

/** A request to the API; answers the parsed JSON, throws ApiError with the problem the API gave. */
export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(apiUrl(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return (await response.json()) as T;
}

/** The text of a GET (the diagram's SVG). */
export async function apiText(path: string, signal?: AbortSignal): Promise<string> {
  const response = await fetch(apiUrl(path), { headers: authHeaders(), signal });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return response.text();
}

/** A query string from the values given (empty ones left out). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** What an error says, for a message on screen. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const where = error.problem.errors as Array<{ field: string; message: string }> | undefined;
    const fields = where?.length ? ` (${where.map((e) => `${e.field}: ${e.message}`).join('; ')})` : '';
    return `${error.status}: ${error.message}${fields}`;
  }
  return error instanceof Error ? error.message : String(error);
}
