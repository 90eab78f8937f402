/** What the app reads from its environment. */
export interface Settings {
  port: number;
  host: string;
  /** Where embedded PGlite keeps the sagas (and, in process, the participants' tables). */
  dataDir: string;
  /** The operator key POST /sagas needs. */
  apiKey: string;
  topicPrefix: string;
  /** Set: commands and replies go over Kafka and the participants run elsewhere. Unset: all in this process. */
  kafka?: { brokers: string[]; groupId: string; clientId: string };
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} must be set`);
    return value;
  };
  const port = Number(required('PORT'));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PORT=${env.PORT}: must be a port number`);
  const brokers = env.KAFKA_BROKERS?.split(',').filter(Boolean);
  return {
    port,
    host: env.HOST || '127.0.0.1',
    dataDir: required('PGLITE_DATA_DIR'),
    apiKey: required('API_KEY'),
    topicPrefix: env.TOPIC_PREFIX ?? '',
    kafka: brokers?.length
      ? { brokers, groupId: env.KAFKA_GROUP_ID || 'acme-orchestrator', clientId: env.KAFKA_CLIENT_ID || 'acme-orchestrator' }
      : undefined,
  };
}
