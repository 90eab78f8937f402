import { SetMetadata } from '@nestjs/common';

/** What a route needs: nothing, a key that may read, or an operator key. */
export type AccessLevel = 'public' | 'reader' | 'operator';

export const ACCESS_METADATA = 'baton:access';

/** The route changes something: it needs an operator key. (Every POST of SagaModule's controllers does, marked or not.) */
export const Operator = () => SetMetadata(ACCESS_METADATA, 'operator' satisfies AccessLevel);

/** The route only reads: any key when reads are protected (`auth.protectReads`), none otherwise. */
export const Reader = () => SetMetadata(ACCESS_METADATA, 'reader' satisfies AccessLevel);

/** The route needs no key, ever (health probes, say). */
export const Public = () => SetMetadata(ACCESS_METADATA, 'public' satisfies AccessLevel);
