import { createTestDatabase, type TestDatabase } from '@bmx/db/testing';
import { afterFailure, afterSuccess, CLOSED, isOpen, readCircuit, recordFailure, recordSuccess, type CircuitPolicy } from '../../src/worker/circuit';
import { dropTestDatabase } from '../support/db';

const policy: CircuitPolicy = { failureThreshold: 3, openMs: 30 * 60_000 };
const t0 = new Date('2026-11-24T12:00:00Z');
const minutes = (n: number) => new Date(t0.getTime() + n * 60_000);

describe('circuit transitions', () => {
  it('stays closed for two failures and opens on the third, for 30 minutes', () => {
    const one = afterFailure(CLOSED, t0, policy);
    const two = afterFailure(one, minutes(1), policy);
    expect(isOpen(two, minutes(1))).toBe(false);
    const three = afterFailure(two, minutes(2), policy);
    expect(three).toEqual({ failureCount: 3, openUntil: minutes(32) });
    expect(isOpen(three, minutes(31))).toBe(true);
    expect(isOpen(three, minutes(32))).toBe(false);
  });

  it('a success closes it and clears the count', () => {
    const open = afterFailure(afterFailure(afterFailure(CLOSED, t0, policy), t0, policy), t0, policy);
    expect(afterSuccess()).toEqual({ failureCount: 0, openUntil: null });
    expect(isOpen(afterSuccess(), t0)).toBe(false);
    expect(isOpen(open, t0)).toBe(true);
  });

  it('a failed trial after the open period re-opens it at once', () => {
    const open = { failureCount: 3, openUntil: minutes(30) };
    const trial = afterFailure(open, minutes(31), policy);
    expect(trial.openUntil).toEqual(minutes(61));
  });

  it('a success between failures starts the count again', () => {
    const two = afterFailure(afterFailure(CLOSED, t0, policy), t0, policy);
    const again = afterFailure(afterFailure(afterSuccess(), t0, policy), t0, policy);
    expect(isOpen(two, t0)).toBe(false);
    expect(again.failureCount).toBe(2);
    expect(isOpen(again, t0)).toBe(false);
  });
});

describe('circuit in carrier_circuits', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase('tracking_circuit');
  });
  afterAll(() => dropTestDatabase(testDb));

  it('counts failures per carrier, opens on the third, closes on success', async () => {
    const { db } = testDb;
    expect(await readCircuit(db, 'ups')).toEqual(CLOSED);
    await recordFailure(db, 'ups', policy, t0);
    await recordFailure(db, 'ups', policy, t0);
    await recordFailure(db, 'dhl', policy, t0);
    expect(isOpen(await readCircuit(db, 'ups'), t0)).toBe(false);
    const opened = await recordFailure(db, 'ups', policy, minutes(1));
    expect(opened).toEqual({ failureCount: 3, openUntil: minutes(31) });
    expect(await readCircuit(db, 'ups')).toEqual({ failureCount: 3, openUntil: minutes(31) });
    expect(await readCircuit(db, 'dhl')).toEqual({ failureCount: 1, openUntil: null });
    await recordSuccess(db, 'ups', minutes(40));
    expect(await readCircuit(db, 'ups')).toEqual(CLOSED);
  });

  it('counts every one of many concurrent failures', async () => {
    const { db } = testDb;
    await Promise.all(Array.from({ length: 8 }, () => recordFailure(db, 'fedex', policy, t0)));
    expect((await readCircuit(db, 'fedex')).failureCount).toBe(8);
  });
});
