import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Transport } from '@baton/core';
import { BATON_DATA_SOURCE, BATON_TRANSPORT } from './baton.tokens';

/** Closes the transport and the database last, after every worker has stopped (onModuleDestroy). */
@Injectable()
export class BatonResources implements OnApplicationShutdown {
  constructor(
    @Inject(BATON_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(BATON_TRANSPORT) private readonly transport: Transport,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
