/**
 * Every fault-injection category, in report order. To add one: write `scripts/faults/<id>.ts` exporting a
 * `FaultCategory` (see types.ts) and add it to this list. Nothing else changes: the runner tries it, and the
 * report (docs/reliability.md) gets its row and its case table.
 */
import { badFiles } from './bad-files'
import { hostileHttp } from './hostile-http'
import { runFaults } from './runs'
import type { FaultCategory } from './types'

export const CATEGORIES: readonly FaultCategory[] = [badFiles, ...hostileHttp, ...runFaults]
