import { createServer, connect, type Server, type Socket } from 'node:net';
import { DependencyUnavailableError, StartUpTimeoutError } from '@baton/core';
import { createDataSource } from '@baton/postgres';
import { freePort } from './support/free-port';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * Opening the database at start-up: a PostgreSQL that refuses connections,
 * then answers "the database system is starting up", is waited for within
 * the start-up budget; one that never answers fails with a
 * StartUpTimeoutError naming the server (never the password); a wrong
 * database name fails at once.
 */

/** A PostgreSQL ErrorResponse (protocol message 'E') with SQLSTATE `code`. */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.concat([
    ...[
      ['S', 'FATAL'],
      ['V', 'FATAL'],
      ['C', code],
      ['M', message],
    ].map(([field, value]) => Buffer.from(`${field}${value}\0`)),
    Buffer.from([0]),
  ]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(fields.length + 4);
  return Buffer.concat([Buffer.from('E'), length, fields]);
}

/**
 * A PostgreSQL that is starting, in front of the real one: it answers its
 * first `starting` connections with 57P03, then passes connections through.
 */
function startingServer(starting: number): { server: Server; refusedAsStarting: () => number } {
  const upstream = new URL(TEST_DATABASE_URL);
  let answered = 0;
  const server = createServer((socket: Socket) => {
    socket.on('error', () => undefined);
    if (answered < starting) {
      answered++;
      socket.once('data', () => socket.end(errorResponse('57P03', 'the database system is starting up')));
      return;
    }
    const real = connect(Number(upstream.port || 5432), upstream.hostname);
    real.on('error', () => socket.destroy());
    socket.pipe(real).pipe(socket);
  });
  return { server, refusedAsStarting: () => answered };
}

function recordingLogger(onWarn: (line: string) => void = () => undefined) {
  const lines: string[] = [];
  return {
    lines,
    logger: {
      log: (m: string) => lines.push(`log ${m}`),
      warn: (m: string) => {
        lines.push(`warn ${m}`);
        onWarn(m);
      },
      error: (m: string) => lines.push(`error ${m}`),
    },
  };
}

describe('Opening PostgreSQL at start-up', () => {
  it('waits for a server that refuses connections, then is starting up, and opens once it answers', async () => {
    const port = await freePort();
    const { server, refusedAsStarting } = startingServer(3);
    // The server comes up once the first refusal was waited for.
    const { lines, logger } = recordingLogger(() => {
      if (!server.listening) server.listen(port, '127.0.0.1');
    });
    const schema = await TestSchema.create('startup');
    const url = new URL(TEST_DATABASE_URL);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    try {
      const dataSource = await createDataSource({ url: url.toString(), schema: schema.name, poolSize: 2, startTimeoutMs: 60_000, logger });
      await dataSource.destroy();
      expect(refusedAsStarting()).toBe(3);
      const waits = lines.filter((line) => line.startsWith('warn'));
      expect(waits).toEqual([
        expect.stringContaining(`Waiting for the database (PostgreSQL at 127.0.0.1:${port}${url.pathname}) (connecting): connect ECONNREFUSED 127.0.0.1:${port}`),
        expect.stringContaining('(connecting): the database system is starting up (57P03)'),
      ]);
      expect(lines.at(-1)).toMatch(/^log the database \(PostgreSQL at .*\) answered after [\d.]+ s of waiting\.$/);
    } finally {
      server.close();
      await schema.drop();
    }
  });

  it('gives up when the budget is spent: a StartUpTimeoutError naming the server, never the password', async () => {
    const port = await freePort();
    const { logger } = recordingLogger();
    const failure = await createDataSource({ url: `postgres://baton:secret-password@127.0.0.1:${port}/baton`, startTimeoutMs: 800, logger }).catch(
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(StartUpTimeoutError);
    expect(failure).toBeInstanceOf(DependencyUnavailableError);
    expect((failure as Error).message).toBe(
      `the database (PostgreSQL at 127.0.0.1:${port}/baton) did not answer within 0.8 s (connecting); last error: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('fails at once when waiting would not help (no such database)', async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = '/no_such_database_for_baton';
    const { logger } = recordingLogger();
    const began = Date.now();
    const failure = await createDataSource({ url: url.toString(), startTimeoutMs: 60_000, logger }).catch((error: Error) => error);
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(failure).not.toBeInstanceOf(DependencyUnavailableError);
    expect((failure as Error).message).toContain('connecting failed, and waiting would not help: database "no_such_database_for_baton" does not exist (3D000)');
  });
});
