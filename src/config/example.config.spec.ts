import { ConfigError } from './env';
import { loadExampleConfig } from './example.config';

describe("The example's settings", () => {
  it('need no variable', () => {
    expect(loadExampleConfig({})).toEqual({
      participantFailureRate: 0,
      participantLatencyMs: 0,
      participants: ['inventory', 'payment', 'shipping', 'notification'],
      traffic: 0,
      orderPaymentTimeoutMs: 15_000,
      orderReplyTimeoutMs: 10_000,
    });
  });

  it('read what is set, and treat an empty variable as unset', () => {
    expect(
      loadExampleConfig({ PARTICIPANT_FAILURE_RATE: '0.25', PARTICIPANT_LATENCY_MS: '', ORDER_PAYMENT_TIMEOUT_MS: '2000', ORDER_REPLY_TIMEOUT_MS: '500' }),
    ).toEqual(expect.objectContaining({ participantFailureRate: 0.25, participantLatencyMs: 0, orderPaymentTimeoutMs: 2_000, orderReplyTimeoutMs: 500 }));
  });

  it('run the example participants EXAMPLE_PARTICIPANTS lists, each once, and refuse a name that is none of them', () => {
    expect(loadExampleConfig({ EXAMPLE_PARTICIPANTS: ' shipping,notification ,shipping' }).participants).toEqual(['shipping', 'notification']);
    expect(() => loadExampleConfig({ EXAMPLE_PARTICIPANTS: 'shipping,billing' })).toThrow(
      expect.objectContaining({
        problems: [
          'EXAMPLE_PARTICIPANTS="shipping,billing": names no example participant: billing; list some of inventory, payment, shipping, notification, comma-separated',
        ],
      }),
    );
    expect(() => loadExampleConfig({ EXAMPLE_PARTICIPANTS: ' , ' })).toThrow(expect.objectContaining({ problems: ['EXAMPLE_PARTICIPANTS=" , ": must name at least one participant'] }));
  });

  it('refuse invalid values, naming every variable, its value and what it must be', () => {
    const attempt = () => loadExampleConfig({ PARTICIPANT_FAILURE_RATE: '2', ORDER_PAYMENT_TIMEOUT_MS: 'soon' });
    expect(attempt).toThrow(ConfigError);
    expect(() => attempt()).toThrow(
      expect.objectContaining({
        problems: ['PARTICIPANT_FAILURE_RATE="2": must be a number from 0 to 1', 'ORDER_PAYMENT_TIMEOUT_MS="soon": must be a whole number'],
      }),
    );
  });
});
