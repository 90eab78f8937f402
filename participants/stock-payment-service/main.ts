import 'reflect-metadata';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { PaymentBook } from './payment-book';
import { PAYMENT_COMMANDS, PaymentController } from './payment.controller';

/**
 * A payment service with no Baton code at all: a NestJS microservice on the
 * stock Kafka transport, its own PostgreSQL schema, and the wire protocol
 * (docs/wire-protocol.md). Run the example participants without payment
 * (EXAMPLE_PARTICIPANTS=inventory,shipping,notification) and this in its place.
 *
 * Reads KAFKA_BROKERS, TOPIC_PREFIX, DATABASE_URL, DATABASE_SCHEMA (default
 * `payment`) and KAFKA_GROUP_ID (default `payment`).
 */
@Module({})
class StockPaymentModule {
  static forRoot(book: PaymentBook): DynamicModule {
    return { module: StockPaymentModule, controllers: [PaymentController], providers: [{ provide: PaymentBook, useValue: book }] };
  }
}

async function bootstrap(): Promise<void> {
  const env = (name: string, fallback?: string): string => {
    const value = process.env[name] || fallback;
    if (!value) throw new Error(`${name} is unset: the payment service needs it`);
    return value;
  };
  const book = new PaymentBook(env('DATABASE_URL'), env('DATABASE_SCHEMA', 'payment'));
  await book.open();
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(StockPaymentModule.forRoot(book), {
    transport: Transport.KAFKA,
    options: {
      client: { clientId: 'payment', brokers: env('KAFKA_BROKERS').split(',') },
      consumer: { groupId: env('KAFKA_GROUP_ID', 'payment') },
      subscribe: { fromBeginning: true },
      // The producer's replies are acknowledged by every in-sync replica.
      send: { acks: -1 },
      postfixId: '',
    },
  });
  await app.listen();
  new Logger('Payment').log(`Stock @nestjs/microservices payment service consumes ${PAYMENT_COMMANDS}`);
  // SIGTERM: leave the consumer group (offsets committed), then close the book.
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => book.close())
      .then(() => process.exit(0));
  });
}

bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
