/** How the host serves the Baton console. */
export interface BatonConsoleOptions {
  /**
   * Where the console is served, without slashes: `console` serves it at `/console/`.
   * @default 'console'
   */
  path?: string;
  /**
   * Where Baton's REST API is, as the browser reaches it from the console's
   * page: '' when SagaModule's routes are at the root of the same origin, or
   * a prefix such as '/api' when the app sets a global prefix.
   * @default ''
   */
  apiBase?: string;
  /**
   * A trace viewer's page of one trace, with `{traceId}` where the id goes
   * (Jaeger: `http://localhost:16686/trace/{traceId}`); the console links
   * each saga's trace id to it. Without it, the trace id is shown as text.
   */
  traceUrl?: string;
  /**
   * The folder holding the built console (index.html, console.js,
   * console.css).
   * @default the package's own dist/app
   */
  assetsDir?: string;
}

/** The settings the console's page reads from `config.json`: nothing secret. */
export interface ConsoleClientConfig {
  apiBase: string;
  traceUrl: string | null;
}
