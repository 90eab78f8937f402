import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { SAGA_MODULE_OPTIONS } from '../saga.module-definition';
import type { SagaModuleOptions } from '../saga-module.options';
import { Reader } from './access.decorator';
import type { ApiKeyRole } from './api-key';
import { ApiKeyRing } from './api-key-ring';
import { presentedKey, unauthenticated } from './api-key.guard';
import { principalOf } from './baton-principal';
import { KEYS_IN_FORCE, type KeysInForce } from './development-key';

/** GET /auth/whoami: whose key the request carries, and how this host treats keys. Never the key itself. */
export interface WhoAmIView {
  /** The key's name; null without a key. */
  name: string | null;
  /** What the key may do; null without a key. */
  role: ApiKeyRole | null;
  /** Whether reads need a key too (`auth.protectReads`). */
  readsNeedKey: boolean;
  /** Whether no keys were configured and the development key stands in (outside production only). */
  developmentKey: boolean;
}

/**
 * Tells a console whose key it holds, so it shows action buttons to an
 * operator only. It reads like any other route (a key when reads need one),
 * but a key that is sent must be right even when reads need none: a wrong
 * key gets the same 401 as everywhere, not a quiet "nobody".
 */
@ApiTags('auth')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('auth')
export class WhoAmIController {
  private readonly keys: ApiKeyRing;
  private readonly readsNeedKey: boolean;
  private readonly developmentKey: boolean;

  constructor(@Inject(KEYS_IN_FORCE) keys: KeysInForce, @Inject(SAGA_MODULE_OPTIONS) options: SagaModuleOptions) {
    this.keys = new ApiKeyRing(keys.keys);
    this.developmentKey = keys.developmentKey;
    this.readsNeedKey = options.auth?.protectReads ?? false;
  }

  @Get('whoami')
  @Reader()
  @ApiOperation({
    summary: "The name and role of the request's key",
    description: 'Without a key: name and role null (401 when reads need a key). A wrong key: 401. The key itself is never echoed.',
  })
  @ApiResponse({
    status: 200,
    schema: {
      type: 'object',
      properties: {
        name: { type: 'string', nullable: true },
        role: { type: 'string', enum: ['operator', 'reader'], nullable: true },
        readsNeedKey: { type: 'boolean' },
        developmentKey: { type: 'boolean' },
      },
    },
  })
  @ApiResponse({ status: 401, description: 'application/problem+json' })
  whoami(@Req() request: Request, @Res({ passthrough: true }) response: Response): WhoAmIView {
    // The guard has identified the key when reads need one; otherwise it let the request through unread.
    let principal = principalOf(request);
    if (!principal) {
      const presented = presentedKey(request);
      principal = presented === undefined ? undefined : this.keys.identify(presented);
      if (presented !== undefined && !principal) throw unauthenticated(response);
    }
    return {
      name: principal?.name ?? null,
      role: principal?.role ?? null,
      readsNeedKey: this.readsNeedKey,
      developmentKey: this.developmentKey,
    };
  }
}
