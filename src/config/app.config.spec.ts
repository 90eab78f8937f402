import { assertHostConfig, loadConfig } from './app.config';
import { ConfigError } from './env';

describe('The host configuration', () => {
  it('needs no variable: every setting has a default', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      databaseSchema: undefined,
      databasePoolSize: 10,
      databasePreparedStatements: true,
      pgliteDataDir: '.data/pglite',
      bodyLimit: '256kb',
      participants: 'in-process',
      timerPollIntervalMs: 250,
      timerCatchUpTimeoutMs: 10_000,
      startupTimeoutMs: 60_000,
      topicPrefix: '',
      replyTopic: 'saga.replies',
      auth: { keys: [], protectReads: false, developmentKey: true },
      admission: { maxStartsPerSecond: 1000, maxInFlight: 10_000 },
      limits: { maxTransitions: 1000, maxCommandsInFlight: 50 },
      production: false,
      log: { level: 'info', format: 'pretty' },
      console: { enabled: true, traceUrl: undefined },
    });
  });

  it('serves the console unless CONSOLE=false, and takes a trace viewer URL only with {traceId} in it', () => {
    expect(loadConfig({ CONSOLE: 'false', CONSOLE_TRACE_URL: 'http://jaeger:16686/trace/{traceId}' }).console).toEqual({
      enabled: false,
      traceUrl: 'http://jaeger:16686/trace/{traceId}',
    });
    expect(() => loadConfig({ CONSOLE_TRACE_URL: 'http://jaeger:16686/search' })).toThrow(
      expect.objectContaining({ problems: [expect.stringContaining('CONSOLE_TRACE_URL')] }),
    );
  });

  it('reads what is set, and treats an empty variable as unset', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/baton',
      DATABASE_SCHEMA: 'orders',
      PARTICIPANTS: 'none',
      HOST: '',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u@db:5432/baton',
      databaseSchema: 'orders',
      participants: 'none',
    });
  });

  it("leaves the example's settings to the example (example.config.ts)", () => {
    expect(Object.keys(loadConfig({ PARTICIPANT_FAILURE_RATE: '0.5', ORDER_PAYMENT_TIMEOUT_MS: '1000' }))).toEqual(Object.keys(loadConfig({})));
  });

  it('reads STARTUP_TIMEOUT_MS, the start-up budget, and refuses one below a second', () => {
    expect(loadConfig({ STARTUP_TIMEOUT_MS: '5000' }).startupTimeoutMs).toBe(5_000);
    expect(() => loadConfig({ STARTUP_TIMEOUT_MS: '500' })).toThrow('STARTUP_TIMEOUT_MS="500": must be from 1000 to 3600000');
    expect(() => loadConfig({ STARTUP_TIMEOUT_MS: '1m' })).toThrow('STARTUP_TIMEOUT_MS="1m": must be a whole number');
  });

  it('refuses invalid values, naming every variable, its value and what it must be', () => {
    const attempt = () =>
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TIMER_POLL_INTERVAL_MS: '5', PARTICIPANTS: 'remote' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const { problems } = error as ConfigError;
      expect(problems).toHaveLength(4);
      expect(problems).toEqual(
        expect.arrayContaining([
          'PORT="eighty": must be a whole number',
          'DATABASE_URL="mysql://x": must be a postgres:// or postgresql:// URL',
          'TIMER_POLL_INTERVAL_MS="5": must be from 10 to 60000',
          expect.stringMatching(/^PARTICIPANTS="remote": /),
        ]),
      );
    }
  });
});

describe('The Kafka configuration', () => {
  it('is absent without KAFKA_BROKERS, and then the example participants run in process', () => {
    const config = loadConfig({});
    expect(config.kafka).toBeUndefined();
    expect(config.participants).toBe('in-process');
  });

  it('switches to Kafka with KAFKA_BROKERS, with participants in their own process by default', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'k1:9092,k2:9093',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'baton',
      KAFKA_SASL_PASSWORD: 'secret',
    });
    expect(config.participants).toBe('none');
    expect(config.kafka).toEqual({
      brokers: ['k1:9092', 'k2:9093'],
      clientId: 'baton',
      groupId: 'baton-orchestrator',
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'baton', password: 'secret' },
      partitions: 6,
      replicationFactor: -1,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 1000,
    });
    expect(loadConfig({ KAFKA_BROKERS: 'k1:9092' }, 'baton-participants').kafka?.groupId).toBe('baton-participants');
  });

  it('reads the consumer session timeout and heartbeat interval, and refuses a heartbeat not below the session', () => {
    const { kafka } = loadConfig({ KAFKA_BROKERS: 'k1:9092', KAFKA_SESSION_TIMEOUT_MS: '10000', KAFKA_HEARTBEAT_INTERVAL_MS: '2000' });
    expect(kafka).toMatchObject({ sessionTimeoutMs: 10_000, heartbeatIntervalMs: 2000 });
    expect(() => loadConfig({ KAFKA_SESSION_TIMEOUT_MS: '6000', KAFKA_HEARTBEAT_INTERVAL_MS: '6000' })).toThrow(
      /KAFKA_HEARTBEAT_INTERVAL_MS=6000: must be below KAFKA_SESSION_TIMEOUT_MS \(6000\)/,
    );
    expect(() => loadConfig({ KAFKA_SESSION_TIMEOUT_MS: 'soon' })).toThrow(/KAFKA_SESSION_TIMEOUT_MS="soon": must be a whole number/);
  });

  it('refuses broker lists that are not host:port, and SASL without credentials', () => {
    expect(() => loadConfig({ KAFKA_BROKERS: 'k1' })).toThrow(/KAFKA_BROKERS="k1": must be host:port pairs/);
    expect(() => loadConfig({ KAFKA_BROKERS: 'k1:9092', KAFKA_SASL_MECHANISM: 'plain' })).toThrow(
      /KAFKA_SASL_MECHANISM=plain: needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/,
    );
  });
});

