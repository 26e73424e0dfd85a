export { isSmokeTestEvent, withSmokeTest, type SmokeTestAnswer, type SmokeTestEvent } from './smoke-test';
