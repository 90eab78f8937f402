import type { AppConfig } from './app.config';

/** SagaModule's `topics` from TOPIC_PREFIX and REPLY_TOPIC: the host's and its AsyncAPI document's. */
export function hostTopics(config: AppConfig): { prefix: string; replies: string } {
  return { prefix: config.topicPrefix, replies: config.replyTopic };
}
