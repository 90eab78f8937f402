import { ConfigError, loadConfig } from './app.config';

describe('The host configuration', () => {
  it('needs no variable: every setting has a default', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      databaseSchema: undefined,
      databasePoolSize: 10,
      pgliteDataDir: '.data/pglite',
      bodyLimit: '256kb',
      participants: 'in-process',
      participantFailureRate: 0,
      participantLatencyMs: 0,
      orderPaymentTimeoutMs: 15_000,
      timerPollIntervalMs: 250,
      topicPrefix: '',
      replyTopic: 'saga.replies',
    });
  });

  it('reads what is set, and treats an empty variable as unset', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/baton',
      DATABASE_SCHEMA: 'orders',
      PARTICIPANTS: 'none',
      PARTICIPANT_FAILURE_RATE: '0.25',
      HOST: '',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u@db:5432/baton',
      databaseSchema: 'orders',
      participants: 'none',
      participantFailureRate: 0.25,
    });
  });

  it('refuses invalid values, naming every variable, its value and what it must be', () => {
    const attempt = () =>
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', PARTICIPANT_FAILURE_RATE: '2', PARTICIPANTS: 'remote' });
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
          'PARTICIPANT_FAILURE_RATE="2": must be a number from 0 to 1',
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
    });
    expect(loadConfig({ KAFKA_BROKERS: 'k1:9092' }, 'baton-participants').kafka?.groupId).toBe('baton-participants');
  });

  it('refuses broker lists that are not host:port, and SASL without credentials', () => {
    expect(() => loadConfig({ KAFKA_BROKERS: 'k1' })).toThrow(/KAFKA_BROKERS="k1": must be host:port pairs/);
    expect(() => loadConfig({ KAFKA_BROKERS: 'k1:9092', KAFKA_SASL_MECHANISM: 'plain' })).toThrow(
      /KAFKA_SASL_MECHANISM=plain: needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/,
    );
  });
});
