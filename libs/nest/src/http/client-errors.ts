import { STATUS_CODES, maxHeaderSize, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_BASE, type Problem } from './problem.exception';

/** How long a connection refused by the HTTP parser may go on sending before it is cut. */
const LINGER_MS = 2_000;

interface ParserError extends Error {
  code?: string;
  /** What llhttp found, e.g. "Duplicate Content-Length". */
  reason?: string;
}

/**
 * Answers what Node's HTTP parser refuses before Express sees a request (two
 * Content-Length headers, Transfer-Encoding beside Content-Length, control
 * characters in a header, a bad request line, headers over the size limit)
 * with a problem+json body instead of Node's bare status line. Keeps Node's
 * own rules (see `clientError` in the node:http docs): 431 for headers too
 * large, 413 for chunk extensions too large, 408 for a request too slow, 400
 * otherwise; no answer once a response has begun or the socket cannot be
 * written, or when the client reset the connection; the connection is closed.
 */
export function answerClientErrors(server: Server): void {
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (error: ParserError, socket: Duplex) => {
    // The parser reports every later chunk of an answered connection again: it is being drained.
    if (answered.has(socket)) return;
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    const problem = problemFor(error, server);
    const body = JSON.stringify(problem);
    socket.end(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
    // Node destroys at once; closing while the client still sends (the rest of a 1 MB header)
    // resets the connection, and the client may lose the answer. So what still comes is read
    // and dropped until the client closes, for a short while at most.
    const linger = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once('close', () => clearTimeout(linger));
  });
}

function problemFor(error: ParserError, server: Server): Problem {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        type: PROBLEM_BASE + 'headers-too-large',
        title: 'Request header fields too large',
        status: 431,
        detail:
          `The request line and headers exceed ${(server as Server & { maxHeaderSize?: number }).maxHeaderSize ?? maxHeaderSize} bytes. ` +
          'Send a shorter URL and fewer or smaller headers; data goes in a JSON body.',
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        type: PROBLEM_BASE + 'chunk-extensions-too-large',
        title: 'Chunk extensions too large',
        status: 413,
        detail: 'The chunk extensions of the body are too large. Send chunks without extensions, or the body with a Content-Length.',
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        type: PROBLEM_BASE + 'request-timeout',
        title: 'Request timeout',
        status: 408,
        detail: `The request did not arrive in full within ${server.requestTimeout} ms. Send it again, without pauses.`,
      };
    default:
      return {
        type: PROBLEM_BASE + 'malformed-request',
        title: 'Malformed HTTP request',
        status: 400,
        detail:
          `The request is not valid HTTP/1.1 (${error.code ?? 'unknown'}: ${error.reason ?? error.message}). ` +
          'Send a request line like "POST /sagas/{name} HTTP/1.1", header names and values without control characters, ' +
          'and at most one of Content-Length or Transfer-Encoding: chunked, each once.',
      };
  }
}