describe('The API key configuration', () => {
  it('reads name:key:role entries from API_KEYS and AUTH_READS', () => {
    const { auth } = loadConfig({ API_KEYS: 'ops:s3cret:operator, dash:r34d:reader', AUTH_READS: 'true' });

    expect(auth).toEqual({
      keys: [
        { name: 'ops', key: 's3cret', role: 'operator' },
        { name: 'dash', key: 'r34d', role: 'reader' },
      ],
      protectReads: true,
      developmentKey: false,
    });
  });

  it('gives SagaModule no keys without API_KEYS (it falls back to its development key), which a production host refuses to start with', () => {
    const development = loadConfig({});
    expect(development.auth).toEqual({ keys: [], protectReads: false, developmentKey: true });
    expect(() => assertHostConfig(development)).not.toThrow();

    const production = loadConfig({ NODE_ENV: 'production' });
    expect(() => assertHostConfig(production)).toThrow(ConfigError);
    expect(() => assertHostConfig(production)).toThrow(/API_KEYS is unset.*NODE_ENV=production.*set API_KEYS=name:key:role/);
    expect(() => assertHostConfig(loadConfig({ NODE_ENV: 'production', API_KEYS: 'ops:s3cret:operator' }))).not.toThrow();
  });

  it('refuses malformed entries and repeated names or keys, naming entries by position and name, never by key', () => {
    const problemsOf = (value: string) => {
      try {
        loadConfig({ API_KEYS: value });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      throw new Error(`API_KEYS=${value} was accepted`);
    };

    const problems = problemsOf('ops:top-secret:admin,lone-secret,dash:other-secret:reader:extra');
    expect(problems).toEqual([
      expect.stringMatching(/^API_KEYS entry 1 \("ops"\): must be name:key:role.*role reader or operator/),
      expect.stringMatching(/^API_KEYS entry 2: must be name:key:role/),
      expect.stringMatching(/^API_KEYS entry 3 \("dash"\): must be name:key:role/),
    ]);
    expect(problems.join('\n')).not.toMatch(/top-secret|lone-secret|other-secret/);

    expect(problemsOf('ops:one-secret:operator,ops:two-secret:reader')).toEqual(['API_KEYS entry 2: has the same name as entry 1']);
    expect(problemsOf('ops:one-secret:operator,dash:one-secret:reader')).toEqual(['API_KEYS entry 2: has the same key as entry 1']);
    expect(() => loadConfig({ AUTH_READS: 'yes' })).toThrow(/AUTH_READS="yes"/);
  });
});

describe('The admission configuration', () => {
  it('reads MAX_STARTS_PER_SECOND and MAX_SAGAS_IN_FLIGHT, and refuses zero', () => {
    expect(loadConfig({ MAX_STARTS_PER_SECOND: '2', MAX_SAGAS_IN_FLIGHT: '3' }).admission).toEqual({ maxStartsPerSecond: 2, maxInFlight: 3 });
    expect(() => loadConfig({ MAX_STARTS_PER_SECOND: '0' })).toThrow(/MAX_STARTS_PER_SECOND="0": must be from 1/);
    expect(() => loadConfig({ MAX_SAGAS_IN_FLIGHT: 'many' })).toThrow(/MAX_SAGAS_IN_FLIGHT="many": must be a whole number/);
  });
});

describe('The log configuration', () => {
  it('writes info and up, as JSON in production and pretty lines elsewhere, unless LOG_FORMAT says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).log).toEqual({ level: 'info', format: 'json' });
    expect(loadConfig({ LOG_LEVEL: 'debug', LOG_FORMAT: 'json' }).log).toEqual({ level: 'debug', format: 'json' });
    expect(loadConfig({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).log.format).toBe('pretty');
  });

  it('refuses an unknown level or format, naming it', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL="loud": /);
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT="xml": /);
  });
});
