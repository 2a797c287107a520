/** Sample-quality metrics: plain JS on `Points`, float64 accumulation, randomness from an `Rng`. */
export { energyDistance } from './energy-distance'
export { mmd2, medianBandwidth } from './mmd'
export { slicedW2, w2SquaredSorted } from './sliced-w2'
export { prdc, knnRadiiSquared, type Prdc } from './prdc'
export { fitGaussian, sampleGaussian, energyGaussian, type GaussianFit } from './gaussian'
export { computeMetrics, type KnownModes } from './compute-metrics'
export {
  COVERED_SHARE,
  HIGH_QUALITY_SIGMAS,
  describeModes,
  modeCoverage,
  modeMetrics,
  type ModeCoverage,
  type ModeMetrics
} from './modes'
export { nonFiniteRows, subsample } from './points'
export { frechetDistance, frechetGaussians, kernelInceptionDistance, symmetricEigen } from './feature-stats'
export { ImageClassifier, FEATURE_DIM, type ClassifierOptions } from './image-classifier'
export { ImageEvaluator } from './image-metrics'
export { kmeans, assignClusters, type KMeans } from './kmeans'
export {
  NEAREST_REFERENCE_QUERIES,
  heldoutNearestMedian,
  nearestDistances,
  nearestRow,
  nearestTrainingImage,
  type NearestTrainingImage
} from './nearest'
