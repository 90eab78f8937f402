export * from './header-codec';
export * from './kafka-transport.defaults';
export * from './kafka-transport.options';
export * from './kafka.transport';
