export * from './order-fulfillment.contracts';
export * from './order-fulfillment.saga';
