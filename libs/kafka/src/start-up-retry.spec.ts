import {
  KafkaJSAggregateError,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
  KafkaJSTimeout,
} from 'kafkajs';
import { KafkaNotReadyError, describeKafkaError, isKafkaStarting, kafkaWaitKind } from './start-up-retry';

/** A broker's error answer as kafkajs builds it (protocol/error.js): type, code, retriable, message. */
function answer(type: string, retriable: boolean, message: string): KafkaJSProtocolError {
  return new KafkaJSProtocolError(Object.assign(new Error(message), { type, code: 0, retriable }) as any);
}

const unknownTopic = () => answer('UNKNOWN_TOPIC_OR_PARTITION', true, 'This server does not host this topic-partition');
const refused = () => new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', code: 'ECONNREFUSED' } as any);
/** What createTopics rejects with: one error per topic that failed (kafkajs's types do not declare the constructor). */
const topicErrors = (...errors: KafkaJSProtocolError[]) => new (KafkaJSAggregateError as any)('Topic creation errors', errors) as KafkaJSAggregateError;
/** What kafkajs's retrier rejects with once it has no retries left. */
const retriesExceeded = (error: Error) => new KafkaJSNumberOfRetriesExceeded(error, { retryCount: 0, retryTime: 300 } as any);
/** What kafkajs's retrier rejects with for an error it does not retry. */
const nonRetriable = (error: Error) => new (KafkaJSNonRetriableError as any)(error, { cause: error }) as KafkaJSNonRetriableError;

describe('isKafkaStarting', () => {
  it.each([
    ['connection refused', refused()],
    ['UNKNOWN_TOPIC_OR_PARTITION (metadata not propagated yet)', unknownTopic()],
    ['LEADER_NOT_AVAILABLE', answer('LEADER_NOT_AVAILABLE', true, 'There is no leader for this topic-partition')],
    ['NOT_CONTROLLER', answer('NOT_CONTROLLER', true, 'This is not the correct controller for this cluster')],
    ['COORDINATOR_LOAD_IN_PROGRESS (kafkajs: GROUP_LOAD_IN_PROGRESS)', answer('GROUP_LOAD_IN_PROGRESS', true, 'The coordinator is loading')],
    ['COORDINATOR_NOT_AVAILABLE (kafkajs: GROUP_COORDINATOR_NOT_AVAILABLE)', answer('GROUP_COORDINATOR_NOT_AVAILABLE', true, 'The group coordinator is not available')],
    ['REQUEST_TIMED_OUT', answer('REQUEST_TIMED_OUT', true, 'The request timed out')],
    ['any kafkajs error that says it is retriable', new KafkaJSError('Something transient', { retriable: true } as any)],
    ['kafkajs timing out on topic leaders', new (KafkaJSTimeout as any)('Timed out while waiting for topic leaders')],
    ['connection refused, retries exceeded', retriesExceeded(refused())],
    ['UNKNOWN_TOPIC_OR_PARTITION, retries exceeded', retriesExceeded(unknownTopic())],
    ['NOT_CONTROLLER, wrapped as non-retriable', nonRetriable(answer('NOT_CONTROLLER', true, 'Not the controller'))],
    [
      'topics the cluster cannot create yet, or that exist already',
      topicErrors(answer('TOPIC_ALREADY_EXISTS', false, 'Topic with this name already exists'), answer('NOT_CONTROLLER', true, 'Not the controller')),
    ],
    ['a topic without a leader yet', new KafkaNotReadyError('Not every partition has a leader yet: a')],
  ])('waits on %s', (_, error) => {
    expect(isKafkaStarting(error)).toBe(true);
  });

  it.each([
    ['failed authentication', new (KafkaJSSASLAuthenticationError as any)('SASL PLAIN authentication failed: Authentication failed')],
    ['SASL_AUTHENTICATION_FAILED', answer('SASL_AUTHENTICATION_FAILED', false, 'SASL Authentication failed')],
    ['INVALID_REPLICATION_FACTOR', answer('INVALID_REPLICATION_FACTOR', false, 'Replication-factor is invalid')],
    ['POLICY_VIOLATION', answer('POLICY_VIOLATION', false, 'Request parameters do not satisfy the configured policy')],
    ['TOPIC_AUTHORIZATION_FAILED', answer('TOPIC_AUTHORIZATION_FAILED', false, 'Not authorized to access topics')],
    [
      'an invalid replication factor among topic creation errors',
      topicErrors(answer('NOT_CONTROLLER', true, 'Not the controller'), answer('INVALID_REPLICATION_FACTOR', false, 'Replication-factor is invalid')),
    ],
    ['INVALID_REPLICATION_FACTOR, wrapped as non-retriable', nonRetriable(answer('INVALID_REPLICATION_FACTOR', false, 'Replication-factor is invalid'))],
    ['a non-retriable kafkajs error of its own', new KafkaJSNonRetriableError('Invalid topics array')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'partitions')")],
  ])('fails at once on %s', (_, error) => {
    expect(isKafkaStarting(error)).toBe(false);
  });
});

describe('kafkaWaitKind and describeKafkaError', () => {
  it('name what happened, through kafkajs retrier wrappers', () => {
    expect(kafkaWaitKind(retriesExceeded(unknownTopic()))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(kafkaWaitKind(retriesExceeded(refused()))).toBe('KafkaJSConnectionError');
    expect(describeKafkaError(retriesExceeded(unknownTopic()))).toBe(
      'KafkaJSProtocolError: This server does not host this topic-partition (UNKNOWN_TOPIC_OR_PARTITION)',
    );
    expect(describeKafkaError(retriesExceeded(refused()))).toBe('KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  });
});
