/** What the service reads from its environment. */
export interface Settings {
  kafka: { brokers: string[]; groupId: string; clientId: string };
  topicPrefix: string;
  /** Where this service's own embedded PGlite keeps its inbox, outbox and tables. */
  dataDir: string;
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} must be set`);
    return value;
  };
  return {
    kafka: {
      brokers: required('KAFKA_BROKERS').split(',').filter(Boolean),
      groupId: env.KAFKA_GROUP_ID || 'acme-participants',
      clientId: env.KAFKA_CLIENT_ID || 'acme-participants',
    },
    topicPrefix: env.TOPIC_PREFIX ?? '',
    dataDir: required('PGLITE_DATA_DIR'),
  };
}
