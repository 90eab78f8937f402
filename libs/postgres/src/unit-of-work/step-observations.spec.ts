import type { DataSource, EntityManager } from 'typeorm';
import { createDataSource } from '../data-source.factory';
import { StepObservations, type StepObserved } from './step-observations';

describe('Step observations', () => {
  let dataSource: DataSource;
  let observations: StepObservations;
  let heard: StepObserved[];

  const saga = { id: 's-1', name: 'order', definitionVersion: 2, status: 'running', createdAt: new Date('2026-01-01T00:00:00Z') };
  const applied = (tx: EntityManager) =>
    observations.record(tx, {
      sagaId: saga.id,
      sagaName: saga.name,
      definitionVersion: saga.definitionVersion,
      kind: 'message',
      eventType: 'StockReserved',
      status: 'completed',
      previousStatus: 'running',
      commands: ['Ship'],
      outcome: 'applied',
      createdAt: saga.createdAt,
    });

  beforeAll(async () => {
    dataSource = await createDataSource({ dataDir: 'memory://' });
  });
  afterAll(async () => {
    await dataSource.destroy();
  });
  beforeEach(() => {
    observations = new StepObservations();
    heard = [];
  });

  it('tells its listeners of a step once its transaction committed, with how long the transaction took', async () => {
    observations.listen(dataSource, (step) => heard.push(step));

    await dataSource.transaction(async (tx) => {
      applied(tx);
      await tx.query('SELECT pg_sleep(0.02)');
      expect(heard).toEqual([]);
    });

    expect(heard).toEqual([
      {
        sagaId: 's-1',
        sagaName: 'order',
        definitionVersion: 2,
        kind: 'message',
        eventType: 'StockReserved',
        status: 'completed',
        previousStatus: 'running',
        commands: ['Ship'],
        outcome: 'applied',
        createdAt: saga.createdAt,
        durationMs: expect.any(Number),
      },
    ]);
    expect(heard[0].durationMs).toBeGreaterThanOrEqual(15);
  });

  it("gives each step of a transaction the transaction's phases, and none to the next transaction that noted none", async () => {
    observations.listen(dataSource, (step) => heard.push(step));
    const phases = { batchSize: 2, startMs: 0, lockMs: 1.5, decideMs: 2.5, writeMs: 3 };

    await dataSource.transaction(async (tx) => {
      applied(tx);
      applied(tx);
      observations.recordPhases(tx, phases);
    });
    await dataSource.transaction(async (tx) => applied(tx));

    expect(heard.map((step) => step.phases)).toEqual([phases, phases, undefined]);
  });

  it('tells nothing of a transaction that rolled back, nor of the next one that noted nothing', async () => {
    observations.listen(dataSource, (step) => heard.push(step));

    await expect(
      dataSource.transaction(async (tx) => {
        applied(tx);
        throw new Error('conflict');
      }),
    ).rejects.toThrow('conflict');
    await dataSource.transaction((tx) => tx.query('SELECT 1'));

    expect(heard).toEqual([]);
  });

  it('lets a committed step stand when a listener throws, and stops telling a listener that left', async () => {
    let calls = 0;
    const leave = observations.listen(dataSource, () => {
      calls++;
      throw new Error('observer bug');
    });
    observations.listen(dataSource, (step) => heard.push(step));

    await dataSource.transaction(async (tx) => applied(tx));
    leave();
    await dataSource.transaction(async (tx) => applied(tx));

    expect(heard).toHaveLength(2);
    expect(calls).toBe(1);
  });
});
