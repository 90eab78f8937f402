export * from './order-fulfillment.saga';
