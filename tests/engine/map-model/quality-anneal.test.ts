/** Training quality of progressive annealing (quality-cases.ts): the longest runs, in a file of their own. */
import { describeQuality, QUALITY_PARTS } from './quality-cases'

describeQuality(QUALITY_PARTS.anneal)
