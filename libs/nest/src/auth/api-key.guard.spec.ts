import { Controller, Get, Post, type INestApplication } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { ProblemDetailsFilter } from '../http/problem-details.filter';
import { Operator, Public, Reader } from './access.decorator';
import { ApiKeyRing } from './api-key-ring';
import { ApiKeyGuard } from './api-key.guard';
import type { BatonPrincipal } from './baton-principal';
import { Principal } from './principal.decorator';

/** A controller the guard covers (as SagaModule's are): nothing on it is marked except where said. */
@Controller('covered')
class CoveredController {
  @Get()
  read(@Principal() principal?: BatonPrincipal) {
    return { principal: principal ?? null };
  }

  @Post()
  change(@Principal() principal?: BatonPrincipal) {
    return { principal };
  }

  @Post('search')
  @Reader()
  search() {
    return { found: [] };
  }

  @Get('health')
  @Public()
  health() {
    return { ok: true };
  }
}

/** A controller of the app the guard does not cover, marked only in places. */
@Reader()
@Controller('marked-class')
class MarkedClassController {
  @Get()
  read() {
    return {};
  }

  @Post()
  change() {
    return {};
  }
}

@Controller('foreign')
class ForeignController {
  @Post()
  unmarked() {
    return {};
  }

  @Post('operated')
  @Operator()
  operated() {
    return {};
  }
}

const OPERATOR = { Authorization: 'Bearer operator-secret' };
const READER = { 'X-API-Key': 'reader-secret' };

async function appWith(protectReads: boolean): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    controllers: [CoveredController, MarkedClassController, ForeignController],
    providers: [
      {
        provide: APP_GUARD,
        inject: [Reflector],
        useFactory: (reflector: Reflector) =>
          new ApiKeyGuard(
            reflector,
            new ApiKeyRing([
              { name: 'ops', key: 'operator-secret', role: 'operator' },
              { name: 'dash', key: 'reader-secret', role: 'reader' },
            ]),
            { protectReads, controllers: [CoveredController] },
          ),
      },
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  app.useGlobalFilters(new ProblemDetailsFilter());
  await app.init();
  return app;
}

/** Runs the fixture app around the tests of the enclosing describe. */
function useApp(protectReads: boolean) {
  let app: INestApplication;
  beforeAll(async () => {
    app = await appWith(protectReads);
  });
  afterAll(async () => {
    await app.close();
  });
  return () => request(app.getHttpServer());
}

describe('The API key guard', () => {
  describe('with reads open', () => {
    const api = useApp(false);

    it('protects an unmarked POST of a covered controller as needing an operator key, and hands the principal over', async () => {
      await api().post('/covered').expect(401);
      await api().post('/covered').set(READER).expect(403);
      const { body } = await api().post('/covered').set(OPERATOR).expect(201);
      expect(body.principal).toEqual({ name: 'ops', role: 'operator' });
    });

    it('lets anyone read, and anyone through a handler marked @Reader', async () => {
      expect((await api().get('/covered').expect(200)).body).toEqual({ principal: null });
      await api().post('/covered/search').expect(201);
    });

    it('does not loosen the POSTs of a controller marked @Reader as a whole', async () => {
      await api().get('/marked-class').expect(200);
      await api().post('/marked-class').set(READER).expect(403);
      await api().post('/marked-class').set(OPERATOR).expect(201);
    });

    it('leaves the unmarked routes of other controllers alone, and guards their marked ones', async () => {
      await api().post('/foreign').expect(201);
      await api().post('/foreign/operated').set(READER).expect(403);
      await api().post('/foreign/operated').set(OPERATOR).expect(201);
    });
  });

  describe('with reads protected', () => {
    const api = useApp(true);

    it('needs a key of either role to read, and lets a reader through a handler marked @Reader', async () => {
      await api().get('/covered').expect(401);
      expect((await api().get('/covered').set(READER).expect(200)).body.principal).toEqual({ name: 'dash', role: 'reader' });
      await api().post('/covered/search').expect(401);
      await api().post('/covered/search').set(READER).expect(201);
      await api().get('/marked-class').expect(401);
    });

    it('needs no key on a route marked @Public', async () => {
      await api().get('/covered/health').expect(200);
    });
  });
});
