export * from './order-fulfillment';
