/**
 * Advisory lock key shared by the feed projector (exclusive, per batch) and readers that
 * rebuild a feed's Redis keys from PostgreSQL (shared): a rebuild then reads a state the
 * projector has fully committed, and no projector write to Redis can slip in between the
 * rebuild's read and its write.
 */
export const REGENERATION_LOCK = 7_463_118_023;
