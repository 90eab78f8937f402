import { Controller, Inject } from '@nestjs/common';
import { Ctx, KafkaContext, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { PaymentBook, type KafkaReply, type PaymentCommand } from './payment-book';

/** The topic Baton sends payment commands to: `<TOPIC_PREFIX>payment.commands`. */
export const PAYMENT_COMMANDS = `${process.env.TOPIC_PREFIX ?? ''}payment.commands`;

/**
 * Payment, written as any NestJS team writes a Kafka consumer: stock
 * `@nestjs/microservices`, no Baton package. ServerKafka routes by topic, so
 * the one handler of the topic switches on the `message-type` header.
 * Whatever it returns goes to the command's `kafka_replyTopic`; what it
 * throws goes there as `kafka_nest-err`, which Baton takes as a refusal.
 */
@Controller()
export class PaymentController {
  constructor(@Inject(PaymentBook) private readonly book: PaymentBook) {}

  @MessagePattern(PAYMENT_COMMANDS)
  async handle(@Payload() payload: PaymentCommand['payload'], @Ctx() context: KafkaContext): Promise<KafkaReply | undefined> {
    const headers = context.getMessage().headers as Record<string, string | undefined>;
    const command: PaymentCommand = {
      messageId: String(headers['message-id']),
      sagaId: String(headers['saga-id']),
      compensates: headers['compensates'],
      payload,
    };
    switch (headers['message-type']) {
      case 'AuthorizePayment':
        return this.book.authorize(command);
      case 'VoidAuthorization':
        return this.book.void(command);
      default:
        throw new RpcException(`payment does not handle ${headers['message-type']}`);
    }
  }
}
