/** §2 objectives at their default budgets, second part (statistics-quality.ts). */
import { describeStatistics, STATISTICS_PARTS } from './statistics-quality'

describeStatistics(STATISTICS_PARTS[1])
