/**
 * Integrators for flow and diffusion models (§4): deterministic ODE solvers for eq. (7) and stochastic
 * samplers for the reverse of eq. (5). Pure functions over callbacks; the models in objectives/flows/ bind
 * them to their networks and schedules.
 */
export { euler, heun, integrate, uniformGrid, type OdeMethod, type VelocityField } from './ode'
export { ddim, eulerMaruyama, type NoisePredictor } from './sde'
