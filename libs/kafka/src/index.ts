export * from './header-codec';
export * from './kafka-transport.options';
export * from './kafka.transport';
