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
