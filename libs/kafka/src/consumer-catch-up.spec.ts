import { ConsumerCatchUp, partitionKey, type Assignment, type Backlog } from './consumer-catch-up';

const settled = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A catch-up whose backlog per partition is `ends` (key topic:partition), for whatever is assigned. */
function catchUpOver(ends: Record<string, number>, failures = 0) {
  const reads: Assignment[] = [];
  const catchUp = new ConsumerCatchUp(
    async (assignment) => {
      reads.push(assignment);
      if (failures-- > 0) throw new Error('broker busy');
      const backlog: Backlog = new Map();
      for (const [topic, partitions] of Object.entries(assignment)) {
        for (const partition of partitions) {
          const end = ends[partitionKey(topic, partition)];
          if (end !== undefined) backlog.set(partitionKey(topic, partition), end);
        }
      }
      return backlog;
    },
    () => undefined,
    1,
  );
  let done = false;
  void catchUp.done.then(() => (done = true));
  return { catchUp, reads, isDone: () => done };
}

describe('ConsumerCatchUp', () => {
  it('is done once every assigned partition with a backlog was handled up to its end', async () => {
    const { catchUp, isDone } = catchUpOver({ 'r:0': 3, 'r:1': 1 });
    catchUp.joined({ r: [0, 1, 2] });
    catchUp.handled('r', 0, '2');
    await settled();
    expect(isDone()).toBe(false);
    catchUp.handled('r', 1, '0');
    await settled();
    expect(isDone()).toBe(true);
  });

  it('counts messages handled before the backlog was read', async () => {
    const { catchUp, isDone } = catchUpOver({ 'r:0': 2 });
    catchUp.handled('r', 0, '1');
    catchUp.joined({ r: [0] });
    await settled();
    expect(isDone()).toBe(true);
  });

  it('reads the backlog of the new assignment after a rebalance', async () => {
    const { catchUp, isDone } = catchUpOver({ 'r:0': 5, 'r:1': 2 });
    catchUp.joined({ r: [0, 1] });
    await settled();
    // Another replica took partition 0.
    catchUp.joined({ r: [1] });
    catchUp.handled('r', 1, '1');
    await settled();
    expect(isDone()).toBe(true);
  });

  it('reads the backlog again when reading it failed', async () => {
    const { catchUp, reads, isDone } = catchUpOver({}, 2);
    catchUp.joined({ r: [0] });
    for (let i = 0; i < 100 && !isDone(); i++) await settled();
    expect({ reads: reads.length, done: isDone() }).toEqual({ reads: 3, done: true });
  });
});
