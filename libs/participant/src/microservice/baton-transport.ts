/**
 * The transport id of BatonServer (its `transportId`). Nest gives a server
 * the `@MessagePattern` handlers pinned to no transport and those pinned to
 * its own: pin a handler to BatonServer with
 * `@MessagePattern(ReserveStock, BATON_TRANSPORT)` in an app that runs other
 * microservice transports too, and theirs to them (`Transport.TCP`, ...).
 */
export const BATON_TRANSPORT: unique symbol = Symbol.for('baton.transport');
